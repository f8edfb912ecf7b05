// The report CLI as a user runs it (npm run report -- ...): real process, real files, exit codes.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../../test/fixtures/timelines/read.ts';
import type { FixtureName } from '../../test/fixtures/timelines/builder.ts';
import { exec } from '../base/exec.ts';

const root = mkdtempSync(join(tmpdir(), 'kch-report-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function runOf(name: FixtureName): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  cpSync(fixturePath(name), join(dir, 'timeline.json'));
  return dir;
}

async function report(...args: string[]) {
  const env = { ...process.env };
  delete env['PUSHGATEWAY_URL'];
  return exec(process.execPath, ['--import', 'tsx', 'harness/cli/report.ts', ...args], { timeoutMs: 20_000, nothrow: true, env });
}

describe('npm run report', () => {
  it('rescore: a passing run exits 0, rewrites its reports and prints the summary', { timeout: 25_000 }, async () => {
    const dir = runOf('clean-rollout');
    const r = await report('rescore', dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}proxy-rollout/);
    expect(r.stdout).toContain(`report: ${join(dir, 'report.html')}`);
    for (const f of ['report.json', 'report.html', 'junit.xml', 'summary.md', 'metrics.prom']) expect(existsSync(join(dir, f))).toBe(true);
  });

  it('rescore: drain=none exits 1, an interrupted run 3, a missing folder 2', { timeout: 25_000 }, async () => {
    const bad = await report('rescore', runOf('bad-drain'));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('✗ pod aenebris-6d5f7c9b8-z8w2t');
    expect((await report('rescore', runOf('interrupted'))).code).toBe(3);
    const missing = await report('rescore', join(root, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`run folder '${join(root, 'nope')}' does not exist`);
  });

  it('compare: exit 1 on regression, 0 without; tolerances apply; bad flags exit 2', { timeout: 25_000 }, async () => {
    const a = runOf('clean-rollout');
    const b = runOf('bad-drain');
    const worse = await report('compare', a, b);
    expect(worse.code).toBe(1);
    expect(worse.stdout).toContain('REGRESSION');
    const same = await report('compare', a, join(a, 'timeline.json'), '--tolerance', 'latency=50');
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('no regression beyond tolerance');
    const flag = await report('compare', a, b, '--tolerance', 'latency');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("--tolerance 'latency': want key=percent");
  });
});
