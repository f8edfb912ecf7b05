// Every shell-out is bounded and its failure names the command with its stderr tail.
import { spawn } from 'node:child_process';
import { binDir } from './cache.ts';

export interface ExecOptions {
  /** Kill after this many ms (SIGTERM, then SIGKILL 5 s later). Required: nothing runs unbounded. */
  timeoutMs: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  signal?: AbortSignal;
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

/** PATH with the tool cache first, so cached k6/kind/kubectl win over nothing. */
export function toolEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${binDir()}:${process.env.PATH ?? ''}`, ...extra };
}

export function exec(cmd: string, args: string[], opts: ExecOptions): Promise<ExecResult> {
  const started = Date.now();
  const shown = [cmd, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? toolEnv(),
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
    opts.signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${shown}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', kill);
      const result: ExecResult = { code, signal, stdout, stderr, ms: Date.now() - started };
      if (timedOut) return reject(new ExecError(shown, result, `timed out after ${opts.timeoutMs} ms`));
      if (code !== 0 && !opts.nothrow) return reject(new ExecError(shown, result, `exited ${code ?? signal}`));
      resolve(result);
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}
