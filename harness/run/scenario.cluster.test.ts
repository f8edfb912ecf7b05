// End to end on a real kind cluster, through the real CLI: the first scenarios of the catalogue,
// with their witnesses, on the cluster project's shared cluster (kept with --keep-cluster; the
// project's global teardown deletes it). Each run is short (60–120 s of load) and bounded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventRecord, HpaRecord, Timeline, WorkloadCountersRecord, WorkloadLogRecord } from '../timeline/types.ts';
import { drainScore } from '../score/drain.ts';
import type { Scorecard } from '../score/scorecard.ts';
import { exec } from '../base/exec.ts';
import { ownScenarioFolder, OWN_IMAGE } from './own-scenario.fixture.ts';
import { SHARED_CLUSTER, sharedCluster } from '../../test/cluster/shared-cluster.ts';
import { readJson, runScenarioCli, type CliRun } from '../../test/cluster/scenario-cli.ts';

const CLUSTER = SHARED_CLUSTER;
const out = mkdtempSync(join(tmpdir(), 'kch-e2e-'));

/** Runs `npm run scenario` as a user would; optionally sends SIGINT 5 s after `interruptWhen` matches. */
function scenario(args: string[], interruptWhen?: RegExp, timeoutMs = 600_000): Promise<CliRun> {
  const interrupt = async (_: string, child: ChildProcess) => void setTimeout(() => child.kill('SIGINT'), 5000);
  return runScenarioCli([...args, '--name', CLUSTER, '--keep-cluster', '--out', out], { timeoutMs, ...(interruptWhen ? { whenStarted: interrupt, startedWhen: interruptWhen } : {}) });
}

/**
 * The workloads' own /metrics on the timeline (the run's Prometheus, every second), and for each
 * pod the rollout replaced a scrape witness that agrees with the clients: its exit bracketed by
 * its last answered scrape and the first gap, and every request in flight at that last scrape
 * either served by the exit (the stand-in's exit line) or among the clients' failures then.
 */
function expectWorkloadCounters(t: Timeline, replaced: string[]) {
  const scrape = t.witnesses.workloadScrape;
  expect(scrape, 'witnesses.workloadScrape').toBeDefined();
  expect(scrape!.error).toBeUndefined();
  expect(scrape!.intervalMs).toBe(1000);
  const counters = t.kube.filter((r): r is WorkloadCountersRecord => r.kind === 'workloadCounters');
  for (const w of ['aenebris', 'aenebris-upstream']) expect(counters.some((r) => r.workload === w && r.up !== false), `scrapes of ${w}`).toBe(true);
  // Per pod per second: the stand-in's witness counters and the seed's own names.
  const proxyPods = [...new Set(counters.filter((r) => r.workload === 'aenebris').map((r) => r.pod))];
  for (const pod of proxyPods) {
    const ok = counters.filter((r) => r.pod === pod && r.up !== false);
    expect(Object.keys(ok.at(-1)!.counters)).toEqual(expect.arrayContaining(['standin_requests_served_total', 'standin_requests_in_flight', 'standin_ws_open', 'standin_ws_closed_total{code="1001"}', 'active_connections']));
    const gaps = ok.slice(1).map((r, i) => r.at - ok[i]!.at);
    expect(Math.max(...gaps), `${pod}: seconds between answered scrapes`).toBeLessThanOrEqual(3000);
  }
  // Every HTTP request the clients saw succeed was served by a proxy pod and counted by it.
  const servedByPods = proxyPods.reduce((a, pod) => a + (counters.filter((r) => r.pod === pod && r.up !== false).at(-1)!.counters['standin_requests_served_total'] ?? 0), 0);
  const ok = t.load!.totals.requests - t.load!.totals.failedRequests;
  expect(servedByPods, `served by the proxy pods vs ${ok} requests the clients saw succeed`).toBeGreaterThanOrEqual(Math.floor(0.98 * ok));
  const drain = drainScore(t).score;
  const checks = drainScore(t).checks;
  for (const pod of replaced) {
    const p = drain.pods.find((x) => x.pod === pod)!;
    const w = p.scrapeWitness!;
    expect(w, `${pod}: scrape witness`).toBeTruthy();
    const c = checks.find((x) => x.id === `witness.drain-scrape/${pod}`)!;
    expect(c.status, c.message).toBe('pass');
    expect(w.lastAt!).toBeLessThanOrEqual(p.exit!.at + 1000);
    expect(w.gapAt! - w.lastAt!, `${pod}: gap after the last answered scrape`).toBeLessThanOrEqual(2000);
    const exitLine = t.kube.find((r): r is WorkloadLogRecord => r.kind === 'workloadLog' && r.pod === pod && r.line['event'] === 'exit')!;
    const servedAtExit = Number(exitLine.line['served']);
    expect(servedAtExit).toBeGreaterThanOrEqual(w.served!);
    expect(w.inFlight!, `${pod}: in flight at its last scrape vs served after it (${servedAtExit - w.served!}) and client failures (${p.failedRequests})`).toBeLessThanOrEqual(servedAtExit - w.served! + Math.ceil(p.failedRequests) + (p.lateTimeouts ?? 0));
  }
}

function sumSummaries(t: Timeline) {
  return t.witnesses.k6Summaries.reduce((a, s) => ({ requests: a.requests + s.requests, failed: a.failed + s.failedRequests }), { requests: 0, failed: 0 });
}

describe('scenarios end to end on kind', () => {
  // The shared cluster (test/cluster/shared-cluster.ts): each run makes and deletes its own namespace.
  beforeAll(async () => {
    await sharedCluster((l) => process.stdout.write(`[cluster] ${l}\n`));
  });

  it('proxy-rollout passes with the graceful stand-in, and its totals equal k6’s own summaries', async () => {
    const run = await scenario(['proxy-rollout', '--duration', '60']);
    expect(run.runDir, run.output.slice(-2000)).not.toBe('');
    const t = readJson<Timeline>(join(run.runDir, 'timeline.json'));
    expect(t.load, 'load series').not.toBeNull();
    const witness = sumSummaries(t);
    expect(t.load!.totals.requests).toBe(witness.requests);
    expect(t.load!.totals.failedRequests).toBe(witness.failed);
    expect(t.load!.totals.requests).toBeGreaterThan(1000);
    // The rollout replaced pods: each left the endpoints and exited cleanly per the stand-in.
    const rollout = t.chaos.find((c) => c.action === 'rollout');
    expect(rollout?.outcome).toBe('ok');
    const exits = t.kube.filter((r) => r.kind === 'workloadLog' && r.line.event === 'exit');
    expect(exits.length).toBeGreaterThan(0);
    for (const f of ['report.html', 'report.json', 'junit.xml', 'summary.md']) expect(existsSync(join(run.runDir, f)), f).toBe(true);
    expectWorkloadCounters(t, rollout!.pods);
    expect(run.code, run.output.slice(-3000)).toBe(0);
  });

  it('proxy-rollout with --set proxy.drain=none fails on drain, naming the pods the rollout replaced', async () => {
    const run = await scenario(['proxy-rollout', '--duration', '60', '--set', 'proxy.drain=none']);
    expect(run.code, run.output.slice(-3000)).toBe(1);
    const card = readJson<{ scorecard: Scorecard }>(join(run.runDir, 'report.json')).scorecard;
    const t = readJson<Timeline>(join(run.runDir, 'timeline.json'));
    // The pods the rollout replaced, from the timeline's own chaos mark.
    const replaced = t.chaos.filter((c) => c.action === 'rollout').flatMap((c) => c.pods);
    expect(replaced.length).toBeGreaterThan(0);
    // The failing drain checks, by identity: drain.failed/<pod> or drain.ws1006/<pod>.
    const failing = card.checks.filter((c) => c.status === 'fail' && /^drain\.(failed|ws1006)\//.test(c.id));
    expect(failing.length, card.reasons.join('\n')).toBeGreaterThan(0);
    for (const c of failing) {
      const pod = c.id.slice(c.id.indexOf('/') + 1);
      expect(replaced, `${c.id} names a pod the rollout did not replace`).toContain(pod);
      expect(c.message).toContain(pod);
      expect(card.reasons).toContain(c.message);
    }
    // The verdict fails on the drain, not on the plan: the load (HTTP, and the WS sessions k6 held
    // while the pods cut them), the rollout and the shard were carried out.
    expect(card.checks.filter((c) => c.area === 'plan' && c.status !== 'pass')).toEqual([]);
    // The workload's own witness saw requests cut off or sessions dropped.
    const exitLines = t.kube.filter((r): r is WorkloadLogRecord => r.kind === 'workloadLog' && r.line['event'] === 'exit' && replaced.includes(r.pod));
    const cut = exitLines.reduce((a, r) => a + Number(r.line['cutOff'] ?? 0) + Number(r.line['wsOpen'] ?? 0), 0);
    expect(cut, 'the stand-in counted no cut request or dropped session').toBeGreaterThan(0);
    // Its scrapes bracket each exit too, and the requests in flight at the last one are among the clients' failures or served after.
    expectWorkloadCounters(t, replaced);
  });

  it('proxy-spike-hpa passes, and its HPA reaction agrees with the HPA\'s own SuccessfulRescale events', async () => {
    const run = await scenario(['proxy-spike-hpa']);
    expect(run.runDir, run.output.slice(-2000)).not.toBe('');
    const card = readJson<{ scorecard: Scorecard }>(join(run.runDir, 'report.json')).scorecard;
    expect(run.code, card.reasons.join('\n') || run.output.slice(-3000)).toBe(0);
    expect(card.verdict).toBe('pass');
    const t = readJson<Timeline>(join(run.runDir, 'timeline.json'));
    const step = card.hpa!.steps[0]!;
    expect(step.fromTarget).toBeLessThan(step.toTarget);
    const inc = step.firstIncrease!;
    expect(inc.to).toBeGreaterThan(inc.from);
    // Independently of the scorer: the event the HPA controller emitted for that rescale.
    const hpaName = card.hpa!.hpa;
    const events = t.kube.filter(
      (r): r is EventRecord => r.kind === 'event' && r.reason === 'SuccessfulRescale' && r.involved.name === hpaName && r.message.includes(`New size: ${inc.to}`),
    );
    expect(events.length, `no SuccessfulRescale "New size: ${inc.to}" event for ${hpaName}`).toBeGreaterThan(0);
    const ev = events.reduce((best, e) => (Math.abs(e.at - inc.at) < Math.abs(best.at - inc.at) ? e : best));
    const reactionFromEvent = (ev.at - step.stepStartAt) / 1000;
    expect(Math.abs(reactionFromEvent - step.reactionS!)).toBeLessThanOrEqual(2);
    // And the HPA's status agrees: desiredReplicas reached the new size after the step started.
    const status = t.kube.filter((r): r is HpaRecord => r.kind === 'hpa' && r.name === hpaName && r.at >= step.stepStartAt);
    expect(status.some((r) => r.desiredReplicas >= inc.to)).toBe(true);
  });

  it('a run interrupted with SIGINT mid-load tears down, writes its timeline and a partial report', async () => {
    const run = await scenario(['proxy-rollout'], /load \+ chaos/);
    expect(run.code).toBe(3);
    const t = readJson<Timeline>(join(run.runDir, 'timeline.json'));
    expect(t.interrupted).not.toBeNull();
    expect(existsSync(join(run.runDir, 'report.json'))).toBe(true);
    expect(t.steps.some((s) => s.name.startsWith('teardown: delete namespace') && s.outcome === 'ok')).toBe(true);
    expect(readdirSync(run.runDir).length).toBeGreaterThan(2);
  });

  it('a scenario file of your own, outside the repo, with its own kustomize folder and a locally built image, runs like the built-in ones', async () => {
    // "Built locally, tagged differently from the stand-in's": the stand-in retagged as the user's image.
    const { buildStandinImage, ensureStandinInPodman } = await import('../../deploy/index.ts');
    const standin = await buildStandinImage();
    await ensureStandinInPodman(standin);
    await exec('podman', ['tag', standin.ref, OWN_IMAGE], { timeoutMs: 30_000 });
    try {
      const dir = ownScenarioFolder(mkdtempSync(join(tmpdir(), 'kch-own-')));
      const run = await scenario([join(dir, 'my-scenario.ts')]);
      expect(run.output).toContain(`found in podman's store as ${OWN_IMAGE}`);
      expect(run.code, run.output.slice(-3000)).toBe(0);
      const manifests = readJson<{ kind: string; metadata: { name: string }; spec: { template: { spec: { containers: { image: string }[] } } } }[]>(join(run.runDir, 'manifests.json'));
      expect(manifests.find((o) => o.kind === 'Deployment' && o.metadata.name === 'my-service')?.spec.template.spec.containers[0]?.image).toBe(OWN_IMAGE);
      for (const f of ['report.html', 'report.json', 'junit.xml', 'summary.md']) expect(existsSync(join(run.runDir, f)), f).toBe(true);
      const card = readJson<{ scorecard: Scorecard }>(join(run.runDir, 'report.json')).scorecard;
      expect(card.verdict).toBe('pass');
      const t = readJson<Timeline>(join(run.runDir, 'timeline.json'));
      expect(t.load!.totals.requests).toBe(sumSummaries(t).requests);
      expect(t.load!.totals.requests).toBeGreaterThan(2000);
      expect(t.chaos.find((c) => c.action === 'rollout')?.outcome).toBe('ok');
    } finally {
      await exec('podman', ['untag', OWN_IMAGE], { timeoutMs: 30_000, nothrow: true });
    }
  });
});

