// Node and network faults on a real kind cluster (`chaos-faults`, 2 workers, no host ports),
// one cluster for the file: a 200 ms latency fault on one pod shows in the per-second p50 of
// requests to it and vanishes after the window; a paused worker is seen NotReady with the
// unreachable taints and its pod's endpoint leaves service; a harness SIGKILLed mid-fault leaves
// no iptables chain, no delay line and no paused node once the dead-man's switches have run.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import type { ImageLoader, RunningCluster } from '../../clusters/provider.ts';
import type { EndpointRecord } from '../timeline/types.ts';
import { kubeFromFile } from '../kube/client.ts';
import { applyObjects, createRunNamespace, deleteNamespace, type KubeObject } from '../deploy/apply.ts';
import { waitWorkloadsReady } from '../deploy/readiness.ts';
import { startObservers } from '../observe/index.ts';
import { exec } from '../base/exec.ts';
import { preflightChaos, runChaosSchedule } from './index.ts';
import { DEAD_MAN_GRACE_S } from './fault-plan.ts';
import { isControlPlane, kindNodeOf, type KindNode, nodeExec, podSandboxPid } from './kind-node.ts';

const CLUSTER = 'chaos-faults';
const say = (l: string) => process.stdout.write(`${l}\n`);
let cluster: RunningCluster & ImageLoader;
let kc: k8s.KubeConfig;
let imageRef: string;
let workers: KindNode[] = [];
let controlPlane: KindNode;

beforeAll(async () => {
  const { KindProvider } = await import('../../clusters/index.ts');
  const { buildStandinImage } = await import('../../deploy/index.ts');
  cluster = await new KindProvider().up({ name: CLUSTER, workers: 2, nodePorts: [], progress: (l) => say(`[cluster] ${l}`) });
  const image = await buildStandinImage(say);
  imageRef = image.ref;
  await cluster.loadImages([image.archive], say);
  kc = kubeFromFile(cluster.kubeconfigPath, cluster.context);
  const nodes = (await kc.makeApiClient(k8s.CoreV1Api).listNode()).items;
  workers = nodes.filter((n) => !isControlPlane(n)).map((n) => kindNodeOf('test', n)).sort((a, b) => (a.node < b.node ? -1 : 1));
  controlPlane = kindNodeOf('test', nodes.find(isControlPlane)!);
  expect(workers).toHaveLength(2);
  // The periods that bound how soon a silent node is noticed.
  const cm = await nodeExec(controlPlane, ['sh', '-c', 'grep -E "node-monitor|pod-eviction" /etc/kubernetes/manifests/kube-controller-manager.yaml || echo "(controller-manager defaults: node-monitor-period 5s, node-monitor-grace-period 50s)"'], { nothrow: true });
  const kl = await nodeExec(workers[0]!, ['sh', '-c', 'grep -E "nodeStatus|nodeLease" /var/lib/kubelet/config.yaml || echo "(kubelet defaults: nodeStatusUpdateFrequency 10s, nodeStatusReportFrequency 5m, lease renew 10s)"'], { nothrow: true });
  say(`periods — kube-controller-manager: ${cm.stdout.trim().replace(/\s+/g, ' ')}; kubelet: ${kl.stdout.trim().replace(/\s+/g, ' ')}`);
});

afterAll(async () => {
  if (process.env.KEEP_CLUSTER === '1' || !cluster) return;
  const { KindProvider } = await import('../../clusters/index.ts');
  await new KindProvider().down(CLUSTER, say);
});

function web(namespace: string, replicas: number, onNode?: string): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': 'web' };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace, labels },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 5,
            ...(onNode ? { nodeSelector: { 'kubernetes.io/hostname': onNode } } : {}),
            // One pod per worker: losing a node loses exactly one.
            affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' }] } },
            containers: [{
              name: 'web',
              image: imageRef,
              imagePullPolicy: 'IfNotPresent',
              env: [{ name: 'ROLE', value: 'upstream' }, { name: 'DRAIN_MODE', value: 'graceful' }, { name: 'DRAIN_DELAY_S', value: '1' }, { name: 'DRAIN_TIMEOUT_S', value: '3' }],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 1 },
              resources: { requests: { cpu: '20m', memory: '16Mi' } },
            }],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace, labels }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
  ];
}

async function withWeb<T>(tag: string, replicas: number, onNode: string | undefined, body: (ns: string) => Promise<T>): Promise<T> {
  const ns = `kch-faults-${tag}-${Date.now().toString(36)}`;
  await createRunNamespace(kc, ns, { 'kube-chaos-harness/test': tag });
  try {
    const objects = web(ns, replicas, onNode);
    await applyObjects(kc, objects, say);
    await waitWorkloadsReady(kc, ns, objects, { deadlineMs: 180_000, progress: say });
    return await body(ns);
  } finally {
    await deleteNamespace(kc, ns, { deadlineMs: 120_000, progress: say });
  }
}

async function until<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined | false> | T | undefined | false): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function webPods(ns: string): Promise<k8s.V1Pod[]> {
  return (await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: ns, labelSelector: 'app.kubernetes.io/name=web' })).items;
}

const workerNamed = (name: string) => workers.find((w) => w.node === name)!;

/** KCH chains in the pod's netns and delay lines running in its node. */
async function leftovers(k: KindNode, pid: number): Promise<{ chains: number; delayLines: number }> {
  const chains = await nodeExec(k, ['sh', '-c', `nsenter -t ${pid} -n iptables -w 5 -S | grep -c '^-N KCH-' || true`], { nothrow: true });
  const lines = await nodeExec(k, ['sh', '-c', 'ps -eo args | grep -c "^/usr/local/bin/kch-nfq-delay" || true'], { nothrow: true });
  return { chains: Number(chains.stdout.trim() || 0), delayLines: Number(lines.stdout.trim() || 0) };
}

async function containerState(k: KindNode): Promise<string> {
  return (await exec(k.engine, ['inspect', '-f', '{{.State.Status}}', k.container], { timeoutMs: 30_000 })).stdout.trim();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

describe('node and network faults on kind', () => {
  it('latency 200 ms on one pod: per-second p50 of requests to it rises by ~200 ms inside the window only, and the chain is gone after', async () => {
    await withWeb('latency', 1, undefined, async (ns) => {
      const [pod] = await webPods(ns);
      const ip = pod!.status!.podIP!;
      const k = workerNamed(pod!.spec!.nodeName!);
      const pid = await podSandboxPid(k, 'test', ns, pod!.metadata!.name!);
      // Requests from the control-plane node to the pod: bounded (45 s, ≤ 10/s), one connection
      // each. time_starttransfer − time_connect is the request → first byte on an open
      // connection: the response is the delayed packet, so it carries the 200 ms once.
      const client = exec(controlPlane.engine, ['exec', controlPlane.container, 'sh', '-c',
        `end=$(( $(date +%s) + 45 )); while [ "$(date +%s)" -lt "$end" ]; do printf "%s " "$(date +%s%3N)"; curl -s -o /dev/null -m 3 -w "%{time_connect} %{time_starttransfer} %{time_total}\\n" http://${ip}:8080/ || echo; sleep 0.1; done`,
      ], { timeoutMs: 90_000 });
      await new Promise((r) => setTimeout(r, 10_000));
      const chaos = [{ id: 'latency@0s', atS: 0, step: { action: 'network-fault' as const, target: 'web', atS: 0, durationS: 15, fault: { kind: 'latency' as const, delayMs: 200 } } }];
      await preflightChaos(kc, ns, chaos, { allowedNamespaces: [ns] });
      const [mark] = await runChaosSchedule(kc, { namespace: ns, chaos, loadStartedAt: Date.now(), seed: 3, progress: say, allowNodeDrain: false, allowedNamespaces: [ns] });
      expect(mark?.outcome, mark?.detail).toBe('ok');
      say(`mark: ${mark!.detail}`);
      const f = mark!.fault!;
      expect(f.pods).toEqual([pod!.metadata!.name]);
      expect(await leftovers(k, pid)).toEqual({ chains: 0, delayLines: 0 });
      const out = (await client).stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number)).filter((x) => x.length === 4 && x.every(Number.isFinite));
      // Per-second p50 of the request time (ms), by the second the request started.
      const bySecond = new Map<number, number[]>();
      for (const [ts, connect, start] of out) {
        const s = Math.floor(ts! / 1000) * 1000;
        bySecond.set(s, [...(bySecond.get(s) ?? []), (start! - connect!) * 1000]);
      }
      const series = [...bySecond.entries()].sort((a, b) => a[0] - b[0]).map(([s, xs]) => ({ s, p50: median(xs), n: xs.length }));
      say(series.map((x) => `${new Date(x.s).toISOString().slice(11, 19)} p50 ${x.p50.toFixed(1)} ms (n=${x.n})${x.s >= f.appliedAt! && x.s + 1000 <= f.undoneAt! ? '  ← fault' : ''}`).join('\n'));
      const inside = series.filter((x) => x.s >= f.appliedAt! + 1000 && x.s + 1000 <= f.undoneAt!);
      const before = series.filter((x) => x.s + 1000 <= f.appliedAt!);
      const after = series.filter((x) => x.s >= f.undoneAt! + 1000);
      expect(inside.length).toBeGreaterThanOrEqual(10);
      expect(before.length).toBeGreaterThanOrEqual(5);
      expect(after.length).toBeGreaterThanOrEqual(5);
      for (const x of inside) expect(x.p50, new Date(x.s).toISOString()).toBeGreaterThanOrEqual(195);
      for (const x of inside) expect(x.p50).toBeLessThan(400);
      for (const x of [...before, ...after]) expect(x.p50, new Date(x.s).toISOString()).toBeLessThan(50);
    });
  });

  it('node-fail: the paused worker is seen NotReady with unreachable taints, its pod leaves the endpoints, and it comes back Ready', async () => {
    await withWeb('node', 2, undefined, async (ns) => {
      const obs = await startObservers(kc, { namespace: ns, metricsIntervalMs: 0 });
      try {
        const pods = await webPods(ns);
        expect(new Set(pods.map((p) => p.spec?.nodeName)).size).toBe(2);
        const victim = pods.find((p) => p.spec?.nodeName === workers[1]!.node)!;
        const chaos = [{ id: 'node-fail@0s', atS: 0, step: { action: 'node-fail' as const, target: workers[1]!.node, atS: 0, durationS: 70 } }];
        await expect(preflightChaos(kc, ns, chaos, { allowedNamespaces: [ns] })).rejects.toThrow(/node-fail of .* refused/);
        await expect(preflightChaos(kc, ns, [{ ...chaos[0]!, step: { ...chaos[0]!.step, target: controlPlane.node } }], { allowedNamespaces: [ns], allowNodeFail: true })).rejects.toThrow(/control-plane/);
        await preflightChaos(kc, ns, chaos, { allowedNamespaces: [ns], allowNodeFail: true });
        const [mark] = await runChaosSchedule(kc, { namespace: ns, chaos, loadStartedAt: Date.now(), seed: 3, progress: say, allowNodeDrain: false, allowNodeFail: true, allowedNamespaces: [ns] });
        say(`mark: ${mark?.detail}`);
        expect(mark?.outcome, mark?.detail).toBe('ok');
        const f = mark!.fault!;
        expect(f.pods).toEqual([victim.metadata!.name]);
        expect(f.undoneAt! - f.appliedAt!).toBeGreaterThanOrEqual(70_000);
        for (const s of mark!.nodeStates!) say(`${new Date(s.at).toISOString().slice(11, 23)} ${s.node} Ready=${s.ready} ${s.taints.join(' ')}`);
        const notReady = mark!.nodeStates!.find((s) => s.ready !== 'True' && s.at >= f.appliedAt!);
        expect(notReady, 'NotReady seen while paused').toBeDefined();
        // Within the node controller's grace (50 s) plus one monitor period and the kubelet's last update (10 s).
        expect(notReady!.at - f.appliedAt!).toBeLessThanOrEqual(70_000);
        expect(mark!.nodeStates!.some((s) => s.taints.includes('node.kubernetes.io/unreachable:NoExecute'))).toBe(true);
        expect(mark!.nodeStates!.at(-1)!.ready).toBe('True');
        const out = obs.records().find((r): r is EndpointRecord => r.kind === 'endpoint' && r.pod === victim.metadata!.name && r.at >= f.appliedAt! && (!r.ready || r.removed));
        expect(out, 'the lost pod left service').toBeDefined();
        say(`node lost → NotReady ${((notReady!.at - f.appliedAt!) / 1000).toFixed(1)} s, → endpoint out ${((out!.at - f.appliedAt!) / 1000).toFixed(1)} s`);
        expect(await containerState(workers[1]!)).toBe('running');
      } finally {
        await obs.stop();
      }
    });
  });

  it('a harness SIGKILLed mid-fault leaves no chain, no delay line and no paused node after the dead-man time', async () => {
    const durationS = 15;
    const podNode = workers[0]!;
    const lostNode = workers[1]!;
    await until(`${lostNode.node} Ready`, 120_000, async () => {
      const n = await kc.makeApiClient(k8s.CoreV1Api).readNode({ name: lostNode.node });
      return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    });
    await withWeb('sigkill', 1, podNode.node, async (ns) => {
      const [pod] = await webPods(ns);
      const pid = await podSandboxPid(podNode, 'test', ns, pod!.metadata!.name!);
      const child = spawn(process.execPath, ['--import', 'tsx', 'harness/chaos/dead-man.fixture.ts', cluster.kubeconfigPath, cluster.context, ns, lostNode.node, String(durationS)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      child.stdout.on('data', (b: Buffer) => void (log += b.toString()));
      child.stderr.on('data', (b: Buffer) => void (log += b.toString()));
      try {
        await until('both faults applied by the child', 60_000, () => log.includes('chain KCH-') && log.includes('paused;'));
      } finally {
        child.kill('SIGKILL');
      }
      const killedAt = Date.now();
      say(log);
      // Still in place: nobody but the dead-man's switches can undo them now.
      expect(await leftovers(podNode, pid)).toEqual({ chains: 1, delayLines: 1 });
      expect(await containerState(lostNode)).toBe('paused');
      const bound = (durationS + DEAD_MAN_GRACE_S) * 1000;
      const cleared = await until('the dead-man switches to undo both faults', bound + 30_000, async () => {
        const l = await leftovers(podNode, pid);
        return l.chains === 0 && l.delayLines === 0 && (await containerState(lostNode)) === 'running' && Date.now();
      });
      say(`SIGKILLed harness: faults undone ${((cleared - killedAt) / 1000).toFixed(1)} s after the kill (bound ${durationS} s + ${DEAD_MAN_GRACE_S} s from applying)`);
      expect(cleared - killedAt).toBeLessThanOrEqual(bound + 10_000);
      await until(`${lostNode.node} Ready again`, 120_000, async () => {
        const n = await kc.makeApiClient(k8s.CoreV1Api).readNode({ name: lostNode.node });
        return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      });
    });
  });
});
