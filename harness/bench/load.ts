// npm run bench -- load [--seconds S] [--rounds N] [--vus N]
// Max sustained request rate of raw k6 (no output) vs k6 under the harness (remote write into
// the run's Prometheus + per-second readback), same entry script, same closed model, against a
// private nginx `return 200` on 127.0.0.1. Prints the ratio and the ingestion/readback costs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Bench } from './types.ts';
import { UsageError } from '../base/errors.ts';
import { ensureK6 } from '../tools/k6.ts';
import { startNginx } from '../tools/nginx.ts';
import type { PromSample, RunningPrometheus } from '../tools/prometheus.ts';
import { runLoad } from '../load/index.ts';
import { buildLoadSeries, seriesQueries, type SeriesQueryName } from '../load/series.ts';
import { loadOnlyPlan } from '../load/load-only-plan.ts';
import { planToShape } from '../load/shape.ts';
import { resume, startShard, waitPaused } from '../load/shard.ts';
import { readShardSummary } from '../load/summary.ts';

/** Counters Prometheus exposes about itself: CPU seconds and samples appended to its head. */
async function promSelf(prom: RunningPrometheus): Promise<{ cpuS: number; appended: number }> {
  const text = await (await fetch(`${prom.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  let cpuS = 0;
  let appended = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('process_cpu_seconds_total ')) cpuS = Number(line.split(' ')[1]);
    if (line.startsWith('prometheus_tsdb_head_samples_appended_total')) appended += Number(line.split(' ').pop());
  }
  return { cpuS, appended };
}

/** node:util parseArgs, its complaints (unknown flag, missing value) as usage errors (exit 2). */
function benchFlags(args: string[]) {
  try {
    return parseArgs({ args, options: { seconds: { type: 'string' }, rounds: { type: 'string' }, vus: { type: 'string' } } });
  } catch (err) {
    throw new UsageError(`bench load: ${(err as Error).message.split('\n')[0]!}`);
  }
}

function intFlag(v: string | undefined, flag: string, fallback: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag}: '${v}' must be a whole number 1..${max}`);
  return n;
}

const bench: Bench = {
  description: 'max sustained req/s: raw k6 (no output) vs k6 under the harness (remote write + readback), nginx on 127.0.0.1',
  usage: 'usage: npm run bench -- load [--seconds S (≤15, default 12)] [--rounds N (≤3, default 2)] [--vus N (≤200, default 20)]',
  async run(args, print) {
    const { values } = benchFlags(args);
    const seconds = intFlag(values.seconds, '--seconds', 12, 15);
    const rounds = intFlag(values.rounds, '--rounds', 2, 3);
    const vus = intFlag(values.vus, '--vus', 20, 200);
    const dir = mkdtempSync(join(tmpdir(), 'kch-bench-load-'));
    const k6 = await ensureK6((l) => print(l));
    const nginx = await startNginx({ dir: join(dir, 'nginx'), lifetimeS: 60 + rounds * 2 * (seconds + 60) });
    print(`target ${nginx.url} (nginx-light, 2 workers, return 200); ${vus} VUs closed loop, ${seconds} s per side, ${rounds} round(s)`);
    const raw: number[] = [];
    const harnessed: number[] = [];
    const ingest: { requests: number; cpuS: number; appended: number }[] = [];
    const readback: { points: number; ms: number; cpuMs: number; promCpuS: number }[] = [];
    try {
      const plan = loadOnlyPlan({ rate: 1, durationS: seconds, rampS: 0, wsSessions: 0, wsMessagesPerSecond: 0, grpcRate: 0, shards: 1, timeoutS: 5, outDir: dir });
      for (let round = 1; round <= rounds; round++) {
        // Raw k6: the same entry script and shape, no output at all.
        const rawDir = join(dir, `raw-${round}`);
        const shape = planToShape(plan, { http: nginx.url }, `raw-${round}`);
        shape.http!.closedVUs = vus;
        const shard = await startShard({ k6, index: 0, segment: null, shape, testId: `raw-${round}`, writeUrl: null, dir: rawDir, lifetimeS: seconds + 120 });
        await waitPaused(shard, Date.now() + 120_000);
        await resume(shard);
        await shard.done;
        const rawReqs = readShardSummary(shard.summaryFile, 0).requests;
        raw.push(rawReqs / seconds);

        // Under the harness: Prometheus, remote write every second, per-second readback.
        let before = { cpuS: 0, appended: 0 };
        let after = { cpuS: 0, appended: 0 };
        const r = await runLoad({
          plan,
          runId: `harness-${round}`,
          runDir: join(dir, `harness-${round}`),
          targets: { http: nginx.url },
          closedVUs: vus,
          observePrometheus: {
            started: async (prom) => void (before = await promSelf(prom)),
            beforeStop: async (prom, t0) => {
              after = await promSelf(prom);
              if (t0 === null) return;
              // Time the readback again, alone, to cost it: the same range queries and mapping.
              const cpu0 = process.cpuUsage();
              const wall0 = Date.now();
              const queries = seriesQueries(`harness-${round}`);
              const results: Partial<Record<SeriesQueryName, PromSample[]>> = {};
              let points = 0;
              const startS = t0 / 1000 + 1;
              for (const name of Object.keys(queries) as SeriesQueryName[]) {
                results[name] = await prom.queryRange(queries[name], startS, startS + seconds, 1);
                points += results[name]!.reduce((a, x) => a + (x.values?.length ?? 0) + (x.histograms?.length ?? 0), 0);
              }
              buildLoadSeries({ testId: `harness-${round}`, shards: 1, loadStartedAt: t0, seconds: seconds + 1, stages: [], ws: false, grpc: false, results });
              const cpu = process.cpuUsage(cpu0);
              const promAfter = await promSelf(prom);
              readback.push({ points, ms: Date.now() - wall0, cpuMs: (cpu.user + cpu.system) / 1000, promCpuS: promAfter.cpuS - after.cpuS });
            },
          },
        });
        const reqs = r.series?.totals.requests ?? 0;
        harnessed.push(reqs / seconds);
        ingest.push({ requests: reqs, cpuS: after.cpuS - before.cpuS, appended: after.appended - before.appended });
        print(`round ${round}: raw k6 ${Math.round(raw.at(-1)!).toLocaleString('en')} req/s   harness ${Math.round(harnessed.at(-1)!).toLocaleString('en')} req/s   (witness ${r.summaries[0]?.requests === reqs ? 'agrees' : 'DISAGREES'})`);
      }
    } finally {
      await nginx.stop();
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const ratio = mean(harnessed) / mean(raw);
    const totalCpu = ingest.reduce((a, b) => a + b.cpuS, 0);
    const totalReqs = ingest.reduce((a, b) => a + b.requests, 0);
    const totalSamples = ingest.reduce((a, b) => a + b.appended, 0);
    print('');
    print(`raw k6 (no output)         ${mean(raw).toFixed(0)} req/s (mean of ${rounds})`);
    print(`k6 under the harness       ${mean(harnessed).toFixed(0)} req/s`);
    print(`ratio harness/raw          ${ratio.toFixed(3)} (goal >= 0.95)`);
    print(
      `ingestion (Prometheus)     ${totalSamples.toLocaleString('en')} samples appended, ${totalCpu.toFixed(2)} CPU s over ${rounds * seconds} s of load: ` +
        `${totalCpu > 0 ? Math.round(totalSamples / totalCpu).toLocaleString('en') : 'n/a'} samples/s per core; ` +
        `${totalCpu > 0 ? Math.round(totalReqs / totalCpu).toLocaleString('en') : 'n/a'} requests represented per CPU second; ` +
        `${((100 * totalCpu) / (rounds * seconds)).toFixed(1)} % of one core while loaded`,
    );
    // k6 aggregates every sample of a push interval into one point per series, so Prometheus's
    // work grows with the number of series (tags), not with the request rate: at 100k req/s it
    // ingests the same few dozen series per second, i.e. at most this much per core.
    print(`  at 100k req/s (linear, an upper bound: series do not grow with rate) ${totalReqs > 0 ? ((100_000 * totalCpu) / totalReqs).toFixed(3) : 'n/a'} cores`);
    for (const [i, b] of readback.entries()) {
      const cpuS = b.cpuMs / 1000 + b.promCpuS;
      print(
        `readback round ${i + 1}         ${b.points} points (${Object.keys(seriesQueries('x')).length} range queries, step 1 s) in ${b.ms} ms wall, ${b.cpuMs.toFixed(0)} ms Node CPU + ${(b.promCpuS * 1000).toFixed(0)} ms Prometheus CPU: ` +
          `${cpuS > 0 ? Math.round(b.points / cpuS).toLocaleString('en') : 'n/a'} samples/s per core`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
    return 0;
  },
};

export default bench;
