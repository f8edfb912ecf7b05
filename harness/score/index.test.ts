import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/fixtures/timelines/read.ts';
import { exitCodeFor, SCORECARD_SCHEMA, scoreTimeline } from './index.ts';

describe('scoreTimeline verdicts', () => {
  it('passes the graceful rollout (exit 0)', () => {
    const c = scoreTimeline(readFixture('clean-rollout'));
    expect(c.schema).toBe(SCORECARD_SCHEMA);
    expect(c.verdict).toBe('pass');
    expect(exitCodeFor(c)).toBe(0);
    expect(c.reasons).toEqual([]);
    expect(c.checks.length).toBeGreaterThan(15);
  });

  it('fails drain=none (exit 1), every failed check named in the reasons', () => {
    const c = scoreTimeline(readFixture('bad-drain'));
    expect(c.verdict).toBe('fail');
    expect(exitCodeFor(c)).toBe(1);
    const failed = c.checks.filter((x) => x.status === 'fail');
    expect(c.reasons).toEqual(failed.map((x) => x.message));
    expect(failed.map((x) => x.id)).toContain('drain.failed/aenebris-6d5f7c9b8-z8w2t');
    expect(failed.map((x) => x.id)).toContain('budget.ws-abnormal');
    expect(failed.every((x) => x.area !== 'witness')).toBe(true);
  });

  it('passes the HPA spike with its witnesses', () => {
    const c = scoreTimeline(readFixture('hpa-spike'));
    expect(c.verdict).toBe('pass');
    expect(c.hpa!.steps[0]!.reactionS).toBe(17.2);
    expect(c.checks.find((x) => x.id === 'plan.dropped')!.status).toBe('pass');
  });

  it('marks an interrupted run incomplete (exit 3) with partial scores', () => {
    const c = scoreTimeline(readFixture('interrupted'));
    expect(c.verdict).toBe('incomplete');
    expect(exitCodeFor(c)).toBe(3);
    expect(c.reasons[0]).toBe('run interrupted at t+40.3s: SIGINT (Ctrl-C) during load; scores are partial');
    expect(c.budget!.requests).toBeGreaterThan(0);
    expect(c.drain!.pods).toEqual([]);
  });

  it('marks a run whose deploy step failed incomplete, naming the step', () => {
    const t = readFixture('clean-rollout');
    t.load = null;
    t.loadStartedAt = null;
    t.steps = [t.steps[0]!, { name: 'deploy', startedAt: t.startedAt + 12_500, endedAt: t.startedAt + 70_000, outcome: 'failed', error: 'aenebris not Ready after 60 s' }];
    const c = scoreTimeline(t);
    expect(c.verdict).toBe('incomplete');
    expect(c.reasons).toContain('step deploy failed at t+70.0s: aenebris not Ready after 60 s');
    expect(c.reasons).toContain('load never started');
    expect(c.budget).toBeNull();
  });

  it('refuses a timeline of another schema', () => {
    const t = readFixture('clean-rollout') as unknown as { schema: string };
    t.schema = 'timeline/v0';
    expect(() => scoreTimeline(t as never)).toThrow("timeline schema 'timeline/v0' is not 'timeline/v1'");
  });

  it('is pure: the same timeline gives the same scorecard', () => {
    expect(scoreTimeline(readFixture('bad-drain'))).toEqual(scoreTimeline(readFixture('bad-drain')));
  });
});
