import { describe, expect, it } from 'vitest';
import { UsageError } from '../harness/base/errors.ts';
import { scoreTimeline } from '../harness/score/index.ts';
import { readFixture } from '../test/fixtures/timelines/read.ts';
import { compareScorecards, parseTolerance, renderComparison, scoreValues } from './compare.ts';

const clean = scoreTimeline(readFixture('clean-rollout'));
const bad = scoreTimeline(readFixture('bad-drain'));
const hpa = scoreTimeline(readFixture('hpa-spike'));

describe('compareScorecards', () => {
  it('finds nothing between a run and itself', () => {
    const c = compareScorecards(clean, clean);
    expect(c.regressions).toEqual([]);
    expect(c.verdictRegressed).toBe(false);
    expect(c.scores.every((s) => s.status === 'same')).toBe(true);
  });

  it('flags the drain regression and the verdict going from pass to fail', () => {
    const c = compareScorecards(clean, bad);
    expect(c.verdictRegressed).toBe(true);
    const keys = c.regressions.map((r) => r.key);
    expect(keys).toEqual(expect.arrayContaining(['checks.failed', 'budget.usedPct', 'drain.maxExcessFailuresPerPod', 'drain.ws1006', 'budget.ws.abnormalRatio']));
    const per = c.scores.find((s) => s.key === 'drain.maxExcessFailuresPerPod')!;
    expect(per).toMatchObject({ a: 0, b: 10.95, changePct: null, status: 'regression' });
    expect(c.scores.find((s) => s.key === 'drain.maxExitS')!.status).toBe('improved'); // none exits at once
  });

  it('calls the reverse an improvement', () => {
    const c = compareScorecards(bad, clean);
    expect(c.regressions.map((r) => r.key)).not.toContain('drain.maxExcessFailuresPerPod');
    expect(c.scores.find((s) => s.key === 'budget.usedPct')!.status).toBe('improved');
  });

  it('applies the longest matching tolerance, then the default of 10 %', () => {
    const slower = structuredClone(hpa);
    slower.hpa!.steps[0]!.reactionS = 19.5; // +13.4 %
    slower.hpa!.steps[0]!.readyS = 23.4; // +9.3 %
    expect(compareScorecards(hpa, slower).regressions.map((r) => r.key)).toEqual(['hpa.spike.reactionS']);
    expect(compareScorecards(hpa, slower, { hpa: 20 }).regressions).toEqual([]);
    expect(compareScorecards(hpa, slower, { hpa: 20, 'hpa.spike.readyS': 5 }).regressions.map((r) => r.key)).toEqual(['hpa.spike.readyS']);
    expect(compareScorecards(hpa, slower, { '*': 1 }).regressions.map((r) => r.key)).toEqual(['hpa.spike.reactionS', 'hpa.spike.readyS']);
  });

  it('ignores changes under the noise floor of their unit', () => {
    const b = structuredClone(clean);
    b.latency!.run.p99BoundMs = clean.latency!.run.p99BoundMs! + 4; // +12 % but only 4 ms
    expect(compareScorecards(clean, b).scores.find((s) => s.key === 'latency.run.p99')!.status).toBe('within-tolerance');
  });

  it('lists scores only one side has as added or removed, never as regressions', () => {
    const c = compareScorecards(clean, hpa);
    expect(c.scores.find((s) => s.key === 'hpa.spike.reactionS')!.status).toBe('added');
    expect(c.scores.find((s) => s.key === 'drain.maxExitS')!.status).toBe('removed');
  });

  it('renders one line per score and a closing line', () => {
    const text = renderComparison(compareScorecards(clean, bad));
    expect(text).toMatch(/✗ drain\.maxExcessFailuresPerPod +0 +10\.95 +from 0 +REGRESSION \(tolerance 10 %\)/);
    expect(text).toContain('✗ verdict went from pass to fail');
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^\d+ regressions beyond tolerance$/);
    expect(scoreValues(clean).length).toBe(text.trimEnd().split('\n').length - 3);
  });
});

describe('parseTolerance', () => {
  it('reads key=pct and names a bad one', () => {
    expect(parseTolerance('latency=20')).toEqual(['latency', 20]);
    expect(parseTolerance('budget.usedPct=2.5%')).toEqual(['budget.usedPct', 2.5]);
    expect(() => parseTolerance('latency')).toThrow(UsageError);
    expect(() => parseTolerance('latency=fast')).toThrow("--tolerance 'latency=fast': want key=percent");
  });
});
