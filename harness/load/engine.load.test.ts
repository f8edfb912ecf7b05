// The load engine on real k6 against real servers on 127.0.0.1. Each test stays under ~25 s of load.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { runLoad, type RunLoadResult } from './index.ts';
import { loadOnlyPlan, type LoadOnlyOptions } from './load-only-plan.ts';
import { sumSummaries } from './summary.ts';
import { startEchoServer, type RunningEchoServer } from './testing/loopback-servers.ts';
import { freePort } from '../base/free-port.ts';
import type { LoadSeries } from '../timeline/types.ts';

const servers: RunningEchoServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function plan(o: Partial<LoadOnlyOptions>) {
  return loadOnlyPlan({ rate: 0, durationS: 10, rampS: 0, wsSessions: 0, wsMessagesPerSecond: 2, grpcRate: 0, shards: 1, timeoutS: 2, outDir: '', ...o });
}

function runDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kch-load-'));
  dirs.push(dir);
  return dir;
}

/** Processes (other than this one) whose command line names the run folder: k6 shards, Prometheus. */
function processesOf(dir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(dir) && !l.includes(' ps -eo'));
}

function expectWitnessAgrees(r: RunLoadResult): LoadSeries {
  const series = r.series!;
  expect(series).not.toBeNull();
  const witness = sumSummaries(r.summaries);
  const t = series.totals;
  expect({
    requests: t.requests,
    failedRequests: t.failedRequests,
    checksPassed: t.checksPassed,
    checksFailed: t.checksFailed,
    wsSessions: t.wsSessions,
    droppedIterations: t.droppedIterations,
    grpcRequests: t.grpcRequests,
  }).toEqual(witness);
  // The seconds add up to the totals.
  expect(series.seconds.reduce((a, s) => a + s.requests, 0)).toBe(t.requests);
  expect(series.seconds.reduce((a, s) => a + Object.values(s.failures).reduce((x, y) => x + y, 0), 0)).toBe(t.failedRequests);
  return series;
}

describe('load engine on real k6', () => {
  it('follows a planned ramp second by second, and its totals equal the k6 summaries exactly', async () => {
    const port = await freePort();
    servers.push(await startEchoServer({ port, lifetimeS: 120 }));
    const dir = runDir();
    const r = await runLoad({ plan: plan({ rate: 400, durationS: 20, rampS: 10 }), runId: 'ramp', runDir: dir, targets: { http: `http://127.0.0.1:${port}/` } });
    const series = expectWitnessAgrees(r);
    expect(r.summaries).toHaveLength(1);
    expect(readdirSync(join(dir, 'k6'))).toContain('shard-0.summary.json');
    const s = series.seconds;
    expect(series.totals.failedRequests).toBe(0);
    // k6 started the planned iterations, 0->400 over 10 s (2000) + 400 x 10 s (4000), within 5 %:
    // on a starved CPU k6's scheduler runs late and starts fewer (seen: 5865 at load average 10).
    const started = series.totals.requests + series.totals.droppedIterations;
    expect(started).toBeGreaterThanOrEqual(5700);
    expect(started).toBeLessThanOrEqual(6000);
    // The ramp rises: each 3 s window of it has more requests than the one before.
    const window = (a: number, b: number) => s.slice(a, b).reduce((x, y) => x + y.requests, 0);
    expect(window(0, 3)).toBeLessThan(window(3, 6));
    expect(window(3, 6)).toBeLessThan(window(6, 9));
    // Ramp seconds follow 40 req/s per second of ramp (+-25 % and a push interval of lag).
    for (let k = 2; k < 9; k++) {
      const startedK = s[k]!.requests + s[k]!.droppedIterations;
      expect(startedK).toBeGreaterThan(40 * (k - 1) * 0.75);
      expect(startedK).toBeLessThan(40 * (k + 2) * 1.25);
    }
    // Hold seconds (away from the edges) run at 400 req/s: their median within 10 %, all but one
    // within 25 % (a starved CPU can stall k6's scheduler for a second; seen in CI beside a kind
    // cluster: one second at 0, the next catching up), and their sum within 5 % of 7 x 400.
    const hold = s.slice(12, 19);
    const startedPer = hold.map((x) => x.requests + x.droppedIterations);
    for (const x of hold) expect(x.stage).toBe('hold');
    expect(hold.filter((x) => x.latencyMs !== null).length).toBeGreaterThanOrEqual(6);
    expect(startedPer.filter((n) => Math.abs(n - 400) <= 100).length).toBeGreaterThanOrEqual(6);
    const median = [...startedPer].sort((a, b) => a - b)[3]!;
    expect(Math.abs(median - 400)).toBeLessThanOrEqual(40);
    // The hold's sum, with a second of slack each side for a stall that moved counts across its edge.
    const around = s.slice(11, 20).reduce((a, x) => a + x.requests + x.droppedIterations, 0);
    expect(Math.abs(around - 9 * 400)).toBeLessThanOrEqual(0.05 * 9 * 400);
    expect(s[3]!.stage).toBe('ramp');
    expect(r.runLatencyMs!.p99).toBeGreaterThan(0);
    expect(processesOf(dir)).toEqual([]);
  });

  it('counts WebSocket closes by code: 1001 from the server, 1006 when the socket drops', async () => {
    const port = await freePort();
    const server = await startEchoServer({ port, lifetimeS: 120, wsGoingAwayEvery: 3, wsDropEvery: 3, closeAfterMs: 1500 });
    servers.push(server);
    const dir = runDir();
    const r = await runLoad({
      plan: plan({ wsSessions: 6, wsMessagesPerSecond: 4, durationS: 12, rampS: 2 }),
      runId: 'ws',
      runDir: dir,
      targets: { ws: `ws://127.0.0.1:${port}/` },
    });
    const series = expectWitnessAgrees(r);
    const counts = (await server.stop())!;
    servers.length = 0;
    const closed = series.totals.wsClosedByCode;
    expect(counts.wsGoingAway).toBeGreaterThan(2);
    expect(counts.wsDropped).toBeGreaterThan(2);
    expect(closed['1001']).toBe(counts.wsGoingAway);
    expect(closed['1006']).toBe(counts.wsDropped);
    // Sessions alive at the end close themselves with 1000.
    expect(closed['1000']).toBeGreaterThan(0);
    // Every session k6 attempted reached the server, and each was closed exactly once.
    expect(series.totals.wsSessions).toBe(counts.wsSessions);
    expect(Object.values(closed).reduce((a, b) => a + b, 0)).toBe(counts.wsSessions);
    // The per-second closes add up to the totals, and echoes were measured.
    const perSecond: Record<string, number> = {};
    for (const s of series.seconds) for (const [code, n] of Object.entries(s.ws!.closedByCode)) perSecond[code] = (perSecond[code] ?? 0) + n;
    expect(perSecond).toEqual(closed);
    expect(series.seconds.some((s) => (s.ws!.messageLatencyP95Ms ?? -1) >= 0)).toBe(true);
    expect(series.seconds.some((s) => s.ws!.reconnectP95Ms !== null)).toBe(true);
    expect(Math.max(...series.seconds.map((s) => s.ws!.open))).toBeLessThanOrEqual(6);
    // k6 keeps holding its 6 sessions while the server cuts them every 1.5 s: `held` stays at the
    // plan through the steady seconds (what plan adherence grades), whatever `open` does.
    const steady = series.seconds.slice(3, 10).map((s) => s.ws!.held!);
    expect(Math.min(...steady), `held ${steady.join(',')}`).toBeGreaterThanOrEqual(5);
    expect(Math.max(...series.seconds.map((s) => s.ws!.held!))).toBeLessThanOrEqual(6);
    expect(series.totals.checksFailed).toBe(0);
  });

  it('puts the failures of a killed server in the seconds it was down, as refused/reset', async () => {
    const port = await freePort();
    servers.push(await startEchoServer({ port, lifetimeS: 120 }));
    const dir = runDir();
    const marks: { killedAt?: number; restartedAt?: number } = {};
    const onStarted = (t0: number) => {
      setTimeout(() => {
        marks.killedAt = Date.now();
        void servers[0]!.kill();
      }, 6000 - (Date.now() - t0));
      setTimeout(() => {
        void startEchoServer({ port, lifetimeS: 120 }).then((s) => {
          marks.restartedAt = Date.now();
          servers.push(s);
        });
      }, 11_000 - (Date.now() - t0));
    };
    const r = await runLoad({ plan: plan({ rate: 200, durationS: 16 }), runId: 'kill', runDir: dir, targets: { http: `http://127.0.0.1:${port}/` }, onStarted });
    const series = expectWitnessAgrees(r);
    const t0 = r.loadStartedAt!;
    const killS = Math.floor((marks.killedAt! - t0) / 1000);
    const upS = Math.floor((marks.restartedAt! - t0) / 1000);
    const failed = series.seconds.map((s) => Object.values(s.failures).reduce((a, b) => a + b, 0));
    // None before the kill, none after the restart (one push interval of slack each side).
    expect(failed.slice(0, killS - 1).every((f) => f === 0)).toBe(true);
    expect(failed.slice(upS + 2).every((f) => f === 0)).toBe(true);
    // The seconds the server was down are mostly failures, refused or reset.
    const down = series.seconds.slice(killS + 1, upS - 1);
    expect(down.length).toBeGreaterThanOrEqual(3);
    for (const s of down) expect(s.failures.refused + s.failures.reset).toBeGreaterThan(s.requests * 0.9);
    const t = series.totals.failuresByCause;
    expect(t.refused).toBeGreaterThan(500);
    expect(t.http5xx + t.http4xx + t.timeout).toBe(0);
    expect(series.totals.failedRequests).toBeGreaterThan(0);
  });

  it('two shards make the same totals as one process at the same rate', async () => {
    const port = await freePort();
    servers.push(await startEchoServer({ port, lifetimeS: 240 }));
    const started = (t: LoadSeries['totals']) => t.requests + t.droppedIterations;
    const pair = async (attempt: number) => {
      const totals: LoadSeries['totals'][] = [];
      let starved = false;
      for (const shards of [1, 2]) {
        const dir = runDir();
        const r = await runLoad({ plan: plan({ rate: 300, durationS: 10, shards }), runId: `shards-${shards}-${attempt}`, runDir: dir, targets: { http: `http://127.0.0.1:${port}/` } });
        const series = expectWitnessAgrees(r);
        expect(r.summaries).toHaveLength(shards);
        expect(series.shards).toBe(shards);
        totals.push(series.totals);
        // k6 says itself when the machine starved it: its output could not push for seconds.
        starved ||= readdirSync(join(dir, 'k6')).some((f) => f.endsWith('.log') && /while flush period is/.test(readFileSync(join(dir, 'k6', f), 'utf8')));
      }
      return { one: totals[0]!, two: totals[1]!, starved };
    };
    // A machine-wide stall (six builds on two cores) makes k6 skip arrivals; compare again once
    // when k6 reported it was starved, since the comparison is about segments, not the CPU.
    let r = await pair(1);
    if (r.starved || started(r.one) < 2985 || started(r.two) < 2985) r = await pair(2);
    // Segments split the arrivals exactly; k6 may not start the last few arrivals when its
    // scheduler runs late at the scenario's end (seen: up to 3 of 3000 on this shared CPU).
    for (const t of [r.one, r.two]) {
      expect(started(t)).toBeGreaterThanOrEqual(2985);
      expect(started(t)).toBeLessThanOrEqual(3000);
    }
    expect(Math.abs(started(r.one) - started(r.two))).toBeLessThanOrEqual(15);
    expect(r.two.failedRequests).toBe(r.one.failedRequests);
  });

  it('stops every k6 process within seconds of an abort and keeps the partial series', async () => {
    const port = await freePort();
    servers.push(await startEchoServer({ port, lifetimeS: 120 }));
    const dir = runDir();
    const abort = new AbortController();
    let abortedAt = 0;
    const onStarted = () => {
      setTimeout(() => {
        abortedAt = Date.now();
        abort.abort();
      }, 5000);
    };
    const r = await runLoad({ plan: plan({ rate: 200, durationS: 30, shards: 2 }), runId: 'abort', runDir: dir, targets: { http: `http://127.0.0.1:${port}/` }, signal: abort.signal, onStarted });
    const returnedAfterMs = Date.now() - abortedAt;
    expect(returnedAfterMs).toBeLessThan(10_000);
    expect(processesOf(dir)).toEqual([]);
    const series = r.series!;
    expect(series.totals.requests).toBeGreaterThan(600);
    expect(series.totals.requests).toBeLessThan(2000);
    expect(series.seconds.length).toBeLessThanOrEqual(8);
    // k6 wrote its summaries on the stop. After an abort its summary may also count the last
    // samples its output no longer pushed, so here the witness agrees within 2 %, not exactly.
    expect(r.summaries).toHaveLength(2);
    const witness = sumSummaries(r.summaries);
    expect(Math.abs(series.totals.requests - witness.requests)).toBeLessThanOrEqual(Math.max(5, witness.requests * 0.02));
    expect(Math.abs(series.totals.checksPassed - witness.checksPassed)).toBeLessThanOrEqual(Math.max(5, witness.checksPassed * 0.02));
    expect(series.seconds.reduce((a, s) => a + s.requests, 0)).toBe(series.totals.requests);
    expect(JSON.parse(readFileSync(r.summaries[0]!.file, 'utf8'))).toHaveProperty('metrics');
  });

  it('calls the gRPC echo service and counts calls by status code', async () => {
    const port = await freePort();
    const grpcPort = await freePort();
    const server = await startEchoServer({ port, grpcPort, grpcFailEvery: 10, lifetimeS: 120 });
    servers.push(server);
    const r = await runLoad({ plan: plan({ grpcRate: 50, durationS: 8 }), runId: 'grpc', runDir: runDir(), targets: { grpc: `127.0.0.1:${grpcPort}` } });
    const series = expectWitnessAgrees(r);
    const counts = (await server.stop())!;
    servers.length = 0;
    expect(series.totals.grpcRequests).toBe(counts.grpcOk + counts.grpcFailed);
    expect(series.totals.grpcRequests).toBeGreaterThan(350);
    const byStatus: Record<string, number> = {};
    for (const s of series.seconds) for (const [code, n] of Object.entries(s.grpc!.byStatus)) byStatus[code] = (byStatus[code] ?? 0) + n;
    expect(byStatus).toEqual({ '0': counts.grpcOk, '13': counts.grpcFailed });
    expect(series.totals.checksFailed).toBe(counts.grpcFailed);
    expect(series.seconds.some((s) => s.grpc!.latencyP99Ms !== null)).toBe(true);
  });

  it('refuses a target that is not on loopback before starting anything', async () => {
    await expect(
      runLoad({ plan: plan({ rate: 10 }), runId: 'refuse', runDir: runDir(), targets: { http: 'http://192.0.2.10:8080/' } }),
    ).rejects.toThrow(/targets\.http target 'http:\/\/192\.0\.2\.10:8080\/' is not on loopback/);
  });
});
