// `npm run scenario` as a user runs it, for cluster tests: the real CLI in a child process, its
// output streamed through, bounded by a timeout (SIGKILL, then a rejection naming the args).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface CliRun {
  code: number | null;
  output: string;
  /** The run folder the CLI printed ("run <id> → <dir>"), or '' when it never got that far. */
  runDir: string;
}

export interface ScenarioCliOptions {
  /** Runs once when the output first matches `startedWhen` (to delete a pod mid-run, or send the CLI a SIGINT). */
  whenStarted?: (output: string, child: ChildProcess) => Promise<void>;
  startedWhen?: RegExp;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export function runScenarioCli(args: string[], o: ScenarioCliOptions = {}): Promise<CliRun> {
  const timeoutMs = o.timeoutMs ?? 600_000;
  return new Promise((resolve, reject) => {
    // One process (node --import tsx), so a SIGINT reaches the CLI itself as a user's Ctrl-C would.
    const child = spawn(process.execPath, ['--import', 'tsx', 'harness/cli/scenario.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env });
    let output = '';
    let fired = false;
    const onData = (b: Buffer) => {
      output += b.toString();
      process.stdout.write(b);
      if (o.whenStarted && !fired && (o.startedWhen ?? /load: resumed \d+ runner/).test(output)) {
        fired = true;
        void o.whenStarted(output, child).catch((e: unknown) => process.stdout.write(`whenStarted failed: ${String(e)}\n`));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scenario ${args.join(' ')} did not finish in ${timeoutMs} ms\n${output.slice(-3000)}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, runDir: /run (\S+) → (\S+)/.exec(output)?.[2] ?? '' });
    });
  });
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
