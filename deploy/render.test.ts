import { describe, expect, it } from 'vitest';
import type { PlannedWorkload } from '../harness/plan/types.ts';
import { canonicalTag } from './image.ts';
import { applyRunSettings, neededImages, parseObjects, renameImages, type KubeObject } from './render.ts';

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

describe('images the run brings into the cluster', () => {
  const objs = parseObjects(yaml, 'fixture');
  const opts = { namespace: 'kch-test', imageRef: 'localhost/kube-chaos-harness/standin:abc123' };
  const own = parseObjects(
    `apiVersion: apps/v1
kind: Deployment
metadata: { name: my-service }
spec:
  template:
    spec:
      initContainers: [{ name: init, image: busybox:1.36 }]
      containers: [{ name: web, image: localhost/my-service:dev, imagePullPolicy: Never }]
`,
    '/home/me/svc/k8s',
  );
  const mine: PlannedWorkload = { ...proxy, name: 'web', deploy: '/home/me/svc/k8s', object: { kind: 'Deployment', name: 'my-service' }, image: null };

  it('none for the stand-in alone', () => {
    expect(neededImages(applyRunSettings(objs, [proxy], opts), [proxy], opts.imageRef)).toEqual([]);
  });

  it("requires a workload's image override (scenario or --set)", () => {
    const w = { ...proxy, image: 'my-proxy:dev' };
    expect(neededImages(applyRunSettings(objs, [w], opts), [w], opts.imageRef)).toEqual([
      { image: 'my-proxy:dev', usedBy: ['Deployment/aenebris container aenebris'], required: true, source: "workload proxy's image" },
    ]);
  });

  it("requires a manifest's image only where the node may not pull it (imagePullPolicy Never)", () => {
    expect(neededImages(applyRunSettings(own, [mine], opts), [mine], opts.imageRef)).toEqual([
      { image: 'busybox:1.36', usedBy: ['Deployment/my-service container init'], required: false, source: 'the manifests of /home/me/svc/k8s' },
      { image: 'localhost/my-service:dev', usedBy: ['Deployment/my-service container web'], required: true, source: 'the manifests of /home/me/svc/k8s' },
    ]);
  });

  it("puts a workload's image override on its own folder's first container (no stand-in there)", () => {
    const w = { ...mine, image: 'localhost/my-service:v2' };
    const out = applyRunSettings(own, [w], opts);
    expect(container(out, 'my-service').image).toBe('localhost/my-service:v2');
    expect(neededImages(out, [w], opts.imageRef).find((n) => n.image === 'localhost/my-service:v2')).toMatchObject({ required: true, source: "workload web's image" });
  });

  it("renames an image to the engine's own name for it", () => {
    const out = renameImages(applyRunSettings(objs, [{ ...proxy, image: 'my-proxy:dev' }], opts), new Map([['my-proxy:dev', 'localhost/my-proxy:dev']]));
    expect(container(out, 'aenebris').image).toBe('localhost/my-proxy:dev');
    expect(container(out, 'aenebris-upstream').image).toBe(opts.imageRef);
  });

  it("picks the engine's tag for a short name (Podman qualifies it with localhost/)", () => {
    expect(canonicalTag('my-proxy:dev', ['localhost/my-proxy:dev'])).toBe('localhost/my-proxy:dev');
    expect(canonicalTag('my-proxy', ['localhost/my-proxy:latest'])).toBe('localhost/my-proxy:latest');
    expect(canonicalTag('ghcr.io/me/x:1', ['ghcr.io/me/x:1', 'localhost/x:1'])).toBe('ghcr.io/me/x:1');
    expect(canonicalTag('my-proxy:dev', ['docker.io/library/my-proxy:dev'])).toBe('docker.io/library/my-proxy:dev');
  });
});

