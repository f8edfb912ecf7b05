// Every overlay renders with the real `kubectl kustomize`, and the values the scenarios stress
// are the seeds' own (../shared/seeds): a table per workload, then invariants for all overlays.
import { beforeAll, describe, expect, it } from 'vitest';
import { kustomize, workloadFolders, type KubeObject } from './render.ts';

const rendered = new Map<string, KubeObject[]>();

beforeAll(async () => {
  for (const folder of workloadFolders()) {
    for (const overlay of ['existing', 'kind']) rendered.set(`${folder}/${overlay}`, await kustomize(folder, overlay));
  }
}, 60_000);

function find(folder: string, overlay: string, kind: string, name: string): KubeObject {
  const obj = rendered.get(`${folder}/${overlay}`)?.find((o) => o.kind === kind && o.metadata.name === name);
  if (!obj) throw new Error(`${folder}/${overlay}: no ${kind} ${name}`);
  return obj;
}

/** Read a dotted path; numeric segments index arrays. */
function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur === null || cur === undefined) return undefined;
    cur = (cur as Record<string, unknown>)[/^\d+$/.test(seg) ? Number(seg) : seg];
  }
  return cur;
}

const C0 = 'spec.template.spec.containers.0';
type Row = [folder: string, overlay: 'existing' | 'kind', kind: string, name: string, path: string, want: unknown];

const rows: Row[] = [
  // Ᾰenebris (seed 000): Deployment, probes, drain, HPA, PDB, Service.
  ['aenebris', 'existing', 'Deployment', 'aenebris', 'spec.replicas', 8],
  ['aenebris', 'existing', 'Deployment', 'aenebris', 'spec.strategy.rollingUpdate.maxSurge', 2],
  ['aenebris', 'existing', 'Deployment', 'aenebris', 'spec.strategy.rollingUpdate.maxUnavailable', 0],
  ['aenebris', 'existing', 'Deployment', 'aenebris', 'spec.template.spec.terminationGracePeriodSeconds', 120],
  ['aenebris', 'existing', 'Deployment', 'aenebris', `${C0}.lifecycle.preStop.exec.command`, ['/standin', 'sleep', '110', '--term', '1']],
  ['aenebris', 'existing', 'Deployment', 'aenebris', `${C0}.resources.requests.cpu`, '4000m'],
  ['aenebris', 'existing', 'Deployment', 'aenebris', `${C0}.resources.limits.memory`, '4Gi'],
  ['aenebris', 'existing', 'Deployment', 'aenebris', `${C0}.startupProbe.httpGet.path`, '/healthz'],
  ['aenebris', 'existing', 'Deployment', 'aenebris', `${C0}.startupProbe.periodSeconds`, 2],
  ['aenebris', 'existing', 'Deployment', 'aenebris', `${C0}.startupProbe.failureThreshold`, 30],
  ['aenebris', 'existing', 'Deployment', 'aenebris', `${C0}.livenessProbe.periodSeconds`, 10],
  ['aenebris', 'existing', 'Deployment', 'aenebris', `${C0}.livenessProbe.failureThreshold`, 3],
  ['aenebris', 'existing', 'Deployment', 'aenebris', `${C0}.readinessProbe.httpGet.path`, '/ready'],
  ['aenebris', 'existing', 'Deployment', 'aenebris', `${C0}.readinessProbe.httpGet.port`, 8080],
  ['aenebris', 'existing', 'Deployment', 'aenebris', `${C0}.readinessProbe.periodSeconds`, 5],
  ['aenebris', 'existing', 'Deployment', 'aenebris', `${C0}.readinessProbe.failureThreshold`, 2],
  ['aenebris', 'existing', 'Deployment', 'aenebris', `${C0}.securityContext.readOnlyRootFilesystem`, true],
  ['aenebris', 'existing', 'Deployment', 'aenebris', `${C0}.securityContext.runAsUser`, 1000],
  ['aenebris', 'existing', 'Deployment', 'aenebris', `${C0}.securityContext.capabilities.add`, ['NET_BIND_SERVICE']],
  ['aenebris', 'existing', 'HorizontalPodAutoscaler', 'aenebris', 'spec.minReplicas', 5],
  ['aenebris', 'existing', 'HorizontalPodAutoscaler', 'aenebris', 'spec.maxReplicas', 50],
  ['aenebris', 'existing', 'HorizontalPodAutoscaler', 'aenebris', 'spec.metrics.0.resource.target.averageUtilization', 70],
  ['aenebris', 'existing', 'HorizontalPodAutoscaler', 'aenebris', 'spec.metrics.2.pods.metric.name', 'http_requests_per_second'],
  ['aenebris', 'existing', 'HorizontalPodAutoscaler', 'aenebris', 'spec.behavior.scaleUp.stabilizationWindowSeconds', 0],
  ['aenebris', 'existing', 'HorizontalPodAutoscaler', 'aenebris', 'spec.behavior.scaleUp.policies', [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }]],
  ['aenebris', 'existing', 'HorizontalPodAutoscaler', 'aenebris', 'spec.behavior.scaleUp.selectPolicy', 'Max'],
  ['aenebris', 'existing', 'HorizontalPodAutoscaler', 'aenebris', 'spec.behavior.scaleDown.stabilizationWindowSeconds', 300],
  ['aenebris', 'existing', 'HorizontalPodAutoscaler', 'aenebris', 'spec.behavior.scaleDown.policies', [{ type: 'Pods', value: 1, periodSeconds: 60 }]],
  ['aenebris', 'existing', 'PodDisruptionBudget', 'aenebris', 'spec.minAvailable', 3],
  ['aenebris', 'existing', 'Service', 'aenebris', 'spec.sessionAffinity', 'ClientIP'],
  ['aenebris', 'existing', 'Service', 'aenebris', 'spec.sessionAffinityConfig.clientIP.timeoutSeconds', 10800],
  ['aenebris', 'existing', 'Service', 'aenebris', 'spec.ports.0.port', 80],
  ['aenebris', 'existing', 'Service', 'aenebris', 'spec.ports.1.targetPort', 8443],
  ['aenebris', 'kind', 'Deployment', 'aenebris', 'spec.replicas', 2],
  ['aenebris', 'kind', 'Deployment', 'aenebris', `${C0}.resources`, { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } }],
  ['aenebris', 'kind', 'Deployment', 'aenebris', 'spec.template.spec.terminationGracePeriodSeconds', 120],
  ['aenebris', 'kind', 'Deployment', 'aenebris', 'spec.strategy.rollingUpdate.maxUnavailable', 0],
  ['aenebris', 'kind', 'HorizontalPodAutoscaler', 'aenebris', 'spec.minReplicas', 2],
  ['aenebris', 'kind', 'HorizontalPodAutoscaler', 'aenebris', 'spec.maxReplicas', 6],
  ['aenebris', 'kind', 'HorizontalPodAutoscaler', 'aenebris', 'spec.metrics.length', 2],
  ['aenebris', 'kind', 'PodDisruptionBudget', 'aenebris', 'spec.minAvailable', 1],
  ['aenebris', 'kind', 'Service', 'aenebris', 'spec.ports.0.nodePort', 30080],
  ['aenebris', 'kind', 'Service', 'aenebris', 'spec.ports.1.nodePort', 30081],
  // Ephemos (seed 001).
  ['ephemos', 'existing', 'Deployment', 'ephemos-echo', 'spec.replicas', 3],
  ['ephemos', 'existing', 'Deployment', 'ephemos-echo', `${C0}.livenessProbe`, { grpc: { port: 8080 }, initialDelaySeconds: 30, periodSeconds: 30 }],
  ['ephemos', 'existing', 'Deployment', 'ephemos-echo', `${C0}.readinessProbe`, { grpc: { port: 8080 }, initialDelaySeconds: 10, periodSeconds: 5 }],
  ['ephemos', 'existing', 'Deployment', 'ephemos-echo', `${C0}.resources.limits.cpu`, '500m'],
  ['ephemos', 'existing', 'Deployment', 'ephemos-echo', `${C0}.securityContext.runAsUser`, 65534],
  ['ephemos', 'existing', 'HorizontalPodAutoscaler', 'ephemos-echo', 'spec.minReplicas', 3],
  ['ephemos', 'existing', 'HorizontalPodAutoscaler', 'ephemos-echo', 'spec.maxReplicas', 10],
  ['ephemos', 'existing', 'PodDisruptionBudget', 'ephemos-echo', 'spec.minAvailable', 2],
  ['ephemos', 'kind', 'Service', 'ephemos-echo', 'spec.ports.0.nodePort', 30082],
  ['ephemos', 'kind', 'HorizontalPodAutoscaler', 'ephemos-echo', 'spec.maxReplicas', 6],
  // S3 encryption gateway (seed 002).
  ['s3-gateway', 'existing', 'Deployment', 's3-gateway', 'spec.replicas', 3],
  ['s3-gateway', 'existing', 'Deployment', 's3-gateway', 'spec.strategy.rollingUpdate', { maxUnavailable: 1, maxSurge: 1 }],
  ['s3-gateway', 'existing', 'Deployment', 's3-gateway', `${C0}.livenessProbe`, { httpGet: { path: '/health', port: 'http' }, initialDelaySeconds: 30, periodSeconds: 10 }],
  ['s3-gateway', 'existing', 'Deployment', 's3-gateway', `${C0}.readinessProbe`, { httpGet: { path: '/ready', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 5 }],
  ['s3-gateway', 'existing', 'Deployment', 's3-gateway', `${C0}.resources.limits`, { memory: '512Mi', cpu: '500m' }],
  ['s3-gateway', 'existing', 'HorizontalPodAutoscaler', 's3-gateway', 'spec.minReplicas', 3],
  ['s3-gateway', 'existing', 'HorizontalPodAutoscaler', 's3-gateway', 'spec.maxReplicas', 10],
  ['s3-gateway', 'existing', 'PodDisruptionBudget', 's3-gateway', 'spec.minAvailable', 2],
  ['s3-gateway', 'existing', 'Service', 's3-gateway', 'spec.ports.0', { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
  ['s3-gateway', 'kind', 'Service', 's3-gateway', 'spec.ports.0.nodePort', 30083],
  ['s3-gateway', 'kind', 'Service', 'object-store', 'spec.ports.0.nodePort', 30089],
  ['s3-gateway', 'kind', 'Deployment', 's3-gateway', 'spec.strategy.rollingUpdate', { maxUnavailable: 1, maxSurge: 1 }],
  // BaseBook (seed 003 and its public k8s/base).
  ['basebook', 'existing', 'Deployment', 'basebook-backend', 'spec.replicas', 3],
  ['basebook', 'existing', 'Deployment', 'basebook-backend', `${C0}.resources.requests`, { cpu: '500m', memory: '512Mi' }],
  ['basebook', 'existing', 'Deployment', 'basebook-backend', `${C0}.ports`, [{ name: 'http', containerPort: 4000, protocol: 'TCP' }, { name: 'ws', containerPort: 4001, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }]],
  ['basebook', 'existing', 'Deployment', 'basebook-backend', `${C0}.lifecycle.preStop.exec.command`, ['/standin', 'sleep', '15']],
  ['basebook', 'existing', 'Deployment', 'basebook-backend', 'spec.template.spec.terminationGracePeriodSeconds', 30],
  ['basebook', 'existing', 'Deployment', 'basebook-backend', `${C0}.startupProbe.failureThreshold`, 30],
  ['basebook', 'existing', 'HorizontalPodAutoscaler', 'basebook-backend', 'spec.minReplicas', 3],
  ['basebook', 'existing', 'HorizontalPodAutoscaler', 'basebook-backend', 'spec.maxReplicas', 10],
  ['basebook', 'existing', 'HorizontalPodAutoscaler', 'basebook-backend', 'spec.behavior.scaleUp.policies', [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 2, periodSeconds: 15 }]],
  ['basebook', 'existing', 'HorizontalPodAutoscaler', 'basebook-router', 'spec.metrics.0.resource.target.averageUtilization', 60],
  ['basebook', 'existing', 'HorizontalPodAutoscaler', 'basebook-router', 'spec.metrics.1.resource.target.averageUtilization', 70],
  ['basebook', 'existing', 'HorizontalPodAutoscaler', 'basebook-router', 'spec.minReplicas', 2],
  ['basebook', 'existing', 'HorizontalPodAutoscaler', 'basebook-router', 'spec.maxReplicas', 6],
  ['basebook', 'existing', 'HorizontalPodAutoscaler', 'basebook-frontend', 'spec.maxReplicas', 8],
  ['basebook', 'existing', 'Deployment', 'basebook-router', `${C0}.resources.limits.cpu`, '2000m'],
  ['basebook', 'existing', 'Deployment', 'basebook-router', 'spec.template.spec.terminationGracePeriodSeconds', 20],
  ['basebook', 'existing', 'Deployment', 'basebook-frontend', `${C0}.readinessProbe.httpGet.path`, '/api/health'],
  ['basebook', 'existing', 'PodDisruptionBudget', 'basebook-backend', 'spec.minAvailable', 2],
  ['basebook', 'existing', 'PodDisruptionBudget', 'basebook-router', 'spec.minAvailable', 1],
  ['basebook', 'existing', 'Service', 'basebook-backend', 'spec.sessionAffinity', 'ClientIP'],
  ['basebook', 'kind', 'HorizontalPodAutoscaler', 'basebook-router', 'spec.metrics.0.resource.target.averageUtilization', 60],
  ['basebook', 'kind', 'Service', 'basebook-backend', 'spec.ports.0.nodePort', 30084],
  ['basebook', 'kind', 'Service', 'basebook-backend', 'spec.ports.1.nodePort', 30085],
  ['basebook', 'kind', 'Service', 'basebook-router', 'spec.ports.0.nodePort', 30086],
  ['basebook', 'kind', 'Service', 'basebook-frontend', 'spec.ports.0.nodePort', 30087],
  // eBPF tracer (seed 004).
  ['ebpf-tracer', 'existing', 'DaemonSet', 'ebpf-tracer', 'spec.updateStrategy.rollingUpdate.maxUnavailable', 1],
  ['ebpf-tracer', 'existing', 'DaemonSet', 'ebpf-tracer', 'spec.template.spec.hostNetwork', true],
  ['ebpf-tracer', 'existing', 'DaemonSet', 'ebpf-tracer', 'spec.template.spec.hostPID', true],
  ['ebpf-tracer', 'existing', 'DaemonSet', 'ebpf-tracer', `${C0}.securityContext.privileged`, true],
  ['ebpf-tracer', 'existing', 'DaemonSet', 'ebpf-tracer', `${C0}.livenessProbe`, { httpGet: { path: '/api/health', port: 8080 }, initialDelaySeconds: 30, periodSeconds: 30 }],
  ['ebpf-tracer', 'existing', 'DaemonSet', 'ebpf-tracer', `${C0}.readinessProbe`, { httpGet: { path: '/api/health', port: 8080 }, initialDelaySeconds: 10, periodSeconds: 10 }],
  ['ebpf-tracer', 'existing', 'DaemonSet', 'ebpf-tracer', `${C0}.resources.limits`, { memory: '1Gi', cpu: '1000m' }],
  ['ebpf-tracer', 'kind', 'DaemonSet', 'ebpf-tracer', 'spec.template.spec.hostNetwork', true],
  ['ebpf-tracer', 'kind', 'Service', 'ebpf-tracer', 'spec.ports.0.nodePort', 30088],
];

describe('seed values', () => {
  it.each(rows)('%s/%s %s %s %s', (folder, overlay, kind, name, path, want) => {
    expect(at(find(folder, overlay, kind, name), path)).toEqual(want);
  });
});

const FIXED_NODEPORTS = new Set([30080, 30081, 30082, 30083, 30084, 30085, 30086, 30087, 30088, 30089]);
type PodOwner = KubeObject & { spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string; imagePullPolicy?: string; lifecycle?: unknown; readinessProbe?: unknown; livenessProbe?: unknown; startupProbe?: unknown }[]; terminationGracePeriodSeconds?: number } } } };

function owners(objs: KubeObject[]): PodOwner[] {
  return objs.filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet') as PodOwner[];
}

describe('every overlay', () => {
  const all = (): [string, KubeObject[]][] => [...rendered.entries()];

  it('renders all five workload folders', () => {
    expect(workloadFolders()).toEqual(['aenebris', 'basebook', 'ebpf-tracer', 'ephemos', 's3-gateway']);
  });

  it('labels every pod app.kubernetes.io/name=<object> and selects its own pods', () => {
    for (const [key, objs] of all()) {
      for (const o of owners(objs)) {
        expect(o.spec.template.metadata.labels['app.kubernetes.io/name'], `${key} ${o.metadata.name}`).toBe(o.metadata.name);
        for (const [k, v] of Object.entries(o.spec.selector.matchLabels)) expect(o.spec.template.metadata.labels[k], `${key} ${o.metadata.name} selector ${k}`).toBe(v);
      }
    }
  });

  it('names every HPA and PDB like the object it targets', () => {
    for (const [key, objs] of all()) {
      const names = new Set(owners(objs).map((o) => o.metadata.name));
      for (const o of objs.filter((x) => x.kind === 'HorizontalPodAutoscaler' || x.kind === 'PodDisruptionBudget')) {
        expect(names.has(o.metadata.name), `${key} ${o.kind} ${o.metadata.name}`).toBe(true);
      }
    }
  });

  it('kind overlays: images never pulled, NodePorts only the fixed ones, behavior/probes/drain as the base', () => {
    for (const folder of workloadFolders()) {
      const kind = rendered.get(`${folder}/kind`)!;
      const base = rendered.get(`${folder}/existing`)!;
      for (const o of owners(kind)) {
        const b = owners(base).find((x) => x.metadata.name === o.metadata.name)!;
        expect(o.spec.template.spec.terminationGracePeriodSeconds, `${folder} ${o.metadata.name} grace`).toBe(b.spec.template.spec.terminationGracePeriodSeconds);
        o.spec.template.spec.containers.forEach((c, i) => {
          const bc = b.spec.template.spec.containers[i]!;
          expect(c.imagePullPolicy, `${folder} ${o.metadata.name}`).toBe('Never');
          for (const k of ['lifecycle', 'readinessProbe', 'livenessProbe', 'startupProbe'] as const) expect(c[k], `${folder} ${o.metadata.name} ${k}`).toEqual(bc[k]);
        });
      }
      for (const h of kind.filter((x) => x.kind === 'HorizontalPodAutoscaler')) {
        const bh = base.find((x) => x.kind === h.kind && x.metadata.name === h.metadata.name)!;
        expect(at(h, 'spec.behavior'), `${folder} ${h.metadata.name} behavior`).toEqual(at(bh, 'spec.behavior'));
        const min = at(h, 'spec.minReplicas') as number;
        const pdb = kind.find((x) => x.kind === 'PodDisruptionBudget' && x.metadata.name === h.metadata.name);
        // A PDB at or above the HPA floor would block every node drain in the small cluster.
        if (pdb) expect(at(pdb, 'spec.minAvailable') as number, `${folder} ${h.metadata.name} PDB`).toBeLessThan(min);
      }
      for (const s of kind.filter((x) => x.kind === 'Service' && at(x, 'spec.type') === 'NodePort')) {
        for (const p of at(s, 'spec.ports') as { nodePort?: number; name: string }[]) {
          expect(FIXED_NODEPORTS.has(p.nodePort ?? -1), `${folder} Service ${s.metadata.name} port ${p.name} nodePort ${p.nodePort}`).toBe(true);
        }
      }
    }
  });
});
