// Pods pulling what --registry pushed: renamed images, Never → IfNotPresent, and nothing else touched.
import { describe, expect, it } from 'vitest';
import { pullFromRegistry } from './pulled-images.ts';

const pushed = new Map([
  ['localhost/kube-chaos-harness/standin:abc', 'localhost:5001/kch/standin:abc'],
  ['localhost/kube-chaos-harness/k6-runner:def', 'localhost:5001/kch/k6-runner:def'],
]);

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'proxy' },
  spec: {
    template: {
      spec: {
        initContainers: [{ name: 'init', image: 'localhost/kube-chaos-harness/standin:abc', imagePullPolicy: 'Never' }],
        containers: [
          { name: 'proxy', image: 'localhost/kube-chaos-harness/standin:abc', imagePullPolicy: 'Never' },
          { name: 'sidecar', image: 'registry.example.com/envoy:1.30', imagePullPolicy: 'Always' },
        ],
      },
    },
  },
};

describe('pullFromRegistry', () => {
  it("renames a workload template's pushed images and lets the node pull them", () => {
    const [out] = pullFromRegistry([deployment], pushed);
    const spec = out!.spec.template.spec;
    expect(spec.containers[0]).toEqual({ name: 'proxy', image: 'localhost:5001/kch/standin:abc', imagePullPolicy: 'IfNotPresent' });
    expect(spec.initContainers[0]).toMatchObject({ image: 'localhost:5001/kch/standin:abc', imagePullPolicy: 'IfNotPresent' });
    // not pushed: as it was, its policy too
    expect(spec.containers[1]).toEqual({ name: 'sidecar', image: 'registry.example.com/envoy:1.30', imagePullPolicy: 'Always' });
    // a copy: the input is unchanged
    expect(deployment.spec.template.spec.containers[0]!.image).toBe('localhost/kube-chaos-harness/standin:abc');
  });

  it('does the same for bare Pods (k6 runners, Prometheus) and keeps a policy that is not Never', () => {
    const pod = { kind: 'Pod', spec: { containers: [{ name: 'k6', image: 'localhost/kube-chaos-harness/k6-runner:def', imagePullPolicy: 'Never' }] } };
    const always = { kind: 'Pod', spec: { containers: [{ name: 'k6', image: 'localhost/kube-chaos-harness/k6-runner:def', imagePullPolicy: 'Always' }] } };
    expect(pullFromRegistry([pod], pushed)[0]!.spec.containers[0]).toEqual({ name: 'k6', image: 'localhost:5001/kch/k6-runner:def', imagePullPolicy: 'IfNotPresent' });
    expect(pullFromRegistry([always], pushed)[0]!.spec.containers[0]!.imagePullPolicy).toBe('Always');
  });

  it("reaches a CronJob's job template and leaves objects without pods alone", () => {
    const cron = { kind: 'CronJob', spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'localhost/kube-chaos-harness/standin:abc', imagePullPolicy: 'Never' }] } } } } } };
    expect(pullFromRegistry([cron], pushed)[0]!.spec.jobTemplate.spec.template.spec.containers[0]!.image).toBe('localhost:5001/kch/standin:abc');
    const svc = { kind: 'Service', spec: { ports: [{ port: 80 }] } };
    expect(pullFromRegistry([svc], pushed)).toEqual([svc]);
  });

  it('changes nothing without pushed images', () => {
    expect(pullFromRegistry([deployment], new Map())[0]).toBe(deployment);
  });
});
