// Every shell-out is bounded and its failure names the command with its stderr tail.
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import { binDir } from './cache.ts';

export interface ExecOptions {
  /** Kill after this many ms (SIGTERM, then SIGKILL 5 s later). Required: nothing runs unbounded. */
  timeoutMs: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  signal?: AbortSignal;
  /** Not stopped by the step's signal (withStepSignal): a service whose own stopper ends it, read after an interrupt. */
  outlivesStep?: boolean;
  /** Called with each line of stdout/stderr (progress). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Do not throw on non-zero exit. */
  nothrow?: boolean;
}

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export class ExecError extends Error {
  constructor(
    readonly command: string,
    readonly result: ExecResult,
    why: string,
  ) {
    super(`${command}: ${why}\n${tail(result.stderr || result.stdout, 20)}`);
    this.name = 'ExecError';
  }
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Every process the harness starts carries who started it, so `npm run cleanup` can stop exactly
 * its own k6 and Prometheus (read from /proc/<pid>/environ), never a stranger's by name:
 *   KCH_OWNER         run:<run id> | test:<session> | pid:<harness pid>
 *   KCH_OWNER_PID     the harness process that started it (gone: the process is an orphan)
 *   KCH_TEST_SESSION  set by scripts/test.sh and inherited by everything a test starts
 */
export const OWNER_ENV = 'KCH_OWNER';
export const OWNER_PID_ENV = 'KCH_OWNER_PID';
export const TEST_SESSION_ENV = 'KCH_TEST_SESSION';

let runOwner: string | null = null;

/** The run this process is carrying out (its id labels every process it starts from now on). */
export function setRunOwner(runId: string | null): void {
  runOwner = runId;
}

/** Owner label for what this process starts: its run, else an inherited owner, else its test session. */
export function processOwner(env: NodeJS.ProcessEnv = process.env): string {
  if (runOwner) return `run:${runOwner}`;
  if (env[OWNER_ENV]) return env[OWNER_ENV]!;
  if (env[TEST_SESSION_ENV]) return `test:${env[TEST_SESSION_ENV]}`;
  return `pid:${process.pid}`;
}

/** The owner labels for a child started outside exec() (a long-lived service): cleanup finds it by them. */
export function ownerEnv(): NodeJS.ProcessEnv {
  return { [OWNER_ENV]: processOwner(), [OWNER_PID_ENV]: String(process.pid) };
}

/** PATH with the tool cache first, so cached k6/kind/kubectl win over nothing. */
export function toolEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${binDir()}:${process.env.PATH ?? ''}`, ...extra };
}

/** The abort signal of the step being run, seen by every exec() below it however deep. */
const stepSignal = new AsyncLocalStorage<AbortSignal>();

/**
 * Run `fn` with `signal` as the abort signal of every exec() inside it (a run's step): an
 * interrupt then stops a node-image build, a go install or an image load at once, without each
 * layer passing a signal down. A child started after the signal fired (cleanup after an
 * interrupt) runs to its own bound, as with an explicit signal.
 */
export function withStepSignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  return stepSignal.run(signal, fn);
}

export function exec(cmd: string, args: string[], opts: ExecOptions): Promise<ExecResult> {
  const started = Date.now();
  const shown = [cmd, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...(opts.env ?? toolEnv()), ...ownerEnv() },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const feed = (stream: 'stdout' | 'stderr') => {
      let partial = '';
      return (chunk: Buffer) => {
        const s = chunk.toString();
        if (stream === 'stdout') stdout += s;
        else stderr += s;
        if (!opts.onLine) return;
        const parts = (partial + s).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) opts.onLine(line, stream);
      };
    };
    child.stdout.on('data', feed('stdout'));
    child.stderr.on('data', feed('stderr'));
    const kill = () => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, opts.timeoutMs);
    const signals = [opts.signal, opts.outlivesStep ? undefined : stepSignal.getStore()].filter((x): x is AbortSignal => x !== undefined);
    for (const sig of signals) sig.addEventListener('abort', kill, { once: true });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${shown}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const sig of signals) sig.removeEventListener('abort', kill);
      const result: ExecResult = { code, signal, stdout, stderr, ms: Date.now() - started };
      if (timedOut) return reject(new ExecError(shown, result, `timed out after ${opts.timeoutMs} ms`));
      if (code !== 0 && !opts.nothrow) return reject(new ExecError(shown, result, `exited ${code ?? signal}`));
      resolve(result);
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}
