import { describe, expect, it } from 'vitest';
import type { PlannedWorkload } from '../harness/plan/types.ts';
import { applyRunSettings, parseObjects, type KubeObject } from './render.ts';

const yaml = `
apiVersion: v1
kind: Service
metadata: { name: aenebris }
spec: { ports: [{ port: 80 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: aenebris }
spec:
  template:
    metadata:
      annotations:
        kube-chaos-harness/seed-command: '["/usr/local/bin/aenebris"]'
        kube-chaos-harness/seed-prestop: '["/bin/sh","-c","sleep 110"]'
    spec:
      containers:
        - name: aenebris
          image: localhost/kube-chaos-harness/standin:dev
          env: [{ name: DRAIN_MODE, value: graceful }]
          lifecycle: { preStop: { exec: { command: ["/standin", "sleep", "110"] } } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: aenebris-upstream }
spec:
  template:
    spec:
      containers:
        - name: upstream
          image: localhost/kube-chaos-harness/standin:dev
          env: [{ name: DRAIN_MODE, value: graceful }]
`;

const proxy: PlannedWorkload = {
  name: 'proxy',
  deploy: 'aenebris',
  object: { kind: 'Deployment', name: 'aenebris' },
  drain: 'none',
  image: null,
  cpuCostMicros: 250,
  overlay: 'kind',
};

type Dep = KubeObject & { spec: { template: { spec: { containers: { image: string; command?: string[]; env: { name: string; value: string }[]; lifecycle?: { preStop: { exec: { command: string[] } } } }[] } } } };
const container = (objs: KubeObject[], name: string) => (objs.find((o) => o.kind === 'Deployment' && o.metadata.name === name) as Dep).spec.template.spec.containers[0]!;
const env = (c: { env: { name: string; value: string }[] }) => Object.fromEntries(c.env.map((e) => [e.name, e.value]));

describe('applyRunSettings', () => {
  const objs = parseObjects(yaml, 'fixture');
  const opts = { namespace: 'kch-test', imageRef: 'localhost/kube-chaos-harness/standin:abc123' };

  it('sets the namespace on every object and the image ref on every stand-in container', () => {
    const out = applyRunSettings(objs, [proxy], opts);
    expect(out.map((o) => o.metadata.namespace)).toEqual(['kch-test', 'kch-test', 'kch-test']);
    expect(container(out, 'aenebris').image).toBe(opts.imageRef);
    expect(container(out, 'aenebris-upstream').image).toBe(opts.imageRef);
  });

  it('applies drain mode and CPU cost to the planned object only', () => {
    const out = applyRunSettings(objs, [proxy], opts);
    expect(env(container(out, 'aenebris'))).toEqual({ DRAIN_MODE: 'none', CPU_COST_MICROS: '250' });
    expect(env(container(out, 'aenebris-upstream'))).toEqual({ DRAIN_MODE: 'graceful' });
    // The input is not mutated (renders can be reused).
    expect(env(container(objs, 'aenebris'))).toEqual({ DRAIN_MODE: 'graceful' });
  });

  it("runs a user's image with the seed's entrypoint and preStop", () => {
    const out = applyRunSettings(objs, [{ ...proxy, image: 'ghcr.io/me/aenebris:1.0.0' }], opts);
    const c = container(out, 'aenebris');
    expect(c.image).toBe('ghcr.io/me/aenebris:1.0.0');
    expect(c.command).toEqual(['/usr/local/bin/aenebris']);
    expect(c.lifecycle?.preStop.exec.command).toEqual(['/bin/sh', '-c', 'sleep 110']);
    expect(container(out, 'aenebris-upstream').image).toBe(opts.imageRef);
  });

  it('names the workload and object when the folder lacks it', () => {
    expect(() => applyRunSettings(objs, [{ ...proxy, object: { kind: 'Deployment', name: 'nope' } }], opts)).toThrow(/workload proxy: .*Deployment "nope"/);
  });
});
