// npm run load -- --target URL --rate R --duration D [--ramp S] [--ws N] [--ws-target URL]
//   [--ws-mps M] [--grpc ADDR] [--grpc-rate R] [--shards N] [--timeout S] [--out DIR]
// Drives an existing endpoint on loopback with real k6, without a cluster, and writes the same
// run folder as a full run: runs/<id>/timeline.json, k6 shard summaries, Prometheus data.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { EXIT, runCli, UsageError } from './usage.ts';
import { runLoad } from '../load/index.ts';
import { loadOnlyPlan } from '../load/load-only-plan.ts';
import { assertLoopbackTargets } from '../load/loopback.ts';
import { formatLoadSummary } from '../load/report-text.ts';
import { TIMELINE_SCHEMA, type Timeline } from '../timeline/types.ts';
import { STOP_SIGNALS } from '../run/interrupts.ts';

/** "90", "90s", "2m", "1m30s" -> seconds. */
export function parseDurationS(text: string, flag: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s?)?$/.exec(text.trim());
  const s = m && (m[1] || m[2]) ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : NaN;
  if (!Number.isFinite(s) || s <= 0) throw new UsageError(`${flag}: '${text}' is not a duration (e.g. 30, 30s, 2m, 1m30s)`);
  return s;
}

function count(text: string | undefined, flag: string, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || v < min) throw new UsageError(`${flag}: '${text}' is not a number >= ${min}`);
  return v;
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `load-${stamp}-${randomBytes(2).toString('hex')}`;
}

const FLAGS = {
  target: { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  ramp: { type: 'string' },
  ws: { type: 'string' },
  'ws-target': { type: 'string' },
  'ws-mps': { type: 'string' },
  grpc: { type: 'string' },
  'grpc-rate': { type: 'string' },
  shards: { type: 'string' },
  timeout: { type: 'string' },
  out: { type: 'string' },
} as const;

/** node:util parseArgs, with its complaints (unknown flag, missing value) as usage errors. */
function parseFlags() {
  try {
    return parseArgs({ options: FLAGS });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
}

async function main(): Promise<number> {
  const { values } = parseFlags();
  if (!values.duration) throw new UsageError('--duration is required (e.g. --duration 30s)');
  const durationS = parseDurationS(values.duration, '--duration');
  const rampS = values.ramp ? parseDurationS(values.ramp, '--ramp') : 0;
  if (rampS >= durationS) throw new UsageError(`--ramp ${rampS}s must be shorter than --duration ${durationS}s`);
  const rate = count(values.rate, '--rate', 0);
  const wsSessions = count(values.ws, '--ws', 0);
  const grpcRate = values.grpc ? count(values['grpc-rate'], '--grpc-rate', rate > 0 ? rate : 100, 1) : 0;
  if (rate > 0 && !values.target) throw new UsageError('--rate needs --target URL (e.g. --target http://127.0.0.1:8080/)');
  if (rate === 0 && wsSessions === 0 && grpcRate === 0) throw new UsageError('nothing to do: give --rate with --target, --ws N, or --grpc ADDR');
  let wsTarget = values['ws-target'];
  if (wsSessions > 0 && !wsTarget) {
    if (!values.target) throw new UsageError('--ws needs --ws-target URL or --target to derive it from');
    const u = new URL(values.target);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    wsTarget = u.toString();
  }
  const targets = { http: rate > 0 ? values.target : undefined, ws: wsSessions > 0 ? wsTarget : undefined, grpc: values.grpc };
  try {
    assertLoopbackTargets({ '--target': targets.http, '--ws-target': targets.ws, '--grpc': targets.grpc });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const shards = count(values.shards, '--shards', 1, 1);
  if (!Number.isInteger(shards)) throw new UsageError(`--shards: '${values.shards}' is not a whole number`);
  const outDir = resolve(values.out ?? 'runs');
  const runId = newRunId();
  const runDir = join(outDir, runId);
  mkdirSync(runDir, { recursive: true });
  const plan = loadOnlyPlan({
    rate,
    durationS,
    rampS,
    wsSessions,
    wsMessagesPerSecond: count(values['ws-mps'], '--ws-mps', 1),
    grpcRate,
    shards,
    timeoutS: count(values.timeout, '--timeout', 10, 1),
    outDir,
  });
  writeFileSync(join(runDir, 'plan.json'), JSON.stringify(plan, null, 2));

  // SIGINT and SIGTERM alike: the first stops k6 gracefully, the second meets Node's default.
  const stop = new AbortController();
  let stoppedBy = '';
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\n${sig}: stopping k6 (again to force)\n`);
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    stoppedBy = sig;
    stop.abort();
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  const startedAt = Date.now();
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  let loadStep: Timeline['steps'][number];
  let result: Awaited<ReturnType<typeof runLoad>> | null = null;
  try {
    result = await runLoad({ plan, runId, runDir, targets, signal: stop.signal, progress });
    loadStep = { name: 'load', startedAt, endedAt: Date.now(), outcome: stop.signal.aborted ? 'interrupted' : 'ok' };
  } catch (err) {
    loadStep = { name: 'load', startedAt, endedAt: Date.now(), outcome: 'failed', error: (err as Error).message };
    throw err;
  } finally {
    STOP_SIGNALS.forEach((s) => process.off(s, onSignal));
    const timeline: Timeline = {
      schema: TIMELINE_SCHEMA,
      runId,
      plan,
      startedAt,
      loadStartedAt: result?.loadStartedAt ?? null,
      endedAt: Date.now(),
      load: result?.series ?? null,
      chaos: [],
      kube: [],
      witnesses: { k6Summaries: result?.summaries ?? [] },
      steps: [loadStep!],
      interrupted: stop.signal.aborted ? { at: Date.now(), reason: stoppedBy } : null,
    };
    writeFileSync(join(runDir, 'timeline.json'), JSON.stringify(timeline, null, 2));
  }
  process.stdout.write(`${formatLoadSummary(result.series, result.summaries, result.runLatencyMs, runDir)}\n`);
  return stop.signal.aborted ? EXIT.infrastructure : EXIT.pass;
}

// Run only as the entry point, so tests can import the pure parts.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void runCli(main);
