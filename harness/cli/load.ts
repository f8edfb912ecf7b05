// npm run load -- --target URL --rate R --duration D [--ramp S] [--ws N] [--ws-target URL]
//   [--ws-mps M] [--grpc ADDR] [--grpc-rate R] [--shards N] [--timeout S] [--out DIR]
// Drives an existing endpoint on loopback with real k6, without a cluster, and writes the same
// run folder as a full run: runs/<id>/timeline.json, k6 shard summaries, Prometheus data.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { helpText, parseFlags, type FlagSpecs } from './args.ts';
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

export const LOAD_FLAGS = {
  target: { type: 'string', value: '<url>', help: 'HTTP target on loopback (e.g. http://127.0.0.1:8080/)' },
  rate: { type: 'string', value: '<req/s>', help: 'HTTP request rate (needs --target)' },
  duration: { type: 'string', value: '<s>', help: 'load duration (30, 30s, 2m, 1m30s); required' },
  ramp: { type: 'string', value: '<s>', help: 'ramp-up time, shorter than --duration (default 0)' },
  ws: { type: 'string', value: '<n>', help: 'WebSocket sessions to hold' },
  'ws-target': { type: 'string', value: '<url>', help: 'WebSocket target (default: --target as ws://)' },
  'ws-mps': { type: 'string', value: '<n>', help: 'messages per second per WebSocket session (default 1)' },
  grpc: { type: 'string', value: '<addr>', help: 'gRPC target address on loopback' },
  'grpc-rate': { type: 'string', value: '<req/s>', help: 'gRPC request rate (default --rate, else 100)' },
  shards: { type: 'string', value: '<n>', help: 'k6 processes (execution segments; default 1)' },
  timeout: { type: 'string', value: '<s>', help: 'per-request timeout (default 10)' },
  out: { type: 'string', value: '<dir>', help: 'run folder parent (default: runs/)' },
  help: { type: 'boolean', short: 'h', help: 'this text' },
} satisfies FlagSpecs;

const USAGE = `usage: npm run load -- --target URL --rate R --duration D [<flags>]

Drives an existing endpoint on loopback with real k6, without a cluster; writes runs/<id>/.`;

export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, LOAD_FLAGS);
  if (values.help) {
    process.stdout.write(helpText(USAGE, LOAD_FLAGS));
    return EXIT.pass;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'; load takes flags only (see --help)`);
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
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runCli(() => main(process.argv.slice(2)));
