import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDoctor, satisfiesMin, which, type Check } from './doctor.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('doctor', () => {
  it('compares the Node version with the engines range', () => {
    expect(satisfiesMin('v20.20.2', '>=20.11')).toBe(true);
    expect(satisfiesMin('v20.11.0', '>=20.11')).toBe(true);
    expect(satisfiesMin('v20.10.9', '>=20.11')).toBe(false);
    expect(satisfiesMin('v18.19.0', '>=20')).toBe(false);
    expect(satisfiesMin('v22.1.0', '>=20.11.1')).toBe(true);
    expect(satisfiesMin('v20.11.0', '^20')).toBeNull();
  });

  it('finds executables on a PATH, first one wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'doctor-'));
    try {
      writeFileSync(join(dir, 'k6'), '#!/bin/sh\n');
      chmodSync(join(dir, 'k6'), 0o755);
      writeFileSync(join(dir, 'notexec'), '');
      expect(which('k6', `/nonexistent:${dir}`)).toBe(join(dir, 'k6'));
      expect(which('notexec', dir)).toBeNull();
      expect(which('k6', '/nonexistent')).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says what is missing, why a run needs it, and the fix', () => {
    const checks: Check[] = [
      { group: 'runtime', name: 'node', status: 'ok', detail: 'v20.20.2', needed: true },
      { group: 'tools', name: 'prometheus', status: 'missing', detail: 'not found', fix: 'apt-get install -y prometheus', needed: true },
      { group: 'tools', name: 'chromium', status: 'warn', detail: 'not found', fix: 'apt-get install -y chromium', needed: false },
      { group: 'providers', name: 'kind', status: 'ok', detail: 'podman', needed: false },
    ];
    const text = formatDoctor(checks, 'kind: podman works');
    expect(text).toMatch(/\[MISS\] prometheus +not found {2}\(a run needs this\)/);
    expect(text).toMatch(/fix: apt-get install -y prometheus/);
    expect(text).toMatch(/\[warn\] chromium +not found\n/);
    expect(text).toContain('a run would use: kind: podman works');
    expect(text).toContain('not ready: prometheus missing');
    expect(formatDoctor(checks.filter((c) => c.status !== 'missing'), 'kind')).toContain('ready: everything a run needs');
  });

  it('runs as `npm run doctor` does: a report, exit 0, JSON when asked', { timeout: 120_000 }, () => {
    const r = spawnSync('npx', ['tsx', 'harness/cli/doctor.ts', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { checks: Check[]; provider: string };
    const names = report.checks.map((c) => c.name);
    for (const n of ['node', 'npm packages', 'k6', 'kind', 'kubectl', 'podman', 'docker', 'prometheus', 'chromium', 'kind', 'existing']) expect(names).toContain(n);
    expect(report.checks.find((c) => c.name === 'node')!.detail).toContain(process.version);
    expect(report.provider).toMatch(/^(kind|existing)/);
    for (const c of report.checks) if (c.status !== 'ok') expect(c.fix, `${c.name} has no fix`).toBeTruthy();
  });
});
