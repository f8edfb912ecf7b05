// k6 options built from the LoadShape: one k6 scenario per stream. Pure, so the harness's unit
// tests check the same function k6 runs.
import type { LoadShape, RateStream, ShapeStage } from './shape.ts';
import { stagesDurationS } from './shape.ts';

// Only the tags the harness reads back: every extra tag multiplies Prometheus series.
export const SYSTEM_TAGS = ['status', 'error_code', 'expected_response', 'scenario', 'check', 'method'];

function k6Stages(stages: readonly ShapeStage[]): { duration: string; target: number }[] {
  return stages.map((s) => ({ duration: `${s.durationS}s`, target: s.target }));
}

function arrivalScenario(stream: RateStream, exec: string): Record<string, unknown> {
  return {
    executor: 'ramping-arrival-rate',
    exec,
    startTime: `${stream.startS}s`,
    startRate: stream.startRate,
    timeUnit: '1s',
    stages: k6Stages(stream.stages),
    preAllocatedVUs: stream.preAllocatedVUs,
    maxVUs: stream.maxVUs,
    // Requests in flight at the end get their own timeout to finish, then k6 stops.
    gracefulStop: `${stream.timeoutS + 1}s`,
  };
}

export function k6Options(shape: LoadShape): Record<string, unknown> {
  const scenarios: Record<string, unknown> = {};
  if (shape.http?.closedVUs) {
    scenarios.http = {
      executor: 'constant-vus',
      exec: 'httpRequest',
      startTime: `${shape.http.startS}s`,
      vus: shape.http.closedVUs,
      duration: `${stagesDurationS(shape.http.stages)}s`,
      gracefulStop: `${shape.http.timeoutS + 1}s`,
    };
  } else if (shape.http) {
    scenarios.http = arrivalScenario(shape.http, 'httpRequest');
  }
  if (shape.grpc) scenarios.grpc = arrivalScenario(shape.grpc, 'grpcEcho');
  if (shape.ws) {
    scenarios.ws = {
      executor: 'ramping-vus',
      exec: 'wsSession',
      startTime: `${shape.ws.startS}s`,
      startVUs: shape.ws.startSessions,
      stages: k6Stages(shape.ws.stages),
      // Sessions close themselves (code 1000) at the stream's end; a ramp-down interrupts
      // the extra sessions at once, as a shrinking client population would.
      gracefulRampDown: '0s',
      gracefulStop: '5s',
    };
  }
  if (Object.keys(scenarios).length === 0) throw new Error(`${'HARNESS_LOAD'}: no stream (http, ws, grpc) in the load shape`);
  return {
    scenarios,
    systemTags: SYSTEM_TAGS,
    discardResponseBodies: true,
    // The harness reads k6's own summary as the witness; no thresholds: scoring is the harness's job.
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
  };
}

/** End of the stream relative to its own start (s). */
export function streamEndS(stages: readonly ShapeStage[]): number {
  return stagesDurationS(stages);
}
