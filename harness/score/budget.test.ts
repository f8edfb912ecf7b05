import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/fixtures/timelines/read.ts';
import { burnWindows, errorBudget, FAST_BURN } from './budget.ts';
import { drainScore } from './drain.ts';

describe('burnWindows', () => {
  it('scales the workbook windows to the run: long = run/12, short = long/12, at least 5 s', () => {
    expect(burnWindows(120)).toEqual({ longS: 10, shortS: 5 });
    expect(burnWindows(3600)).toEqual({ longS: 300, shortS: 25 });
    expect(burnWindows(30)).toEqual({ longS: 5, shortS: 5 });
  });
});

describe('errorBudget', () => {
  it('computes allowed and used from the success ratio', () => {
    const t = readFixture('clean-rollout');
    const { score } = errorBudget(t, drainScore(t).score);
    const req = t.load!.totals.requests;
    expect(score!.requests).toBe(req);
    expect(score!.failed).toBe(2);
    expect(score!.allowed).toBeCloseTo(0.001 * req, 2);
    expect(score!.usedPct).toBeCloseTo((2 / (0.001 * req)) * 100, 2);
  });

  it('splits the budget over phases and the chaos action, naming the phase that used the most', () => {
    const t = readFixture('bad-drain');
    const { score, checks } = errorBudget(t, drainScore(t).score);
    expect(score!.phases.map((p) => p.name)).toEqual(['baseline', 'stage:warm', 'stage:steady', 'chaos:rollout-aenebris@48s']);
    expect(score!.phases.find((p) => p.name === 'stage:steady')!.failed).toBe(score!.failed); // phases overlap
    expect(score!.phases.find((p) => p.name === 'chaos:rollout-aenebris@48s')!.failed).toBe(31); // 30 + the reset at 100 s
    const rollout = score!.chaos[0]!;
    expect(rollout.name).toBe('rollout-aenebris@48s');
    expect(rollout.failed).toBe(30);
    expect(rollout.usedPctOfRun).toBeCloseTo((30 / score!.allowed) * 100, 1);
    const used = checks.find((c) => c.id === 'budget.used')!;
    expect(used.status).toBe('fail');
    expect(used.message).toContain('30 in chaos action rollout-aenebris@48s t+48.0s–+55.4s');
    expect(used.message).toContain('limit 50 %');
  });

  it('reports the WS abnormal-close ratio against its SLO', () => {
    const t = readFixture('bad-drain');
    const { score, checks } = errorBudget(t, null);
    expect(score!.ws).toMatchObject({ sessions: 20, abnormalRatio: 0.5, limit: 0.01 });
    expect(checks.find((c) => c.id === 'budget.ws-abnormal')!.message).toBe('10 of 20 WebSocket sessions closed abnormally (1006): ratio 0.5; limit 0.01');
  });

  it('computes burn rates over trailing windows and flags fast burns', () => {
    const t = readFixture('bad-drain');
    const { score } = errorBudget(t, null);
    // Long window 10 s ending at second 55 holds seconds 46..55: 19 + 11 failures.
    const secs = t.load!.seconds.slice(46, 56);
    const expected = secs.reduce((a, s) => a + s.failures.reset + s.failures.refused, 0) / secs.reduce((a, s) => a + s.requests, 0) / 0.001;
    expect(score!.burn.maxLong).toBeCloseTo(expected, 1);
    expect(score!.burn.threshold).toBe(FAST_BURN);
    expect(score!.burn.alerts).toEqual([]); // 30 failures in 10 s at 500 req/s burn 6x, below 14.4

    const t2 = readFixture('bad-drain');
    t2.load!.seconds[60]!.failures.http5xx = 200;
    const hot = errorBudget(t2, null).score!.burn;
    expect(hot.alerts).toHaveLength(1);
    expect(hot.alerts[0]!.window.to).toBe(t2.load!.seconds[64]!.at + 1000);
    expect(hot.alerts[0]!.maxShortBurn).toBeGreaterThan(FAST_BURN);
  });

  it("fails the k6 witness field by field when the series and k6's summaries differ", () => {
    const t = readFixture('clean-rollout');
    t.witnesses.k6Summaries[1]!.requests += 3;
    t.witnesses.k6Summaries[0]!.wsSessions -= 1;
    const w = errorBudget(t, null).checks.find((c) => c.id === 'witness.k6-totals')!;
    expect(w.status).toBe('fail');
    const req = t.load!.totals.requests;
    expect(w.message).toBe(`series totals differ from the sum of 2 k6 summaries: requests: series ${req} vs k6 ${req + 3}; wsSessions: series 20 vs k6 19`);
  });

  it('passes the k6 witness on equal totals, fails without summaries, is incomplete without them on an interrupted run', () => {
    const t = readFixture('clean-rollout');
    expect(errorBudget(t, null).checks.find((c) => c.id === 'witness.k6-totals')!.status).toBe('pass');
    t.witnesses.k6Summaries = [];
    expect(errorBudget(t, null).checks.find((c) => c.id === 'witness.k6-totals')!.status).toBe('fail');
    const i = readFixture('interrupted');
    i.witnesses.k6Summaries = [];
    expect(errorBudget(i, null).checks.find((c) => c.id === 'witness.k6-totals')!.status).toBe('incomplete');
  });

  it('drops phases the interrupted run never reached', () => {
    const t = readFixture('interrupted');
    expect(errorBudget(t, null).score!.phases.map((p) => p.name)).toEqual(['baseline', 'stage:warm', 'stage:steady']);
  });

  it('counts gRPC requests, and statuses other than OK as failures', () => {
    const t = readFixture('clean-rollout');
    t.load!.seconds[30]!.grpc = { requests: 100, byStatus: { '0': 95, '14': 5 }, latencyP99Ms: 3 };
    t.load!.totals.grpcRequests = 100;
    t.witnesses.k6Summaries[0]!.grpcRequests = 100;
    const { score, checks } = errorBudget(t, null);
    expect(score!.requests).toBe(t.load!.totals.requests + 100);
    expect(score!.failed).toBe(2 + 5);
    expect(checks.find((c) => c.id === 'witness.k6-totals')!.status).toBe('pass');
  });
});
