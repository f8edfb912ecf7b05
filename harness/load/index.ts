// The load engine's one entry: run a plan's streams on real k6 (one process per shard), collect
// into the run's Prometheus, read back one per-second series, keep k6's summaries as witness.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../plan/types.ts';
import type { K6ShardExit, K6ShardSummary, LoadSeries } from '../timeline/types.ts';
import { ensureK6 } from '../tools/k6.ts';
import { startPrometheus, type RunningPrometheus } from '../tools/prometheus.ts';
import { stagesDurationS, type LoadShape } from '../../scenarios/k6/shape.ts';
import { assertLoopbackTargets } from './loopback.ts';
import { executionSegments } from './segments.ts';
import { buildLoadSeries, seriesQueries, type SeriesQueryName } from './series.ts';
import { planToShape, type LoadTargets } from './shape.ts';
import { resume, startShard, waitPaused, type ShardProcess } from './shard.ts';
import type { ExecResult } from '../base/exec.ts';
import { readShardSummary } from './summary.ts';
import type { PromSample } from '../tools/prometheus.ts';

export { mapFailureCause } from './failure-cause.ts';
export { sumSummaries } from './summary.ts';
export type { LoadTargets } from './shape.ts';

export interface RunLoadOptions {
  plan: Plan;
  runId: string;
  runDir: string;
  targets: LoadTargets;
  signal?: AbortSignal;
  progress?: (line: string) => void;
  onStarted?: (loadStartedAt: number) => void;
  /** Non-loopback hosts the caller vouches for (pods of a cluster the harness manages). */
  allowedHosts?: string[];
  /** Seconds between progress lines (default 5). */
  progressEveryS?: number;
  /** Benchmarks: a closed model of this many VUs for the HTTP stream instead of its arrival rate. */
  closedVUs?: number;
  /** Benchmarks: look at the run's Prometheus right after it started and before it stops. */
  observePrometheus?: { started(prom: RunningPrometheus): Promise<void>; beforeStop(prom: RunningPrometheus, loadStartedAt: number | null): Promise<void> };
}

export interface RunLoadResult {
  series: LoadSeries | null;
  summaries: K6ShardSummary[];
  /** How each shard's k6 ended (the timeline keeps it: a shard that failed fails the load step). */
  exits: K6ShardExit[];
  /** Shards that exited non-zero or left no summary, one sentence each; empty when all is well. */
  shardProblems: string[];
  loadStartedAt: number | null;
  /** Whole-run HTTP latency quantiles (ms) from the cumulative native histogram; null without requests. */
  runLatencyMs: { p50: number; p95: number; p99: number } | null;
}

/** Seconds from load start to the end of the last stream. */
export function shapeEndS(shape: LoadShape): number {
  const ends = [shape.http, shape.grpc, shape.ws].filter((s) => s !== null).map((s) => s!.startS + stagesDurationS(s!.stages));
  return Math.max(0, ...ends);
}

const STARTUP_BUDGET_S = 120;

export async function runLoad(opts: RunLoadOptions): Promise<RunLoadResult> {
  const progress = opts.progress ?? (() => undefined);
  assertLoopbackTargets({ 'targets.http': opts.targets.http, 'targets.ws': opts.targets.ws, 'targets.grpc': opts.targets.grpc }, opts.allowedHosts);
  const shape = planToShape(opts.plan, opts.targets, opts.runId);
  if (opts.closedVUs && shape.http) shape.http.closedVUs = opts.closedVUs;
  const shards = Math.max(1, opts.plan.shards);
  const endS = shapeEndS(shape);
  const lifetimeS = STARTUP_BUDGET_S + endS + opts.plan.load.timeoutS + 30;
  const k6 = await ensureK6(progress);
  const k6Dir = join(opts.runDir, 'k6');
  mkdirSync(k6Dir, { recursive: true });

  const prom = await startPrometheus({ dir: join(opts.runDir, 'prometheus'), lifetimeS: lifetimeS + 120 });
  const running: ShardProcess[] = [];
  let loadStartedAt: number | null = null;
  const stopAll = () => running.forEach((s) => s.stop());
  const onAbort = () => {
    progress('load: stopping k6 shards (abort)');
    stopAll();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let ticker: NodeJS.Timeout | undefined;
  try {
    await opts.observePrometheus?.started(prom);
    if (opts.signal?.aborted) throw new Error('load aborted before it started');
    const segments = executionSegments(shards);
    progress(`load: starting ${shards} k6 shard(s), Prometheus at ${prom.url}, run folder ${opts.runDir}`);
    for (let i = 0; i < shards; i++) {
      running.push(await startShard({ k6, index: i, segment: segments[i]!, shape, testId: opts.runId, writeUrl: prom.writeUrl, dir: k6Dir, lifetimeS }));
    }
    const readyBy = Date.now() + STARTUP_BUDGET_S * 1000;
    try {
      await Promise.all(running.map((s) => waitPaused(s, readyBy, opts.signal)));
      await Promise.all(running.map((s) => resume(s)));
      loadStartedAt = Date.now();
    } catch (err) {
      stopAll();
      await Promise.all(running.map((s) => s.done));
      if (opts.signal?.aborted) {
        const results = await Promise.all(running.map((s) => s.done));
        return { series: null, summaries: collectSummaries(running, progress), exits: shardExits(running, results), shardProblems: [], loadStartedAt: null, runLatencyMs: null };
      }
      throw err;
    }
    opts.onStarted?.(loadStartedAt);
    progress(`load: started at ${new Date(loadStartedAt).toISOString()}, ${endS} s planned`);
    ticker = reportProgress(prom, opts.runId, loadStartedAt, endS, progress, opts.progressEveryS ?? 5);
    const results = await Promise.all(running.map((s) => s.done));
    clearInterval(ticker);
    const exits = shardExits(running, results);
    const endedAt = Math.max(...running.map((s) => s.exitedAt() ?? Date.now()));
    // A failed readback must not lose the witnesses: report it and return what k6 wrote.
    const series = await readLoadSeries(prom, {
      testId: opts.runId,
      shards,
      loadStartedAt,
      endedAt,
      stages: (opts.plan.load.http ?? opts.plan.load.grpc ?? opts.plan.load.ws)?.stages ?? [],
      ws: shape.ws !== null,
      grpc: shape.grpc !== null,
    }).catch((err: unknown) => {
      progress(`load: reading the series back from Prometheus failed: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    });
    const runLatencyMs = series ? await readRunLatency(prom, opts.runId, endedAt).catch(() => null) : null;
    const summaries = collectSummaries(running, progress);
    // A shard stopped by the abort is the interruption's doing, not a shard failure.
    const shardProblems = opts.signal?.aborted ? [] : shardProblemsOf(exits, summaries, shards);
    for (const p of shardProblems) progress(`load: ${p}`);
    return { series, summaries, exits, shardProblems, loadStartedAt, runLatencyMs };
  } finally {
    if (ticker) clearInterval(ticker);
    opts.signal?.removeEventListener('abort', onAbort);
    stopAll();
    await Promise.all(running.map((s) => s.done));
    await opts.observePrometheus?.beforeStop(prom, loadStartedAt).catch((e: unknown) => progress(`load: observer failed: ${String(e)}`));
    await prom.stop();
  }
}

function shardExits(shards: ShardProcess[], results: (ExecResult | Error)[]): K6ShardExit[] {
  return shards.map((s, i) => {
    const r = results[i]!;
    return r instanceof Error
      ? { shard: s.index, code: null, signal: null, error: r.message, logFile: s.logFile }
      : { shard: s.index, code: r.code, signal: r.signal, logFile: s.logFile };
  });
}

/** Every shard must exit 0 and leave its summary; says which did not, and how. */
export function shardProblemsOf(exits: K6ShardExit[], summaries: K6ShardSummary[], shards: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < shards; i++) {
    const e = exits.find((x) => x.shard === i);
    const why: string[] = [];
    if (!e) why.push('never started');
    else if (e.error) why.push(`failed: ${e.error}`);
    else if (e.code !== 0) why.push(e.code === 124 ? 'was stopped by its lifetime limit (exit 124)' : `exited ${e.code ?? `by signal ${e.signal}`}`);
    if (!summaries.some((s) => s.shard === i)) why.push('left no --summary-export');
    if (why.length) out.push(`k6 shard ${i} ${why.join(' and ')}${e?.logFile ? ` (log: ${e.logFile})` : ''}`);
  }
  return out;
}

function collectSummaries(shards: ShardProcess[], progress: (line: string) => void): K6ShardSummary[] {
  const out: K6ShardSummary[] = [];
  for (const s of shards) {
    if (!existsSync(s.summaryFile)) {
      progress(`load: shard ${s.index} left no summary (${s.summaryFile}); it was killed before writing it`);
      continue;
    }
    out.push(readShardSummary(s.summaryFile, s.index));
  }
  return out;
}

export interface ReadSeriesOptions {
  testId: string;
  shards: number;
  loadStartedAt: number;
  endedAt: number;
  stages: readonly { name: string; startS: number; endS: number }[];
  ws: boolean;
  grpc: boolean;
}

/** Range queries (step 1 s) for every series, then the pure mapping. */
export async function readLoadSeries(prom: RunningPrometheus, o: ReadSeriesOptions): Promise<LoadSeries> {
  const seconds = Math.max(1, Math.ceil((o.endedAt - o.loadStartedAt) / 1000));
  const startS = o.loadStartedAt / 1000 + 1;
  const endS = o.loadStartedAt / 1000 + seconds;
  const queries = seriesQueries(o.testId);
  const results: Partial<Record<SeriesQueryName, PromSample[]>> = {};
  await Promise.all(
    (Object.keys(queries) as SeriesQueryName[]).map(async (name) => {
      results[name] = await prom.queryRange(queries[name], startS, endS, 1);
    }),
  );
  return buildLoadSeries({ testId: o.testId, shards: o.shards, loadStartedAt: o.loadStartedAt, seconds, stages: o.stages, ws: o.ws, grpc: o.grpc, results });
}

/** Quantiles of the whole run: k6's native histograms are cumulative, so the last value is the run. */
export async function readRunLatency(prom: RunningPrometheus, testId: string, atMs: number): Promise<{ p50: number; p95: number; p99: number } | null> {
  const q = async (quantile: number) => {
    const r = await prom.query(`histogram_quantile(${quantile}, sum(k6_http_req_duration_seconds{testid="${testId}", expected_response="true"}))`, atMs / 1000 + 1);
    const v = Number(r[0]?.value[1]);
    return Number.isFinite(v) ? Math.round(v * 1e6) / 1e3 : null;
  };
  const [p50, p95, p99] = await Promise.all([q(0.5), q(0.95), q(0.99)]);
  return p50 === null || p95 === null || p99 === null ? null : { p50, p95, p99 };
}

/** A progress line every few seconds: elapsed of planned, the rate since the last line, requests so far (`where` says whose). */
export function reportProgress(prom: Pick<RunningPrometheus, 'query'>, testId: string, startedAt: number, plannedS: number, progress: (line: string) => void, everyS: number, where = ''): NodeJS.Timeout {
  let last: { at: number; count: number } | null = null;
  const sel = `{testid="${testId}"}`;
  return setInterval(() => {
    void Promise.all([
      prom.query(`(sum(k6_http_reqs_total${sel}) or vector(0)) + (sum(k6_grpc_reqs_total${sel}) or vector(0))`),
      // sessions k6 holds now (no series in a run without WebSockets: nothing printed)
      prom.query(`sum(k6_ws_attempts_total${sel}) - (sum(k6_ws_attempts_ended_total${sel}) or vector(0))`),
    ])
      .then(([r, ws]) => {
        const count = Number(r[0]?.value[1] ?? 0);
        const now = Date.now();
        const rate = last ? (count - last.count) / ((now - last.at) / 1000) : count / ((now - startedAt) / 1000);
        last = { at: now, count };
        const elapsed = Math.round((now - startedAt) / 1000);
        const sessions = ws[0] ? `  ${Number(ws[0].value[1]).toLocaleString('en')} WS sessions` : '';
        progress(`load: ${elapsed}/${plannedS} s  ${Math.round(rate).toLocaleString('en')} req/s  ${count.toLocaleString('en')} requests so far${sessions}${where}`);
      })
      .catch(() => undefined);
  }, everyS * 1000);
}
