import { describe, expect, it } from 'vitest';
import { limitOpenRate, planToShape, toShapeStages } from './shape.ts';
import { vuBudget } from '../../scenarios/k6/vu-pool.ts';
import { loadOnlyPlan } from './load-only-plan.ts';
import { k6Options } from '../../scenarios/k6/options.ts';
import { stageAt } from '../../scenarios/k6/shape.ts';

const base = { rate: 0, durationS: 30, rampS: 0, wsSessions: 0, wsMessagesPerSecond: 1, grpcRate: 0, shards: 1, timeoutS: 5, outDir: '' };

describe('plan -> k6 load shape', () => {
  it('turns planned stages into k6 stages: ramps stay, jumps become 0 s stages, gaps run at 0', () => {
    const out = toShapeStages([
      { name: 'warm', startS: 0, endS: 10, fromTarget: 0, toTarget: 100 },
      { name: 'spike', startS: 10, endS: 15, fromTarget: 500, toTarget: 500 },
      { name: 'late', startS: 20, endS: 30, fromTarget: 100, toTarget: 100 },
    ]);
    expect(out.startS).toBe(0);
    expect(out.startRate).toBe(0);
    expect(out.stages).toEqual([
      { name: 'warm', durationS: 10, target: 100 },
      { name: 'spike', durationS: 0, target: 500 },
      { name: 'spike', durationS: 5, target: 500 },
      { name: 'gap', durationS: 0, target: 0 },
      { name: 'gap', durationS: 5, target: 0 },
      { name: 'late', durationS: 0, target: 100 },
      { name: 'late', durationS: 10, target: 100 },
    ]);
  });

  it('builds URLs and streams from the targets, and refuses a stream without one', () => {
    const plan = loadOnlyPlan({ ...base, rate: 200, rampS: 10, wsSessions: 4, grpcRate: 50 });
    const shape = planToShape(plan, { http: 'http://127.0.0.1:30080', ws: 'ws://127.0.0.1:30085/ws', grpc: '127.0.0.1:30082' }, 'run-1');
    expect(shape.testId).toBe('run-1');
    expect(shape.http).toMatchObject({ url: 'http://127.0.0.1:30080', startRate: 0, timeoutS: 5, stages: [{ name: 'ramp', durationS: 10, target: 200 }, { name: 'hold', durationS: 20, target: 200 }] });
    expect(shape.ws).toMatchObject({ url: 'ws://127.0.0.1:30085/ws', startSessions: 0, messagesPerSecond: 1 });
    expect(shape.grpc).toMatchObject({ addr: '127.0.0.1:30082' });
    expect(() => planToShape(plan, { http: 'http://127.0.0.1:1' }, 'x')).toThrow(/targets\.ws is missing/);
  });

  it('appends the entry path to a bare base URL only', () => {
    const plan = loadOnlyPlan({ ...base, rate: 10 });
    plan.load.http!.entry.path = '/api/health';
    expect(planToShape(plan, { http: 'http://127.0.0.1:30080/' }, 'x').http!.url).toBe('http://127.0.0.1:30080/api/health');
    // The run's targets already carry the entry path: not appended twice.
    expect(planToShape(plan, { http: 'http://127.0.0.1:30080/api/health' }, 'x').http!.url).toBe('http://127.0.0.1:30080/api/health');
  });

  it('slows a WebSocket ramp that would open sessions faster than the planned open rate', () => {
    expect(limitOpenRate([{ name: 'up', durationS: 2, target: 100 }, { name: 'hold', durationS: 10, target: 100 }], 0, 10)).toEqual([
      { name: 'up', durationS: 10, target: 100 },
      { name: 'hold', durationS: 10, target: 100 },
    ]);
    expect(limitOpenRate([{ name: 'up', durationS: 20, target: 100 }], 0, 10)).toEqual([{ name: 'up', durationS: 20, target: 100 }]);
  });

  it('sizes VUs from the peak rate, bounded', () => {
    expect(vuBudget(100)).toEqual({ preAllocatedVUs: 50, maxVUs: 200 });
    expect(vuBudget(784)).toEqual({ preAllocatedVUs: 392, maxVUs: 1568 });
    expect(vuBudget(100_000)).toEqual({ preAllocatedVUs: 2000, maxVUs: 5000 });
  });

  it('k6 options: one scenario per stream, arrival rate for HTTP/gRPC, VUs for WS sessions', () => {
    const plan = loadOnlyPlan({ ...base, rate: 200, rampS: 10, wsSessions: 4, grpcRate: 50 });
    const shape = planToShape(plan, { http: 'http://127.0.0.1:1', ws: 'ws://127.0.0.1:2', grpc: '127.0.0.1:3' }, 'x');
    const o = k6Options(shape) as { scenarios: Record<string, Record<string, unknown>>; systemTags: string[] };
    expect(Object.keys(o.scenarios).sort()).toEqual(['grpc', 'http', 'ws']);
    expect(o.scenarios.http).toMatchObject({ executor: 'ramping-arrival-rate', exec: 'httpRequest', timeUnit: '1s', startRate: 0, stages: [{ duration: '10s', target: 200 }, { duration: '20s', target: 200 }] });
    expect(o.scenarios.ws).toMatchObject({ executor: 'ramping-vus', exec: 'wsSession', startVUs: 0 });
    expect(o.scenarios.grpc).toMatchObject({ exec: 'grpcEcho' });
    expect(o.systemTags).toEqual(expect.arrayContaining(['status', 'error_code', 'expected_response']));
    expect(() => k6Options({ testId: 'x', http: null, ws: null, grpc: null })).toThrow(/no stream/);
  });

  it('names the stage of a moment from the k6 stages (the request tag)', () => {
    const stages = [{ name: 'a', durationS: 5, target: 1 }, { name: 'b', durationS: 0, target: 9 }, { name: 'b', durationS: 5, target: 9 }];
    expect(stageAt(stages, 0)).toBe('a');
    expect(stageAt(stages, 5)).toBe('b');
    expect(stageAt(stages, 99)).toBe('b');
  });
});
