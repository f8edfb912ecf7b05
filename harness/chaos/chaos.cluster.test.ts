// Chaos and observation on a real kind cluster (the cluster project's shared cluster, 2 workers).
// Each test makes its own namespace with a small stand-in Deployment and deletes it after.
import { beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import type { ImageLoader, RunningCluster } from '../../clusters/provider.ts';
import type { EndpointRecord, KubeRecord, PodRecord, WorkloadLogRecord } from '../timeline/types.ts';
import type { PlannedChaos } from '../plan/types.ts';
import { kubeFromFile } from '../kube/client.ts';
import { applyObjects, createRunNamespace, deleteNamespace, type KubeObject } from '../deploy/apply.ts';
import { waitWorkloadsReady } from '../deploy/readiness.ts';
import { startObservers, type Observers } from '../observe/index.ts';
import { preflightChaos, runChaosSchedule } from './index.ts';
import { sharedCluster } from '../../test/cluster/shared-cluster.ts';

const say = (l: string) => process.stdout.write(`${l}\n`);
let cluster: RunningCluster & ImageLoader;
let kc: k8s.KubeConfig;
let imageRef: string;

beforeAll(async () => {
  const { buildStandinImage } = await import('../../deploy/index.ts');
  cluster = await sharedCluster((l) => say(`[cluster] ${l}`));
  const image = await buildStandinImage(say);
  imageRef = image.ref;
  await cluster.loadImages([image.archive], say);
  kc = kubeFromFile(cluster.kubeconfigPath, cluster.context);
});


function web(namespace: string, opts: { replicas: number; pdbMinAvailable?: number; drainDelayS?: number }): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': 'web' };
  const objects: KubeObject[] = [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace, labels },
      spec: {
        replicas: opts.replicas,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 20,
            containers: [{
              name: 'web',
              image: imageRef,
              imagePullPolicy: 'IfNotPresent',
              env: [
                { name: 'ROLE', value: 'upstream' },
                { name: 'DRAIN_MODE', value: 'graceful' },
                { name: 'DRAIN_DELAY_S', value: String(opts.drainDelayS ?? 2) },
                { name: 'DRAIN_TIMEOUT_S', value: '5' },
              ],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
              resources: { requests: { cpu: '20m', memory: '16Mi' } },
            }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
  ];
  if (opts.pdbMinAvailable !== undefined) {
    objects.push({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace, labels }, spec: { minAvailable: opts.pdbMinAvailable, selector: { matchLabels: labels } } });
  }
  return objects;
}

/** A namespace with the web workload Ready, deleted afterwards whatever happens. */
async function withWorkload<T>(tag: string, opts: { replicas: number; pdbMinAvailable?: number; drainDelayS?: number }, body: (ns: string, objects: KubeObject[]) => Promise<T>): Promise<T> {
  const ns = `kch-chaos-${tag}-${Date.now().toString(36)}`;
  await createRunNamespace(kc, ns, { 'kube-chaos-harness/test': tag });
  try {
    const objects = web(ns, opts);
    await applyObjects(kc, objects, say);
    await waitWorkloadsReady(kc, ns, objects, { deadlineMs: 180_000, progress: say });
    return await body(ns, objects);
  } finally {
    await deleteNamespace(kc, ns, { deadlineMs: 120_000, progress: say });
  }
}

async function until<T>(what: string, deadlineMs: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const podRecs = (rs: KubeRecord[], pod?: string) => rs.filter((r): r is PodRecord => r.kind === 'pod' && (!pod || r.pod === pod));
const epRecs = (rs: KubeRecord[], pod?: string) => rs.filter((r): r is EndpointRecord => r.kind === 'endpoint' && (!pod || r.pod === pod));
const logRecs = (rs: KubeRecord[], pod: string) => rs.filter((r): r is WorkloadLogRecord => r.kind === 'workloadLog' && r.pod === pod);

function show(rs: KubeRecord[], pods: string[]): string {
  return rs
    .filter((r) => 'pod' in r && pods.includes(r.pod))
    .map((r) => {
      const t = new Date(r.at).toISOString().slice(11, 23);
      if (r.kind === 'pod') return `${t} pod ${r.pod} ${r.transition}${r.container ? ` ${r.container}` : ''}${r.exitCode !== undefined ? ` exit ${r.exitCode}` : ''}`;
      if (r.kind === 'endpoint') return `${t} endpoint ${r.pod} ready=${r.ready} serving=${r.serving} terminating=${r.terminating} removed=${r.removed}`;
      if (r.kind === 'workloadLog') return `${t} log ${r.pod} ${String(r.line.event)}`;
      return `${t} ${r.kind}`;
    })
    .join('\n');
}

const kill = (id: string, extra: Partial<Extract<PlannedChaos['step'], { action: 'pod-kill' }>> = {}): PlannedChaos => ({
  id,
  atS: 0,
  step: { action: 'pod-kill', target: 'web', atS: 0, count: 1, pick: 'oldest', ...extra },
});

function schedule(ns: string, chaos: PlannedChaos[], restoreHpasAfter?: Promise<unknown>) {
  return runChaosSchedule(kc, { namespace: ns, chaos, loadStartedAt: Date.now(), seed: 7, progress: say, allowNodeDrain: true, allowedNamespaces: [ns], restoreHpasAfter });
}

describe('chaos and observation on kind', () => {
  it('pod-kill: deleting, endpoint terminating, container terminated, endpoint removed, replacement Ready — in that order', async () => {
    await withWorkload('kill', { replicas: 2 }, async (ns) => {
      const obs = await startObservers(kc, { namespace: ns, metricsIntervalMs: 0, progress: say });
      let records: KubeRecord[] = [];
      let initial = new Set<string>();
      try {
        initial = new Set(podRecs(obs.records()).map((r) => r.pod));
        expect(initial.size).toBe(2);
        await preflightChaos(kc, ns, [kill('kill@0s')]);
        const [mark] = await schedule(ns, [kill('kill@0s')]);
        expect(mark?.outcome, mark?.detail).toBe('ok');
        const victim = mark!.pods[0]!;
        expect(initial.has(victim)).toBe(true);
        await until('victim gone and replacement Ready', 90_000, () => {
          const rs = obs.records();
          return podRecs(rs, victim).some((r) => r.transition === 'deleted') &&
            epRecs(rs, victim).some((r) => r.removed) &&
            podRecs(rs).some((r) => !initial.has(r.pod) && r.transition === 'ready');
        });
        records = await obs.stop();
      } finally {
        await obs.stop();
      }
      const victim = podRecs(records).find((r) => r.transition === 'deleting')!.pod;
      const replacement = podRecs(records).find((r) => r.transition === 'created' && !initial.has(r.pod))!.pod;
      say(show(records, [victim, replacement]));
      const idx = (pred: (r: KubeRecord) => boolean) => records.findIndex(pred);
      const deleting = idx((r) => r.kind === 'pod' && r.pod === victim && r.transition === 'deleting');
      const terminating = idx((r) => r.kind === 'endpoint' && r.pod === victim && !r.ready && !r.removed);
      const terminated = idx((r) => r.kind === 'pod' && r.pod === victim && r.transition === 'containerTerminated');
      const removed = idx((r) => r.kind === 'endpoint' && r.pod === victim && r.removed);
      const deleted = idx((r) => r.kind === 'pod' && r.pod === victim && r.transition === 'deleted');
      const replacementReady = idx((r) => r.kind === 'pod' && r.pod === replacement && r.transition === 'ready');
      for (const [name, i] of Object.entries({ deleting, terminating, terminated, removed, deleted, replacementReady })) expect(i, name).toBeGreaterThanOrEqual(0);
      expect(deleting).toBeLessThan(terminating);
      expect(terminating).toBeLessThan(terminated);
      expect(terminated).toBeLessThan(removed);
      expect(deleting).toBeLessThan(replacementReady);
      // The terminating endpoint still says so (graceful: serving until the stand-in stops being ready).
      expect((records[terminating] as EndpointRecord).terminating).toBe(true);
      const term = records[terminated] as PodRecord;
      expect(term.exitCode).toBe(0);
      const del = records[deleting] as PodRecord;
      expect(del.gracePeriodS).toBe(20);
      // The container exited within its grace period, by the object's own clocks.
      expect(term.objectTime! - del.objectTime!).toBeLessThan(20_000);
      // The stand-in's witness: its sigterm and exit lines, the exit with counters.
      const events = logRecs(records, victim).map((r) => r.line.event);
      expect(events).toContain('sigterm');
      const exit = logRecs(records, victim).find((r) => r.line.event === 'exit');
      expect(exit?.line).toHaveProperty('served');
      // One record per transition: no duplicates.
      const keys = podRecs(records).map((r) => `${r.pod}/${r.transition}/${r.container ?? ''}/${r.objectTime ?? ''}`);
      expect(new Set(keys).size).toBe(keys.length);
    });
  });

  it('rollout restart replaces every old pod, and the timeline says when each left the endpoints', async () => {
    await withWorkload('rollout', { replicas: 3 }, async (ns) => {
      const obs = await startObservers(kc, { namespace: ns, metricsIntervalMs: 0 });
      try {
        const before = new Set(podRecs(obs.records()).map((r) => r.pod));
        const [mark] = await schedule(ns, [{ id: 'rollout@0s', atS: 0, step: { action: 'rollout', target: 'web', atS: 0, change: 'restart', deadlineS: 150 } }]);
        expect(mark?.outcome, mark?.detail).toBe('ok');
        expect(new Set(mark!.pods)).toEqual(before);
        const left = await until('every old pod removed from the endpoints', 90_000, () => {
          const rs = obs.records();
          const at = [...before].map((p) => ({ pod: p, leftAt: epRecs(rs, p).find((r) => !r.ready)?.at, removedAt: epRecs(rs, p).find((r) => r.removed)?.at }));
          return at.every((x) => x.leftAt && x.removedAt) && at;
        });
        say(left.map((x) => `${x.pod} not ready at ${new Date(x.leftAt!).toISOString()}, removed at ${new Date(x.removedAt!).toISOString()}`).join('\n'));
        const rs = obs.records();
        // The Deployment's progress was recorded as it moved: updated counts rose to 3 for the new generation.
        const progress = rs.filter((r) => r.kind === 'rollout' && r.object === 'Deployment');
        expect(progress.length).toBeGreaterThan(2);
        expect(progress.at(-1)).toMatchObject({ desired: 3, updated: 3, ready: 3, available: 3 });
        // And a new ReplicaSet appeared.
        expect(new Set(rs.filter((r) => r.kind === 'rollout' && r.object === 'ReplicaSet').map((r) => (r as { name: string }).name)).size).toBe(2);
      } finally {
        await obs.stop();
      }
    });
  });

  it('node drain with a PDB records refused evictions, retries, evicts all, and uncordons', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    const workers = (await core.listNode()).items.filter((n) => !('node-role.kubernetes.io/control-plane' in (n.metadata?.labels ?? {}))).map((n) => n.metadata!.name!).sort();
    expect(workers.length).toBe(2);
    const [drained, other] = workers as [string, string];
    // Both replicas on one worker: keep the other cordoned while the workload starts.
    await core.patchNode({ name: other, body: { spec: { unschedulable: true } } }, merge);
    let uncordoned = false;
    try {
      await withWorkload('drain', { replicas: 2, pdbMinAvailable: 1 }, async (ns) => {
        await core.patchNode({ name: other, body: { spec: { unschedulable: false } } }, merge);
        uncordoned = true;
        const pods = await core.listNamespacedPod({ namespace: ns });
        expect(pods.items.map((p) => p.spec?.nodeName)).toEqual([drained, drained]);
        // Wait for the PDB controller to have counted both pods (disruptionsAllowed 1).
        await until('PDB status', 30_000, async () => (await kc.makeApiClient(k8s.PolicyV1Api).readNamespacedPodDisruptionBudget({ name: 'web', namespace: ns })).status?.disruptionsAllowed === 1);
        const step: PlannedChaos = { id: 'drain@0s', atS: 0, step: { action: 'node-drain', target: drained, atS: 0, deadlineS: 120 } };
        await preflightChaos(kc, ns, [step]);
        const [mark] = await schedule(ns, [step]);
        say(`drain: ${mark?.outcome} ${mark?.detail}`);
        expect(mark?.outcome, mark?.detail).toBe('ok');
        expect(mark!.pods.sort()).toEqual(pods.items.map((p) => p.metadata!.name!).sort());
        expect(mark!.refusedEvictions!.length).toBeGreaterThan(0);
        expect(mark!.refusedEvictions![0]!.message).toMatch(/disruption budget/i);
        for (const r of mark!.refusedEvictions!) expect(r.at).toBeGreaterThanOrEqual(mark!.startedAt);
        const node = await core.readNode({ name: drained });
        expect(node.spec?.unschedulable ?? false).toBe(false);
        const after = await core.listNamespacedPod({ namespace: ns });
        expect(after.items.filter((p) => !p.metadata?.deletionTimestamp).every((p) => p.spec?.nodeName === other)).toBe(true);
      });
    } finally {
      if (!uncordoned) await core.patchNode({ name: other, body: { spec: { unschedulable: false } } }, merge);
    }
  });

  it('dropping the watch connections mid-kill loses no transition and repeats none', async () => {
    // A slow drain (8 s) keeps the kill's transitions coming while the connections drop.
    await withWorkload('drop', { replicas: 2, drainDelayS: 8 }, async (ns) => {
      const control = await startObservers(kc, { namespace: ns, metricsIntervalMs: 0, followLogs: false });
      const dropped = await startObservers(kc, { namespace: ns, metricsIntervalMs: 0, followLogs: false });
      try {
        const initial = new Set(podRecs(control.records()).map((r) => r.pod));
        let drops = 0;
        const dropper = setInterval(() => {
          dropped.dropConnections();
          drops++;
        }, 1200);
        let marks;
        try {
          marks = await schedule(ns, [kill('kill@0s', { graceS: 15 })]);
          await until('replacement Ready and victim deleted', 90_000, () => {
            const rs = control.records();
            return podRecs(rs).some((r) => !initial.has(r.pod) && r.transition === 'ready') && podRecs(rs, marks![0]!.pods[0]).some((r) => r.transition === 'deleted');
          });
        } finally {
          clearInterval(dropper);
        }
        await new Promise((r) => setTimeout(r, 1500));
        // One forced relist (as after 410 Gone): whatever it adds, the control saw too (checked below).
        const beforeRelist = dropped.records().length;
        dropped.dropConnections({ expire: true });
        await until('relists done', 20_000, () => Object.values(dropped.stats()).every((s) => s.relists >= 1));
        await new Promise((r) => setTimeout(r, 1500));
        say(`during the relist: ${JSON.stringify(dropped.records().slice(beforeRelist))}`);
        const a = await control.stop();
        const b = await dropped.stop();
        const stats = dropped.stats();
        say(`drops ${drops}; pods watch: ${JSON.stringify(stats.pods)}`);
        expect(stats.pods!.resumes).toBeGreaterThanOrEqual(4);
        const podKey = (r: PodRecord) => `${r.pod} ${r.transition} ${r.container ?? ''} ${r.objectTime ?? ''}`;
        const epKey = (r: EndpointRecord) => `${r.service} ${r.pod} ${r.ready} ${r.serving} ${r.terminating} ${r.removed}`;
        // Exactly the control's transitions, with one loss no relist can repair: a container exit
        // in the last moments before its pod left the API (a drop spanning terminated → deleted
        // leaves nothing to relist). The drain scorer then calls that exit unseen (not a pass).
        const seenB = new Set(podRecs(b).map(podKey));
        const seenA = new Set(podRecs(a).map(podKey));
        expect(podRecs(b).map(podKey).filter((k) => !seenA.has(k)), 'transitions the control never saw').toEqual([]);
        const lost = podRecs(a).filter((r) => !seenB.has(podKey(r)));
        if (lost.length) say(`lost across a drop: ${lost.map(podKey).join('; ')}`);
        for (const r of lost) {
          expect(r.transition, podKey(r)).toBe('containerTerminated');
          expect(podRecs(b, r.pod).some((x) => x.transition === 'deleted'), `${r.pod} deleted`).toBe(true);
        }
        expect(lost.length).toBeLessThanOrEqual(1);
        expect(epRecs(b).map(epKey)).toEqual(epRecs(a).map(epKey));
        // Per object, the same progress in the same order (two watches interleave freely).
        const rollouts = (rs: KubeRecord[], object: string) => rs.flatMap((r) => (r.kind === 'rollout' && r.object === object ? [`${r.name} ${r.desired} ${r.updated} ${r.ready} ${r.available}`] : []));
        for (const object of ['Deployment', 'ReplicaSet']) expect(rollouts(b, object), object).toEqual(rollouts(a, object));
        const eventKey = (r: KubeRecord) => (r.kind === 'event' ? `${r.reason} ${r.involved.kind}/${r.involved.name} ${r.objectTime ?? ''} ${r.message}` : '');
        expect(b.filter((r) => r.kind === 'event').map(eventKey).sort()).toEqual(a.filter((r) => r.kind === 'event').map(eventKey).sort());
        expect(podRecs(a).length).toBeGreaterThan(8);
      } finally {
        await control.stop();
        await dropped.stop();
      }
    });
  });

  it('metrics API samples of pod CPU and memory arrive on the interval', async () => {
    expect(cluster.capabilities.metricsApi).toBe(true);
    await withWorkload('metrics', { replicas: 1 }, async (ns) => {
      const obs = await startObservers(kc, { namespace: ns, metricsIntervalMs: 2000, followLogs: false, progress: say });
      try {
        const sample = await until('a PodMetrics sample', 150_000, () => obs.records().find((r) => r.kind === 'podMetrics'));
        expect(sample).toMatchObject({ kind: 'podMetrics', workload: 'web' });
        if (sample.kind === 'podMetrics') {
          expect(sample.memoryBytes).toBeGreaterThan(0);
          expect(sample.objectTime).toBeGreaterThan(Date.now() - 120_000);
        }
      } finally {
        await obs.stop();
      }
    });
  });

  it('scale with the HPA paused holds the new count, then restores the HPA', async () => {
    await withWorkload('scale', { replicas: 1 }, async (ns) => {
      const hpa: KubeObject = {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'web', namespace: ns },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] },
      };
      await applyObjects(kc, [hpa]);
      const obs = await startObservers(kc, { namespace: ns, metricsIntervalMs: 0, followLogs: false });
      try {
        const step: PlannedChaos = { id: 'scale@0s', atS: 0, step: { action: 'scale', target: 'web', atS: 0, replicas: 3, pauseHpa: true } };
        await preflightChaos(kc, ns, [step]);
        let hpaDuring: { min?: number; max?: number } = {};
        const hold = new Promise<void>((resolve) => setTimeout(resolve, 20_000));
        const marks = schedule(ns, [step], hold);
        const autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
        const [mark] = await Promise.all([
          marks,
          (async () => {
            await new Promise((r) => setTimeout(r, 12_000));
            const h = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: ns });
            hpaDuring = { min: h.spec?.minReplicas, max: h.spec?.maxReplicas };
          })(),
        ]).then(([m]) => m);
        expect(mark?.outcome, mark?.detail).toBe('ok');
        expect(mark?.detail).toMatch(/scale 1 -> 3/);
        expect(hpaDuring).toEqual({ min: 3, max: 3 });
        const after = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: ns });
        expect([after.spec?.minReplicas, after.spec?.maxReplicas]).toEqual([1, 2]);
        const deps = obs.records().filter((r) => r.kind === 'rollout' && r.object === 'Deployment');
        expect(deps.some((r) => r.kind === 'rollout' && r.desired === 3 && r.ready === 3)).toBe(true);
        expect(obs.records().some((r) => r.kind === 'hpa')).toBe(true);
      } finally {
        await obs.stop();
      }
    });
  });

  it('a forced kill of 50 % at random: same seed, same positions; deleting records grace 0', async () => {
    await withWorkload('force', { replicas: 4 }, async (ns) => {
      const obs = await startObservers(kc, { namespace: ns, metricsIntervalMs: 0, followLogs: false });
      try {
        const core = kc.makeApiClient(k8s.CoreV1Api);
        const pods = (await core.listNamespacedPod({ namespace: ns })).items
          .map((p) => ({ name: p.metadata!.name!, createdAt: p.metadata!.creationTimestamp!.getTime() }));
        const { pickVictims, seededRandom, actionSeed } = await import('./seeded-random.ts');
        const expected = pickVictims(pods, 2, 'random', seededRandom(actionSeed(7, 'force@0s')));
        const [mark] = await schedule(ns, [{ id: 'force@0s', atS: 0, step: { action: 'pod-kill', target: 'web', atS: 0, percent: 50, pick: 'random', graceS: 'force' } }]);
        expect(mark?.outcome, mark?.detail).toBe('ok');
        expect(mark!.pods.sort()).toEqual(expected.sort());
        await until('victims deleted', 60_000, () => mark!.pods.every((p) => podRecs(obs.records(), p).some((r) => r.transition === 'deleted')));
        for (const p of mark!.pods) {
          const d = podRecs(obs.records(), p).find((r) => r.transition === 'deleting');
          expect(d, `${p} deleting`).toBeDefined();
          expect(d!.gracePeriodS, p).toBe(0);
        }
      } finally {
        await obs.stop();
      }
    });
  });

  it('DaemonSet rollout by env change replaces the pod on every worker', async () => {
    const ns = `kch-chaos-ds-${Date.now().toString(36)}`;
    await createRunNamespace(kc, ns, {});
    try {
      const labels = { 'app.kubernetes.io/name': 'tracer' };
      const ds: KubeObject = {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'tracer', namespace: ns, labels },
        spec: {
          selector: { matchLabels: labels },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
          template: {
            metadata: { labels },
            spec: {
              terminationGracePeriodSeconds: 10,
              containers: [{ name: 'tracer', image: imageRef, imagePullPolicy: 'IfNotPresent', env: [{ name: 'ROLE', value: 'upstream' }, { name: 'DRAIN_DELAY_S', value: '1' }], readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 } }],
            },
          },
        },
      };
      await applyObjects(kc, [ds]);
      await waitWorkloadsReady(kc, ns, [ds], { deadlineMs: 120_000, progress: say });
      const obs = await startObservers(kc, { namespace: ns, metricsIntervalMs: 0, followLogs: false });
      try {
        const before = new Set(podRecs(obs.records()).map((r) => r.pod));
        expect(before.size).toBe(2);
        const [mark] = await schedule(ns, [{ id: 'ds@0s', atS: 0, step: { action: 'rollout', target: 'tracer', atS: 0, change: { env: { TRACE_LEVEL: '2' } }, deadlineS: 120 } }]);
        expect(mark?.outcome, mark?.detail).toBe('ok');
        expect(new Set(mark!.pods)).toEqual(before);
        const ds2 = await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDaemonSet({ name: 'tracer', namespace: ns });
        expect(ds2.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'TRACE_LEVEL')?.value).toBe('2');
        expect(obs.records().filter((r) => r.kind === 'rollout' && r.object === 'DaemonSet').at(-1)).toMatchObject({ desired: 2, updated: 2, ready: 2 });
      } finally {
        await obs.stop();
      }
    } finally {
      await deleteNamespace(kc, ns, { deadlineMs: 120_000 });
    }
  });

  it('waitWorkloadsReady names what is not Ready and why when the deadline passes', async () => {
    const ns = `kch-chaos-notready-${Date.now().toString(36)}`;
    await createRunNamespace(kc, ns, {});
    try {
      const objects = web(ns, { replicas: 1 });
      const dep = objects[0] as KubeObject & { spec: { template: { spec: { containers: { image: string; imagePullPolicy: string }[] } } } };
      dep.spec.template.spec.containers[0]!.image = 'localhost/kube-chaos-harness/absent:none';
      dep.spec.template.spec.containers[0]!.imagePullPolicy = 'Never';
      await applyObjects(kc, objects);
      const lines: string[] = [];
      const err = await waitWorkloadsReady(kc, ns, objects, { deadlineMs: 15_000, progress: (l) => lines.push(l) }).then(() => undefined, (e: Error) => e);
      say(err?.message ?? 'no error');
      expect(err?.message).toMatch(/Deployment\/web: 0\/1 updated|Deployment\/web: 1\/1 updated, 0\/1 ready/);
      expect(err?.message).toMatch(/pod web-[a-z0-9-]+: .*ErrImageNeverPull/);
      expect(err?.message).toMatch(/Service\/web: 0 ready endpoints/);
      expect(lines.some((l) => l.includes('waiting for Deployment/web'))).toBe(true);
    } finally {
      await deleteNamespace(kc, ns, { deadlineMs: 120_000 });
    }
  });

  it('refuses a namespace the run did not create, a missing target, and node drain when not allowed', async () => {
    await expect(runChaosSchedule(kc, { namespace: 'kube-system', chaos: [kill('k')], loadStartedAt: Date.now(), seed: 1, allowNodeDrain: true, allowedNamespaces: [] })).rejects.toThrow(/refusing namespace kube-system/);
    await expect(preflightChaos(kc, 'kube-system', [kill('k')])).rejects.toThrow(/not created by the harness/);
    await withWorkload('refuse', { replicas: 1 }, async (ns) => {
      await expect(preflightChaos(kc, ns, [{ id: 'kill-nope@5s', atS: 5, step: { action: 'pod-kill', target: 'nope', atS: 5 } }])).rejects.toThrow(/chaos kill-nope@5s: target not found: .*has: Deployment\/web/);
      const drain: PlannedChaos = { id: 'drain@1s', atS: 1, step: { action: 'node-drain', target: 'worker', atS: 1 } };
      await expect(runChaosSchedule(kc, { namespace: ns, chaos: [drain], loadStartedAt: Date.now(), seed: 1, allowNodeDrain: false, allowedNamespaces: [ns] })).rejects.toThrow(/chaos drain@1s: node-drain refused/);
    });
  });
});
