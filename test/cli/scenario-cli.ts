// The scenario CLI as a user meets it, for the CLI's tests (harness/cli/*.test.ts): a real process (npx tsx
// harness/cli/scenario.ts), its stdout, stderr and exit code, bounded at 30 s.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function scenarioCliWithEnv(env: NodeJS.ProcessEnv, ...args: string[]): CliResult {
  const r = spawnSync('npx', ['tsx', 'harness/cli/scenario.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Not run through npm: no npm_config_* flags to mistake for swallowed ones. */
export function scenarioCli(...args: string[]): CliResult {
  return scenarioCliWithEnv({ npm_lifecycle_event: '' }, ...args);
}
