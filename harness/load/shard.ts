// One k6 process = one shard: all streams of the plan as k6 scenarios, its execution segment,
// remote write into the run's Prometheus, its summary export in the run folder. It starts
// paused behind k6's REST API on a loopback port, so every shard begins at the same instant.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exec, toolEnv, type ExecResult } from '../base/exec.ts';
import { freePort } from '../base/free-port.ts';
import { SHAPE_ENV, type LoadShape } from '../../scenarios/k6/shape.ts';
import type { ShardSegment } from './segments.ts';

export const K6_ENTRY_SCRIPT = fileURLToPath(new URL('../../scenarios/k6/main.ts', import.meta.url));

export interface ShardOptions {
  k6: string;
  index: number;
  segment: ShardSegment | null;
  shape: LoadShape;
  testId: string;
  /** Prometheus remote-write URL, or null for no output at all (the benchmark's raw k6). */
  writeUrl: string | null;
  /** Folder for the summary export and the log. */
  dir: string;
  /** Hard limit on the process's life (s), enforced by `timeout` even if Node dies. */
  lifetimeS: number;
  script?: string;
}

export interface ShardProcess {
  index: number;
  summaryFile: string;
  logFile: string;
  apiUrl: string;
  /** Resolves (never rejects) when the process exited. */
  done: Promise<ExecResult | Error>;
  exitedAt(): number | null;
  /** SIGTERM (k6 stops gracefully, writes its summary, flushes its output); SIGKILL 3 s later. */
  stop(): void;
}

export async function startShard(opts: ShardOptions): Promise<ShardProcess> {
  mkdirSync(opts.dir, { recursive: true });
  const port = await freePort();
  const summaryFile = join(opts.dir, `shard-${opts.index}.summary.json`);
  const logFile = join(opts.dir, `shard-${opts.index}.log`);
  const args = [
    // --foreground: without it `timeout` signals its whole process group too, k6 sees two
    // SIGTERMs and aborts hard without writing its summary.
    '--foreground', '-k', '3', `${Math.ceil(opts.lifetimeS)}s`, opts.k6, 'run',
    '--quiet', '--no-usage-report', '--paused',
    '--address', `127.0.0.1:${port}`,
    '--tag', `testid=${opts.testId}`, '--tag', `shard=${opts.index}`,
    '--summary-export', summaryFile,
  ];
  if (opts.writeUrl) args.push('-o', 'experimental-prometheus-rw');
  if (opts.segment) args.push('--execution-segment', opts.segment.segment, '--execution-segment-sequence', opts.segment.sequence);
  args.push(opts.script ?? K6_ENTRY_SCRIPT);
  const env = toolEnv({
    [SHAPE_ENV]: JSON.stringify(opts.shape),
    K6_NO_USAGE_REPORT: 'true',
    ...(opts.writeUrl
      ? {
          K6_PROMETHEUS_RW_SERVER_URL: opts.writeUrl,
          K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM: 'true',
          K6_PROMETHEUS_RW_PUSH_INTERVAL: '1s',
        }
      : {}),
  });
  // Stopped by its own stopper only (the load stops shards on abort): a second SIGTERM from the step's signal would cost the summary.
  const stopper = new AbortController();
  let exitedAt: number | null = null;
  const done = exec('timeout', args, { timeoutMs: (opts.lifetimeS + 10) * 1000, env, signal: stopper.signal, nothrow: true, outlivesStep: true }).then(
    (r) => {
      exitedAt = Date.now();
      writeLog(logFile, `# exit ${r.code ?? r.signal} after ${r.ms} ms\n# stdout\n${r.stdout}\n# stderr\n${r.stderr}`);
      return r;
    },
    (e: unknown) => {
      exitedAt = Date.now();
      const err = e instanceof Error ? e : new Error(String(e));
      writeLog(logFile, `# failed: ${err.message}\n`);
      return err;
    },
  );
  return {
    index: opts.index,
    summaryFile,
    logFile,
    apiUrl: `http://127.0.0.1:${port}`,
    done,
    exitedAt: () => exitedAt,
    stop: () => stopper.abort(),
  };
}

// The log is a convenience; losing it (run folder deleted meanwhile) must not crash the run.
function writeLog(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch {
    /* ignored on purpose */
  }
}

interface K6Status {
  status: number;
  paused: boolean;
  running: boolean;
}

// k6's lib.ExecutionStatus: 4 = PausedBeforeRun (VUs initialised, waiting for the resume).
const PAUSED_BEFORE_RUN = 4;

async function status(shard: ShardProcess): Promise<K6Status | null> {
  try {
    const res = await fetch(`${shard.apiUrl}/v1/status`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return null;
    return ((await res.json()) as { data: { attributes: K6Status } }).data.attributes;
  } catch {
    return null;
  }
}

/** Wait until the shard has initialised its VUs and sits paused; throws if it exits or the deadline passes. */
export async function waitPaused(shard: ShardProcess, deadlineMs: number, signal?: AbortSignal): Promise<void> {
  let exited: ExecResult | Error | null = null;
  void shard.done.then((r) => (exited = r));
  for (;;) {
    if (signal?.aborted) throw new Error('aborted while k6 shards were starting');
    if (exited) {
      const e = exited as ExecResult | Error;
      const why = e instanceof Error ? e.message : `exited ${e.code ?? e.signal}: ${(e.stderr || e.stdout).trim().split('\n').slice(-8).join('\n')}`;
      throw new Error(`k6 shard ${shard.index} ended before the load started (${why}); log: ${shard.logFile}`);
    }
    const s = await status(shard);
    if (s && s.status === PAUSED_BEFORE_RUN) return;
    if (Date.now() > deadlineMs) throw new Error(`k6 shard ${shard.index} not ready (paused before run) in time; log: ${shard.logFile}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function resume(shard: ShardProcess): Promise<void> {
  const res = await fetch(`${shard.apiUrl}/v1/status`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ data: { type: 'status', id: 'default', attributes: { paused: false } } }),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`k6 shard ${shard.index}: resume answered HTTP ${res.status}: ${await res.text()}`);
}
