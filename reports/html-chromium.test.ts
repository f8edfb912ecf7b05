// report.html in a real headless Chromium (Debian's): no console error, no uncaught exception, no
// network request besides the file itself, verdict banner first, every chart drawn. Screenshots
// go to runs/screenshots/ (git-ignored) for a person to look at.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreTimeline } from '../harness/score/index.ts';
import { readFixture } from '../test/fixtures/timelines/read.ts';
import type { FixtureName } from '../test/fixtures/timelines/builder.ts';
import { checkPageInChromium } from './browser-check.ts';
import { writeReports } from './write-reports.ts';

const SHOTS = join(process.cwd(), 'runs', 'screenshots');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kch-html-'));
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function reportOf(name: FixtureName): Promise<string> {
  const t = readFixture(name);
  const out = await writeReports(scoreTimeline(t), t, join(dir, name), { gitRevision: 'fixture', now: new Date(0) });
  expect(out.errors).toEqual([]);
  return out.paths['html']!;
}

describe('report.html in headless Chromium', () => {
  it('bad drain: opens clean, verdict first, five charts with chaos and termination marks', { timeout: 30_000 }, async () => {
    const file = await reportOf('bad-drain');
    const page = await checkPageInChromium(pathToFileURL(file).href, {
      timeoutMs: 28_000,
      sections: ['#verdict', '#chart-errors', '#drain + p + table'],
      evaluate: {
        first: "document.querySelector('main').firstElementChild.id",
        verdict: "document.querySelector('#verdict .verdict').textContent",
        charts: "document.querySelectorAll('svg.chart').length",
        chaosMarks: "document.querySelectorAll('#chart-rate .mark-chaos').length",
        termMarks: "document.querySelectorAll('#chart-rate .mark-term').length",
        drainRows: "document.querySelectorAll('#drain + p + table tbody tr').length",
        scripts: "document.scripts.length",
      },
    });
    writeFileSync(join(SHOTS, 'report-bad-drain.png'), page.screenshot);
    for (const [sel, png] of Object.entries(page.sections)) writeFileSync(join(SHOTS, `report-bad-drain-${sel.replace(/[^a-z]+/gi, '_')}.png`), png);
    expect(page.consoleErrors).toEqual([]);
    expect(page.pageErrors).toEqual([]);
    expect(page.failedLoads).toEqual([]);
    expect(page.requests).toEqual([pathToFileURL(file).href]);
    expect(page.values).toEqual({ first: 'verdict', verdict: 'FAIL', charts: 5, chaosMarks: 1, termMarks: 3, drainRows: 3, scripts: 0 });
    expect(page.screenshot.length).toBeGreaterThan(50_000);
  });

  it('HPA spike and interrupted runs render without errors too', { timeout: 30_000 }, async () => {
    for (const name of ['hpa-spike', 'interrupted'] as const) {
      const file = await reportOf(name);
      const page = await checkPageInChromium(pathToFileURL(file).href, { timeoutMs: 14_000, evaluate: { verdict: "document.querySelector('#verdict .verdict').textContent" } });
      writeFileSync(join(SHOTS, `report-${name}.png`), page.screenshot);
      expect(page.consoleErrors).toEqual([]);
      expect(page.pageErrors).toEqual([]);
      expect(page.values['verdict']).toBe(name === 'hpa-spike' ? 'PASS' : 'INCOMPLETE');
    }
  });

  it('catches console errors, exceptions and network requests (so the checks above can fail)', { timeout: 30_000 }, async () => {
    const bad = join(dir, 'bad.html');
    await writeFile(bad, '<!doctype html><title>x</title><img src="http://127.0.0.1:9/nope.png"><script>console.error("boom"); throw new Error("kaput")</script>');
    const page = await checkPageInChromium(pathToFileURL(bad).href, { timeoutMs: 25_000 });
    expect(page.consoleErrors.some((e) => e.includes('boom'))).toBe(true);
    expect(page.pageErrors.some((e) => e.includes('kaput'))).toBe(true);
    expect(page.requests).toContain('http://127.0.0.1:9/nope.png');
  });
});
