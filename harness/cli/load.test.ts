import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { parseDurationS, newRunId } from './load.ts';
import { benchNames } from './bench.ts';

describe('npm run load', () => {
  it('parses durations and names the flag when it cannot', () => {
    expect(parseDurationS('30', '--duration')).toBe(30);
    expect(parseDurationS('45s', '--duration')).toBe(45);
    expect(parseDurationS('2m', '--duration')).toBe(120);
    expect(parseDurationS('1m30s', '--duration')).toBe(90);
    expect(() => parseDurationS('soon', '--duration')).toThrow(/--duration: 'soon' is not a duration/);
    expect(() => parseDurationS('0', '--ramp')).toThrow(/--ramp/);
  });

  it('makes sortable run ids', () => {
    expect(newRunId(new Date('2026-11-25T13:21:14Z'))).toMatch(/^load-20261125-132114-[0-9a-f]{4}$/);
  });

  it('refuses a target off loopback with exit code 2 before starting anything', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli/load.ts', '--target', 'http://203.0.113.9:8080/', '--rate', '5', '--duration', '5s'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--target target 'http:\/\/203\.0\.113\.9:8080\/' is not on loopback/);
  });

  it('says what is missing', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli/load.ts', '--rate', '5', '--duration', '5s'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--rate needs --target URL/);
  });
});

describe('npm run bench', () => {
  it('lists benches by file name, leaving out tests and the interface', () => {
    expect(benchNames(['load.ts', 'standin.ts', 'types.ts', 'load.test.ts', 'README.md'])).toEqual(['load', 'standin']);
  });
});
