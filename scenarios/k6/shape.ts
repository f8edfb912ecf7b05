// What the harness tells k6: the plan's streams reduced to k6 terms, passed as JSON in the
// HARNESS_LOAD environment variable. Pure types, imported by both the harness (which writes it)
// and the k6 scripts (which read it), so the two sides cannot drift.

/** One k6 stage: ramp linearly to `target` over `durationS`; `name` tags the requests. */
export interface ShapeStage {
  name: string;
  durationS: number;
  target: number;
}

/** An arrival-rate stream (HTTP or gRPC): requests per second, whole test (k6 segments split it). */
export interface RateStream {
  /** Offset of the stream's first stage from load start (s). */
  startS: number;
  startRate: number;
  stages: ShapeStage[];
  timeoutS: number;
  preAllocatedVUs: number;
  maxVUs: number;
}

export interface HttpShape extends RateStream {
  url: string;
  /** Benchmarks only: a closed model of this many VUs, each looping as fast as the target answers, for the stages' total duration. */
  closedVUs?: number;
}

export interface GrpcShape extends RateStream {
  /** host:port of the echo service (ephemos.echo.v1.EchoService, scenarios/k6/proto/echo.proto). */
  addr: string;
}

export interface WsShape {
  url: string;
  startS: number;
  /** Sessions open at the stream's start (usually 0). */
  startSessions: number;
  /** Targets are concurrent sessions; k6 ramps VUs (one session each) along them. */
  stages: ShapeStage[];
  messagesPerSecond: number;
  /** Pause before reconnecting after a failed connect, so a dead server is not hammered (ms). */
  retryDelayMs: number;
}

export interface LoadShape {
  testId: string;
  http: HttpShape | null;
  ws: WsShape | null;
  grpc: GrpcShape | null;
}

/** Name of the environment variable carrying the JSON LoadShape. */
export const SHAPE_ENV = 'HARNESS_LOAD';

/** Total seconds of a stream's stages. */
export function stagesDurationS(stages: readonly ShapeStage[]): number {
  return stages.reduce((sum, s) => sum + s.durationS, 0);
}

/** Name of the stage active `elapsedS` seconds into a stream (the last one after its end). */
export function stageAt(stages: readonly ShapeStage[], elapsedS: number): string {
  let end = 0;
  for (const stage of stages) {
    end += stage.durationS;
    if (elapsedS < end) return stage.name;
  }
  return stages.length > 0 ? stages[stages.length - 1]!.name : 'none';
}
