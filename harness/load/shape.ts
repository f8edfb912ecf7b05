// Plan -> LoadShape: the plan's absolute stages turned into k6 stages (a jump becomes a 0 s
// stage, a gap a stage at 0), VU budgets sized from the peak rate, URLs from the targets.
import type { Plan, PlannedStage } from '../plan/types.ts';
import type { LoadShape, RateStream, ShapeStage, WsShape } from '../../scenarios/k6/shape.ts';
import { vuBudget } from '../../scenarios/k6/vu-pool.ts';

export interface LoadTargets {
  /** Base URL of the HTTP entry, e.g. http://127.0.0.1:30080 */
  http?: string;
  /** ws:// URL of the WebSocket entry. */
  ws?: string;
  /** host:port of the gRPC echo service. */
  grpc?: string;
}

/** k6 stages from planned stages; targets rounded to integers (k6 takes whole numbers). */
export function toShapeStages(stages: readonly PlannedStage[], round: (n: number) => number = Math.round): { startS: number; startRate: number; stages: ShapeStage[] } {
  if (stages.length === 0) throw new Error('plan stream has no stages');
  const sorted = [...stages].sort((a, b) => a.startS - b.startS);
  const first = sorted[0]!;
  const out: ShapeStage[] = [];
  let at = first.startS;
  let current = round(first.fromTarget);
  for (const stage of sorted) {
    if (stage.endS < stage.startS) throw new Error(`plan stage '${stage.name}': endS ${stage.endS} before startS ${stage.startS}`);
    if (stage.startS > at) {
      if (current !== 0) out.push({ name: 'gap', durationS: 0, target: 0 });
      out.push({ name: 'gap', durationS: stage.startS - at, target: 0 });
      current = 0;
    }
    const from = round(stage.fromTarget);
    if (from !== current) out.push({ name: stage.name, durationS: 0, target: from });
    out.push({ name: stage.name, durationS: stage.endS - stage.startS, target: round(stage.toTarget) });
    current = round(stage.toTarget);
    at = Math.max(at, stage.endS);
  }
  return { startS: first.startS, startRate: round(first.fromTarget), stages: out };
}

/** A ramp-up faster than `openRate` sessions/s becomes a slower ramp then a hold. */
export function limitOpenRate(stages: ShapeStage[], startTarget: number, openRate: number): ShapeStage[] {
  if (!(openRate > 0)) return stages;
  const out: ShapeStage[] = [];
  let current = startTarget;
  for (const stage of stages) {
    const rise = stage.target - current;
    const needS = Math.ceil(rise / openRate);
    if (rise > 0 && needS > stage.durationS) {
      // Keep the stage's end time: the ramp spills into the following stages' time at most.
      out.push({ ...stage, durationS: needS });
    } else {
      out.push(stage);
    }
    current = stage.target;
  }
  return out;
}

function rateStream(stages: readonly PlannedStage[], timeoutS: number): RateStream {
  const { startS, startRate, stages: shaped } = toShapeStages(stages);
  const peak = Math.max(startRate, ...shaped.map((s) => s.target));
  return { startS, startRate, stages: shaped, timeoutS, ...vuBudget(peak) };
}

/** A target that already names a path is used as given; a bare host:port URL gets the entry's path. */
function joinUrl(target: string, path: string | undefined): string {
  const url = new URL(target);
  if (!path || (url.pathname !== '/' && url.pathname !== '')) return target;
  return `${target.replace(/\/$/, '')}/${path.replace(/^\//, '')}`;
}

/** The LoadShape for every stream of the plan that has a target; a stream without one is an error. */
export function planToShape(plan: Plan, targets: LoadTargets, testId: string): LoadShape {
  const { http, ws, grpc, timeoutS } = plan.load;
  if (http && !targets.http) throw new Error('plan has an HTTP stream but targets.http is missing');
  if (ws && !targets.ws) throw new Error('plan has a WebSocket stream but targets.ws is missing');
  if (grpc && !targets.grpc) throw new Error('plan has a gRPC stream but targets.grpc is missing');
  let wsShape: WsShape | null = null;
  if (ws && targets.ws) {
    const base = toShapeStages(ws.stages);
    wsShape = {
      url: joinUrl(targets.ws, ws.entry.path),
      startS: base.startS,
      startSessions: base.startRate,
      stages: limitOpenRate(base.stages, base.startRate, ws.openRate),
      messagesPerSecond: ws.messagesPerSecond,
      retryDelayMs: 500,
    };
  }
  return {
    testId,
    http: http && targets.http ? { url: joinUrl(targets.http, http.entry.path), ...rateStream(http.stages, timeoutS) } : null,
    ws: wsShape,
    grpc: grpc && targets.grpc ? { addr: targets.grpc, ...rateStream(grpc.stages, timeoutS) } : null,
  };
}
