// Every workload's kind overlay on a real kind cluster (3 nodes, Podman, offline node image):
// rendered by renderWorkloads, applied server-side, rolled out with its probes passing (HTTP,
// gRPC, a privileged host-network DaemonSet), then one aenebris pod deleted as a rollout
// would: its preStop (`/standin sleep 110 --term 1`) starts the drain and the exit line shows
// nothing cut off. On the cluster project's shared cluster, in a namespace of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { sharedCluster } from '../test/cluster/shared-cluster.ts';
import { kubectl } from '../clusters/kubectl.ts';
import type { ImageLoader, RunningCluster } from '../clusters/provider.ts';
import type { PlannedWorkload } from '../harness/plan/types.ts';
import { buildStandinImage } from './image.ts';
import { renderWorkloads, type KubeObject } from './render.ts';

const NS = `kch-deploy-${process.pid}`;
let cluster: RunningCluster & ImageLoader;
const progress = (l: string) => process.stderr.write(`[deploy-cluster] ${l}\n`);
const kc = (args: string[], timeoutMs = 60_000, input?: string) =>
  kubectl({ kubeconfigPath: cluster.kubeconfigPath }, args, { timeoutMs, ...(input === undefined ? {} : { input }) });

function planned(name: string, deploy: string, object: string, kind: 'Deployment' | 'DaemonSet' = 'Deployment'): PlannedWorkload {
  return { name, deploy, object: { kind, name: object }, drain: 'graceful', image: null, cpuCostMicros: 100, overlay: 'kind' };
}

const WORKLOADS: PlannedWorkload[] = [
  planned('proxy', 'aenebris', 'aenebris'),
  planned('echo', 'ephemos', 'ephemos-echo'),
  planned('gateway', 's3-gateway', 's3-gateway'),
  planned('backend', 'basebook', 'basebook-backend'),
  planned('router', 'basebook', 'basebook-router'),
  planned('frontend', 'basebook', 'basebook-frontend'),
  planned('tracer', 'ebpf-tracer', 'ebpf-tracer', 'DaemonSet'),
];

let objects: KubeObject[] = [];

beforeAll(async () => {
  cluster = await sharedCluster(progress);
  const image = await buildStandinImage(progress);
  await cluster.loadImages([image.archive], progress);
  objects = await renderWorkloads(WORKLOADS, { namespace: NS, imageRef: image.ref });
  await kc(['create', 'namespace', NS]);
}, 1_500_000);

afterAll(async () => {
  if (cluster) await kc(['delete', 'namespace', NS, '--wait=false'], 60_000).catch(() => undefined);
}, 300_000);

describe('kind overlays on a real cluster', () => {
  it('apply server-side and roll out with every probe passing', async () => {
    const yaml = objects.map((o) => stringify(o)).join('---\n');
    await kc(['apply', '--server-side', '--field-manager', 'kube-chaos-harness', '-f', '-'], 120_000, yaml);
    const owners = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet');
    expect(owners.map((o) => o.metadata.name).sort()).toEqual(
      ['aenebris', 'aenebris-upstream', 'basebook-backend', 'basebook-frontend', 'basebook-router', 'ebpf-tracer', 'ephemos-echo', 'object-store', 's3-gateway'],
    );
    for (const o of owners) {
      const res = await kc(['-n', NS, 'rollout', 'status', `${o.kind.toLowerCase()}/${o.metadata.name}`, '--timeout=240s'], 260_000).catch((e: Error) => e);
      if (res instanceof Error) {
        const pods = await kc(['-n', NS, 'get', 'pods', '-o', 'wide']).catch(() => null);
        const ev = await kc(['-n', NS, 'get', 'events', '--sort-by=.lastTimestamp']).catch(() => null);
        throw new Error(`${o.kind} ${o.metadata.name} did not roll out: ${res.message}\n${pods?.stdout ?? ''}\n${(ev?.stdout ?? '').split('\n').slice(-25).join('\n')}`);
      }
    }
    const ds = JSON.parse((await kc(['-n', NS, 'get', 'daemonset', 'ebpf-tracer', '-o', 'json'])).stdout) as { status: { numberReady: number } };
    expect(ds.status.numberReady).toBe(2); // one per worker
  }, 1_200_000);

  it('carries the run settings into the pods (image, drain mode, CPU cost)', async () => {
    const pod = JSON.parse((await kc(['-n', NS, 'get', 'pods', '-l', 'app.kubernetes.io/name=aenebris', '-o', 'json'])).stdout) as {
      items: { spec: { containers: { image: string; env: { name: string; value: string }[] }[] } }[];
    };
    expect(pod.items.length).toBe(2);
    const c = pod.items[0]!.spec.containers[0]!;
    expect(c.image).toMatch(/^localhost\/kube-chaos-harness\/standin:[0-9a-f]{16}$/);
    expect(Object.fromEntries(c.env.map((e) => [e.name, e.value]))).toMatchObject({ DRAIN_MODE: 'graceful', CPU_COST_MICROS: '100', ROLE: 'aenebris-proxy' });
  });

  it("the preStop command drains the stand-in: full witness in the previous container's log", async () => {
    const pods = (await kc(['-n', NS, 'get', 'pods', '-l', 'app.kubernetes.io/name=aenebris', '-o', 'name'])).stdout.trim().split('\n');
    const pod = pods[0]!;
    // The preStop's own command, run by hand: SIGTERM to PID 1, then return. The container
    // exits once drained and restarts; its finished log stays readable with --previous
    // (a deleted pod's log stream can end before the last lines arrive).
    await kc(['-n', NS, 'exec', pod, '--', '/standin', 'sleep', '0', '--term', '1']);
    const deadline = Date.now() + 90_000;
    let restarts = 0;
    while (restarts < 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      restarts = Number((await kc(['-n', NS, 'get', pod, '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'])).stdout || 0);
    }
    expect(restarts, 'container restarted after draining').toBe(1);
    const prev = await kc(['-n', NS, 'logs', '--previous', pod]);
    const lines = prev.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.event)).toEqual(['start', 'sigterm', 'not-ready', 'listener-closed', 'drained', 'exit']);
    expect(lines.at(-1)).toMatchObject({ cutOff: 0, code: 0 });
  }, 150_000);

  it('a deleted aenebris pod is gone long before its 120 s grace (preStop TERM -> drain -> exit)', async () => {
    const pods = (await kc(['-n', NS, 'get', 'pods', '-l', 'app.kubernetes.io/name=aenebris', '-o', 'name'])).stdout.trim().split('\n');
    const t0 = Date.now();
    await kc(['-n', NS, 'delete', pods.at(-1)!, '--wait=true'], 150_000);
    // Without the preStop's SIGTERM the kubelet would wait out its 110 s sleep first.
    expect(Date.now() - t0).toBeLessThan(60_000);
  }, 200_000);
});
