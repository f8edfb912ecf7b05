// `--load-from cluster` on a real kind cluster, through the real CLI: k6 runner pods in the run's
// namespace, resumed together through the pod proxy, read back through the service proxy. On the
// cluster project's shared cluster (kept with --keep-cluster; its global teardown deletes it);
// each run makes and deletes its own namespace, is short (20–30 s of load, 2 runners) and bounded.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Timeline } from '../../timeline/types.ts';
import { SHARED_CLUSTER, sharedCluster } from '../../../test/cluster/shared-cluster.ts';
import { readJson, runScenarioCli, type CliRun } from '../../../test/cluster/scenario-cli.ts';

const CLUSTER = SHARED_CLUSTER;
const out = mkdtempSync(join(tmpdir(), 'kch-incluster-'));

/** `npm run scenario` on the shared cluster (unless the args name a provider); `whenStarted` runs once the runners resumed. */
function scenario(args: string[], whenStarted?: (output: string) => Promise<void>, timeoutMs = 600_000, env: NodeJS.ProcessEnv = process.env): Promise<CliRun> {
  const target = args.includes('--provider') ? [] : ['--name', CLUSTER, '--keep-cluster'];
  return runScenarioCli([...args, ...target, '--out', out], { ...(whenStarted ? { whenStarted } : {}), timeoutMs, env });
}

describe('load from inside the cluster (kind)', () => {
  // The shared cluster: load from runner pods never leaves it, so its NodePorts go unused here.
  beforeAll(async () => {
    await sharedCluster((l) => process.stdout.write(`[cluster] ${l}\n`));
  });

  it('proxy-rollout from 2 runner pods passes; totals equal the runners\' summaries; they started within 1 s of each other', async () => {
    // Half the machine-fit rate: a 1 s stall of this shared 2-core machine drops iterations past the 1 % rule at 784 req/s.
    const run = await scenario(['proxy-rollout', '--load-from', 'cluster', '--scale', '0.004', '--per-pod-rate', '250', '--duration', '30']);
    expect(run.runDir, run.output.slice(-2000)).not.toBe('');
    const t = readJson<Timeline>(join(run.runDir, 'timeline.json'));
    expect(t.plan.loadFrom).toBe('cluster');
    expect(t.plan.shards).toBe(2);
    expect(t.load, 'load series').not.toBeNull();
    expect(t.witnesses.k6Summaries.map((s) => s.shard).sort()).toEqual([0, 1]);
    const sum = (k: 'requests' | 'failedRequests' | 'wsSessions') => t.witnesses.k6Summaries.reduce((a, s) => a + s[k], 0);
    expect(t.load!.totals.requests).toBe(sum('requests'));
    expect(t.load!.totals.failedRequests).toBe(sum('failedRequests'));
    expect(t.load!.totals.requests).toBeGreaterThan(3000);
    // Both runners did their share (execution segments split the rate in halves).
    for (const s of t.witnesses.k6Summaries) expect(s.requests).toBeGreaterThan(0.4 * sum('requests'));
    expect(t.witnesses.k6Exits?.map((e) => e.code)).toEqual([0, 0]);
    const runners = readJson<{ loadStartedAt: number; runners: { pod: string; resumedAt: number }[] }>(join(run.runDir, 'k6', 'runners.json'));
    const at = runners.runners.map((r) => r.resumedAt);
    expect(Math.max(...at) - Math.min(...at)).toBeLessThan(1000);
    expect(run.output).toMatch(/http → http:\/\/aenebris\.kch-[a-z0-9-]+\.svc:\d+\//);
    for (const f of ['report.html', 'junit.xml', 'k6/shard-0.summary.json', 'k6/shard-1.summary.json']) expect(existsSync(join(run.runDir, f)), f).toBe(true);
    expect(run.code, run.output.slice(-3000)).toBe(0);
  });

  it('the existing provider on a kind context: images loaded by kind load, load from runner pods by default, the cluster left as it was', async () => {
    const cluster = await sharedCluster(() => undefined);
    const run = await scenario(
      ['proxy-rollout', '--provider', 'existing', '--name', cluster.context, '--set', 'proxy.overlay=kind', '--set', 'upstream.overlay=kind', '--scale', '0.004', '--per-pod-rate', '250', '--duration', '20'],
      undefined,
      600_000,
      { ...process.env, KUBECONFIG: cluster.kubeconfigPath },
    );
    expect(run.output).toMatch(/images: kind load reaches the nodes — the context is kind cluster 'kch-shared' on this machine's podman/);
    expect(run.output).toMatch(/images: loaded with kind load into existing cluster 'kind-kch-shared' \(no --registry\)/);
    expect(run.runDir, run.output.slice(-2000)).not.toBe('');
    const t = readJson<Timeline>(join(run.runDir, 'timeline.json'));
    expect(t.plan.provider).toBe('existing');
    expect(t.plan.loadFrom).toBe('cluster');
    expect(t.plan.loadFromReason).toMatch(/default on an existing cluster/);
    expect(t.load, 'load series').not.toBeNull();
    expect(t.load!.totals.requests).toBe(t.witnesses.k6Summaries.reduce((a, s) => a + s.requests, 0));
    expect(run.code, run.output.slice(-3000)).toBe(0);
    // Not created here, so not deleted: the shared cluster still answers.
    expect((await new (await import('../../../clusters/index.ts')).KindProvider().status(SHARED_CLUSTER)).healthy).toBe(true);
  });

  it('a runner pod deleted mid-run fails the load step, naming it', async () => {
    let deleted = '';
    const run = await scenario(['proxy-rollout', '--load-from', 'cluster', '--scale', '0.004', '--per-pod-rate', '250', '--duration', '20'], async (output) => {
      const namespace = /namespace (kch-[a-z0-9-]+)/.exec(output)?.[1];
      if (!namespace) throw new Error('no namespace in the output');
      await new Promise((r) => setTimeout(r, 5000));
      const k8s = await import('@kubernetes/client-node');
      const { kubeFromFile } = await import('../../kube/client.ts');
      const cluster = await sharedCluster(() => undefined);
      const core = kubeFromFile(cluster.kubeconfigPath, cluster.context).makeApiClient(k8s.CoreV1Api);
      await core.deleteNamespacedPod({ name: 'kch-k6-runner-1', namespace, gracePeriodSeconds: 0 });
      deleted = 'kch-k6-runner-1';
    });
    expect(deleted).toBe('kch-k6-runner-1');
    expect(run.code, run.output.slice(-3000)).toBe(3);
    expect(run.output).toMatch(/k6 shard 1 \(runner pod kch-k6-runner-1\) .*was deleted during the load/);
    const t = readJson<Timeline>(join(run.runDir, 'timeline.json'));
    const step = t.steps.find((s) => s.name.startsWith('load + chaos'));
    expect(JSON.stringify(step)).toMatch(/kch-k6-runner-1/);
    // What the surviving runner did is kept; the deleted one's exit says so (its summary only if k6 wrote it on SIGTERM).
    expect(t.witnesses.k6Summaries.map((s) => s.shard)).toContain(0);
    expect(t.witnesses.k6Exits?.find((e) => e.shard === 1)?.error).toMatch(/runner pod kch-k6-runner-1 was deleted during the load/);
    expect(t.witnesses.k6Exits?.find((e) => e.shard === 0)?.code).toBe(0);
  });
});
