import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/fixtures/timelines/read.ts';
import { planAdherence, plannedFloor, profileAt } from './adherence.ts';
import type { PlannedStage } from '../plan/types.ts';

const stages: PlannedStage[] = [
  { name: 'warm', startS: 0, endS: 10, fromTarget: 0, toTarget: 100 },
  { name: 'steady', startS: 10, endS: 20, fromTarget: 100, toTarget: 100 },
  { name: 'spike', startS: 20, endS: 30, fromTarget: 400, toTarget: 400 },
];

describe('the planned profile', () => {
  it('is linear inside a ramp, flat in a hold, 0 outside', () => {
    expect(profileAt(stages, 5)).toBe(50);
    expect(profileAt(stages, 15)).toBe(100);
    expect(profileAt(stages, 25)).toBe(400);
    expect(profileAt(stages, 30)).toBe(0);
    expect(profileAt(stages, -1)).toBe(0);
  });

  it('holds each second to the lowest planned value within ±lag of its middle', () => {
    expect(plannedFloor(stages, 15, 2)).toBe(100);
    // The first two seconds of the spike may still run at the previous level.
    expect(plannedFloor(stages, 20, 2)).toBe(100);
    expect(plannedFloor(stages, 21, 2)).toBe(100);
    expect(plannedFloor(stages, 22, 2)).toBe(400);
    // The last seconds before the end may wind down (WS sessions close just before the end).
    expect(plannedFloor(stages, 28, 2)).toBe(0);
    // Start-up: nothing is required in the first lag seconds of a ramp from 0.
    expect(plannedFloor(stages, 0, 2)).toBe(0);
  });
});

describe('planAdherence', () => {
  it('names stream, stage, window, planned and achieved figures, and the limit', () => {
    const t = readFixture('clean-rollout');
    for (const s of t.load!.seconds) s.requests = Math.round(s.requests * 0.9);
    const c = planAdherence(t).checks.find((x) => x.id === 'plan.rate/http/steady')!;
    expect(c.status).toBe('fail');
    expect(c.measured).toBeCloseTo(0.9, 1);
    expect(c.message).toMatch(/^http stage steady t\+10\.0s–\+120\.0s: achieved \d+ \([\d.]+ req\/s\) of \d+ planned \([\d.]+ req\/s\): [\d.]+ % of plan; limit ≥ 95 %$/);
  });

  it('grades WS on the mean of open sessions where the timeline predates `held`', () => {
    const t = readFixture('clean-rollout');
    const c = planAdherence(t).checks.find((x) => x.id === 'plan.rate/ws/steady')!;
    expect(c.status).toBe('pass');
    expect(c.message).toMatch(/mean [\d.]+ sessions held of [\d.]+ planned: /);
  });

  it('grades WS on the sessions k6 held: the server cutting them (open falls) is not a plan shortfall; k6 holding fewer is', () => {
    const t = readFixture('clean-rollout');
    const steady = t.plan.load.ws!.stages.find((s) => s.name === 'steady')!;
    const planned = steady.toTarget;
    // The pods cut sessions for the whole stage: 60 % open, every VU still holding or reopening one.
    for (let i = steady.startS; i < steady.endS; i++) {
      const ws = t.load!.seconds[i]!.ws!;
      ws.open = Math.round(planned * 0.6);
      ws.held = planned;
    }
    const cut = planAdherence(t).checks.find((x) => x.id === 'plan.rate/ws/steady')!;
    expect(cut.status).toBe('pass');
    expect(cut.message).toMatch(new RegExp(`mean ${planned} sessions held of [\\d.]+ planned \\(mean ${Math.round(planned * 0.6)} open\\)`));
    for (let i = steady.startS; i < steady.endS; i++) t.load!.seconds[i]!.ws!.held = Math.round(planned * 0.6);
    const short = planAdherence(t).checks.find((x) => x.id === 'plan.rate/ws/steady')!;
    expect(short.status).toBe('fail');
    expect(short.message).toMatch(/sessions held of .* planned .*% of plan; limit ≥ 95 %/);
  });

  it('calls a stage cut by an interruption incomplete, not failed', () => {
    const t = readFixture('interrupted');
    const card = planAdherence(t);
    expect(card.checks.find((x) => x.id === 'plan.rate/http/steady')!.status).toBe('incomplete');
    expect(card.checks.find((x) => x.id === 'plan.rate/http/warm')!.status).toBe('pass');
    expect(card.checks.find((x) => x.id === 'plan.duration')!.status).toBe('incomplete');
  });

  it('fails a chaos action that started late, naming how late', () => {
    const t = readFixture('clean-rollout');
    t.chaos[0]!.startedAt += 12_000;
    const c = planAdherence(t).checks.find((x) => x.id.startsWith('plan.chaos/'))!;
    expect(c.status).toBe('fail');
    expect(c.message).toContain('started 12');
  });

  it('uses the default rules, saying so, for a timeline that predates plan.adherence', () => {
    const t = readFixture('clean-rollout');
    delete t.plan.adherence;
    expect(planAdherence(t).score!.rulesSource).toMatch(/^default/);
  });
});
