// `--registry` as a user meets it: a real process, --plan only (never touches a cluster or a
// registry); the plan page says which image path the run takes; a bad value exits 2 naming the flag.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['tsx', 'harness/cli/scenario.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, npm_lifecycle_event: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run scenario --registry', { timeout: 60_000 }, () => {
  it('the plan says the images are pushed there, or loaded with kind load without it', () => {
    const r = cli('proxy-rollout', '--plan', '--provider', 'existing', '--registry', 'localhost:5001/kch');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^images {4}pushed to localhost:5001\/kch — --registry/m);
    expect(JSON.parse(cli('proxy-rollout', '--plan', '--json', '--provider', 'kind', '--registry', 'localhost:5001/kch').stdout)).toMatchObject({ registry: 'localhost:5001/kch' });
    expect(cli('proxy-rollout', '--plan', '--provider', 'kind').stdout).toMatch(/^images {4}loaded with kind load — no --registry/m);
  });

  it('a scheme or a tag exits 2 naming the flag', () => {
    const scheme = cli('proxy-rollout', '--plan', '--registry', 'https://registry.example.com/kch');
    expect([scheme.code, scheme.stderr]).toEqual([2, expect.stringMatching(/--registry 'https:\/\/registry.example.com\/kch': has a scheme/)]);
    const tag = cli('proxy-rollout', '--plan', '--registry', 'localhost:5001/kch:v1');
    expect([tag.code, tag.stderr]).toEqual([2, expect.stringMatching(/--registry 'localhost:5001\/kch:v1': 'kch:v1' has a tag/)]);
  });
});
