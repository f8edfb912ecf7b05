import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/fixtures/timelines/read.ts';
import { workloadCountersFromMatrix, type PromMatrixAnswer } from '../observe/workload-counters.ts';
import type { Timeline, WorkloadCountersRecord } from '../timeline/types.ts';
import { drainScore } from './drain.ts';
import { scoreTimeline } from './index.ts';
import { SCRAPE_EXIT_SKEW_MS, podScrapes, scrapeWitness } from './scrape-witness.ts';

// The recorded scrapes of a stand-in held across SIGTERM with 2 requests in flight (see
// harness/observe/workload-counters.test.ts); its own log says when it got SIGTERM and exited.
const recorded = workloadCountersFromMatrix(
  JSON.parse(readFileSync(new URL('../observe/fixtures/workload-scrape-matrix.json', import.meta.url), 'utf8')) as PromMatrixAnswer,
  'kch-rec',
);
const log = readFileSync(new URL('../observe/fixtures/workload-scrape-standin.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, number | string>);
const sigtermAt = Number(log.find((l) => l['event'] === 'sigterm')!['ts']);
const exitLine = log.find((l) => l['event'] === 'exit')!;
const exitAt = Number(exitLine['ts']);
const readTo = recorded.at(-1)!.at;

describe('scrape witness arithmetic (recorded scrapes)', () => {
  it("brackets the exit by the last answered scrape and the first failed one, exact to the interval", () => {
    // The observer sees the container's exit a little after it happened.
    const w = scrapeWitness(recorded, 1000, sigtermAt, exitAt + 250, readTo);
    expect(w.lastAt).toBeLessThan(exitAt);
    expect(w.gapAt).toBeGreaterThan(exitAt);
    expect(w.gapAt! - w.lastAt!).toBe(1000);
    expect(w.answeredAfterExit).toBe(0);
    // Two /slow requests were held across the drain: in flight at the last scrape, cut at exit by the exit line.
    expect(w.inFlight).toBe(2);
    expect(exitLine['cutOff']).toBe(2);
    expect(w.served).toBe(exitLine['served']);
    // After SIGTERM the recording sent 20 more requests: 17 were served in the 2 s drain delay, the rest refused.
    expect(w.servedDuringDrain).toBe(17);
    expect(w.wsClosedDuringDrain).toEqual({ '1000': 0, '1001': 0, '1006': 0 });
  });

  it('counts answered scrapes after an exit observed too early, and needs no observed exit to bracket one', () => {
    const early = scrapeWitness(recorded, 1000, sigtermAt, exitAt - 4000, readTo);
    expect(early.answeredAfterExit).toBe(recorded.filter((r) => r.up && r.at > exitAt - 4000 + SCRAPE_EXIT_SKEW_MS).length);
    expect(early.answeredAfterExit).toBeGreaterThan(0);
    const unseen = scrapeWitness(recorded, 1000, sigtermAt, null, readTo);
    expect([unseen.lastAt, unseen.gapAt]).toEqual([scrapeWitness(recorded, 1000, sigtermAt, exitAt, readTo).lastAt, scrapeWitness(recorded, 1000, sigtermAt, exitAt, readTo).gapAt]);
  });

  it('a pod with two targets is judged on the one that answered (an annotated pod without a port annotation is scraped at every port)', () => {
    const other = recorded.map((r) => ({ ...r, target: '192.0.2.1:8080', up: false, counters: {} }));
    const mine = recorded.map((r) => ({ ...r, target: '192.0.2.1:9090' }));
    const t = { kube: [...other, ...mine] } as unknown as Timeline;
    expect(podScrapes(t, recorded[0]!.pod).every((r) => r.target === '192.0.2.1:9090')).toBe(true);
  });

  it('a missing scrape is a gap too; a read-back that ended first leaves none; no scrape before deleting, no drain deltas', () => {
    const answeredOnly = recorded.filter((r) => r.up);
    const w = scrapeWitness(answeredOnly, 1000, sigtermAt, exitAt, readTo);
    expect(w.gapAt).toBe(w.lastAt! + 1000);
    expect(scrapeWitness(answeredOnly, 1000, sigtermAt, exitAt, w.lastAt! + 500).gapAt).toBeNull();
    const late = scrapeWitness(recorded, 1000, recorded[0]!.at - 1, exitAt, readTo);
    expect([late.servedDuringDrain, late.wsClosedDuringDrain]).toEqual([null, null]);
  });
});

// A built graceful rollout (3 pods replaced, WS load, overlapping windows) with scrapes added as
// the run's Prometheus would record them: every second until just before each exit, then failures.
const A = 'aenebris-6d5f7c9b8-k2x9p';
const B = 'aenebris-6d5f7c9b8-m4q7r';
const C = 'aenebris-6d5f7c9b8-z8w2t';

function withScrapes(closed1001: Record<string, number>, opts: { skip?: string[] } = {}): Timeline {
  const t = readFixture('clean-rollout');
  const t0 = t.loadStartedAt!;
  const { score } = drainScore(t);
  const records: WorkloadCountersRecord[] = [];
  for (const p of score.pods) {
    if (opts.skip?.includes(p.pod)) continue;
    for (let at = t0 + 130; at < p.exit!.at; at += 1000) {
      const draining = at > p.deletingAt;
      const counters = {
        standin_requests_served_total: Math.round((at - t0) / 10),
        standin_requests_in_flight: draining ? 0 : 3,
        standin_ws_open: draining ? 0 : 4,
        'standin_ws_closed_total{code="1001"}': draining ? closed1001[p.pod]! : 0,
        'standin_ws_closed_total{code="1006"}': 0,
      };
      records.push({ kind: 'workloadCounters', at, namespace: 'x', pod: p.pod, workload: 'aenebris', counters, up: true });
    }
    const last = records.filter((r) => r.pod === p.pod).at(-1)!.at;
    records.push({ kind: 'workloadCounters', at: last + 1000, namespace: 'x', pod: p.pod, workload: 'aenebris', counters: {}, up: false });
  }
  t.kube.push(...records);
  t.witnesses.workloadScrape = { intervalMs: 1000, from: t0, to: t.endedAt, pods: [A, B, C].filter((p) => !opts.skip?.includes(p)) };
  return t;
}

const scrapeChecks = (t: Timeline) => drainScore(t).checks.filter((c) => c.id.startsWith('witness.drain-scrape/'));

describe('witness.drain-scrape in the drain score', () => {
  it('is absent when the run did not scrape (older and recorded timelines score as before)', () => {
    expect(scrapeChecks(readFixture('clean-rollout'))).toEqual([]);
  });

  it("passes when the scrapes bracket each exit and the pods' 1001 closes are among the clients'", () => {
    const checks = scrapeChecks(withScrapes({ [A]: 3, [B]: 3, [C]: 4 }));
    expect(checks.map((c) => [c.id, c.status])).toEqual([A, B, C].map((p) => [`witness.drain-scrape/${p}`, 'pass']));
    expect(checks[0]!.message).toMatch(/stopped answering \/metrics between t\+56\.1s and t\+57\.1s \(exact to the 1 s scrape interval\), container exit observed at t\+56\.3s/);
    expect(checks[0]!.message).toContain('clients saw 10');
    expect(checks[0]!.message).toContain('what its exit cut is not witnessed by a scrape');
    // The exit line stays the witness of the cut: its check is unchanged beside this one.
    expect(drainScore(withScrapes({ [A]: 3, [B]: 3, [C]: 4 })).checks.find((c) => c.id === `witness.drain/${A}`)!.status).toBe('pass');
  });

  it('fails when the pods closed more sessions than the clients saw, naming how many are missing', () => {
    const c = scrapeChecks(withScrapes({ [A]: 5, [B]: 3, [C]: 4 })).find((x) => x.subject === A)!;
    expect(c.status).toBe('fail');
    expect(c.message).toContain(`group ${A}+${B}+${C} closed 12 WS sessions with 1001 until its last scrape, clients saw 10 (2 missing from the harness's series)`);
  });

  it('fails when the pod answered a scrape after its observed exit', () => {
    const t = withScrapes({ [A]: 3, [B]: 3, [C]: 4 });
    const exit = t.kube.find((r) => r.kind === 'pod' && r.pod === A && r.transition === 'containerTerminated')!;
    exit.at -= 3000;
    const c = scrapeChecks(t).find((x) => x.subject === A)!;
    expect(c.status).toBe('fail');
    expect(c.message).toMatch(/answered \d scrape\(s\) more than 1 s after its observed exit/);
  });

  it('no data is never agreement: a pod not scraped, a read-back that failed; a workload exposing nothing is skipped, saying why', () => {
    const missing = scrapeChecks(withScrapes({ [A]: 3, [B]: 3, [C]: 4 }, { skip: [B] }));
    expect(missing.find((c) => c.subject === B)).toMatchObject({ status: 'incomplete' });
    expect(missing.find((c) => c.subject === B)!.message).toContain('no scrape of this pod although other pods of aenebris were scraped');
    // B's WS closes are unwitnessed, so the group's comparison is not made for A either.
    expect(missing.find((c) => c.subject === A)!.status).toBe('incomplete');

    const failed = withScrapes({ [A]: 3, [B]: 3, [C]: 4 });
    failed.witnesses.workloadScrape!.error = 'reading the workloads\' scrapes through the service proxy: HTTP 503';
    expect(scrapeChecks(failed).map((c) => c.status)).toEqual(['incomplete', 'incomplete', 'incomplete']);

    const none = withScrapes({}, { skip: [A, B, C] });
    const skipped = scrapeChecks(none);
    expect(skipped.map((c) => c.status)).toEqual(['skip', 'skip', 'skip']);
    expect(skipped[0]!.message).toContain('exposes no /metrics');
  });
});

// Recorded, unedited: the timeline of a real `proxy-rollout --duration 60` on kind (harness/run/
// scenario.cluster.test.ts, 2026-12-07, rev 52da7a0 + the control-plane pin): 45,062 requests, 0
// failed; 2 proxy pods replaced; 296 scrapes of 6 pods by the run's Prometheus; PASS.
const real = (): Timeline => JSON.parse(gunzipSync(readFileSync(new URL('./fixtures/proxy-rollout-scraped.timeline.json.gz', import.meta.url))).toString()) as Timeline;

describe('witness.drain-scrape on a recorded real run', () => {
  const replaced = real().chaos.flatMap((m) => m.pods);

  it('passes for each replaced pod, its exit bracketed to the second, and the run passes', () => {
    const t = real();
    expect(replaced).toHaveLength(2);
    const { score, checks } = drainScore(t);
    for (const pod of replaced) {
      const c = checks.find((x) => x.id === `witness.drain-scrape/${pod}`)!;
      expect(c.status, c.message).toBe('pass');
      const w = score.pods.find((p) => p.pod === pod)!.scrapeWitness!;
      const exitAt = score.pods.find((p) => p.pod === pod)!.exit!.at;
      expect(w.lastAt!).toBeLessThanOrEqual(exitAt);
      expect(exitAt - w.lastAt!).toBeLessThanOrEqual(w.intervalMs);
      expect(w.gapAt! - w.lastAt!).toBe(1000);
    }
    expect(scoreTimeline(t).verdict).toBe('pass');
  });

  it("witnesses a user's image with no exit line: the exit-line check says what is unwitnessed, the scrape check passes", () => {
    const t = real();
    t.plan.workloads.find((w) => w.object.name === 'aenebris')!.image = 'localhost/my-proxy:1';
    t.kube = t.kube.filter((r) => !(r.kind === 'workloadLog' && replaced.includes(r.pod)));
    const { checks } = drainScore(t);
    for (const pod of replaced) {
      const exitLine = checks.find((x) => x.id === `witness.drain/${pod}`)!;
      expect(exitLine.status).toBe('skip');
      expect(exitLine.message).toContain(`its /metrics scrapes are judged in witness.drain-scrape/${pod}`);
      expect(checks.find((x) => x.id === `witness.drain-scrape/${pod}`)!.status).toBe('pass');
    }
  });

  it('fails when the observed exit is moved 3 s before scrapes the pod answered', () => {
    const t = real();
    const exit = t.kube.find((r) => r.kind === 'pod' && r.pod === replaced[0] && r.transition === 'containerTerminated')!;
    exit.at -= 3000;
    const c = drainScore(t).checks.find((x) => x.id === `witness.drain-scrape/${replaced[0]}`)!;
    expect(c.status).toBe('fail');
    expect(scoreTimeline(t).verdict).toBe('fail');
  });

  it("is incomplete when one replaced pod's scrapes are lost, and absent when the run did not scrape", () => {
    const t = real();
    t.kube = t.kube.filter((r) => !(r.kind === 'workloadCounters' && r.pod === replaced[1]));
    expect(drainScore(t).checks.find((x) => x.id === `witness.drain-scrape/${replaced[1]}`)!.status).toBe('incomplete');
    expect(scoreTimeline(t).verdict).toBe('incomplete');
    const older = real();
    delete older.witnesses.workloadScrape;
    expect(drainScore(older).checks.filter((x) => x.id.startsWith('witness.drain-scrape/'))).toEqual([]);
  });
});
