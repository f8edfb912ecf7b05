// Run-relative time for messages: people read "t+61.2s" (seconds after load start), not epoch ms.
import type { EpochMs, LoadSecond, LoadSeries, Timeline } from '../timeline/types.ts';
import type { TimeWindow } from './scorecard.ts';

/** t = 0 of the messages: load start, or the run start when load never started. */
export function runZero(t: Timeline): EpochMs {
  return t.loadStartedAt ?? t.startedAt;
}

export function atLabel(zero: EpochMs, at: EpochMs): string {
  const s = (at - zero) / 1000;
  return `t${s < 0 ? '-' : '+'}${Math.abs(s).toFixed(1)}s`;
}

export function windowLabel(zero: EpochMs, w: TimeWindow): string {
  return `${atLabel(zero, w.from)}–${atLabel(zero, w.to).slice(1)}`;
}

/** Seconds of the series that overlap [from, to). */
export function secondsIn(load: LoadSeries | null, w: TimeWindow): LoadSecond[] {
  if (!load) return [];
  return load.seconds.filter((s) => s.at < w.to && s.at + 1000 > w.from);
}

/** All requests of a second: HTTP plus gRPC. */
export function requestsOf(s: LoadSecond): number {
  return s.requests + (s.grpc?.requests ?? 0);
}

/** gRPC statuses other than OK count as failures ('0' or 'OK' is success). */
export function grpcFailuresOf(s: LoadSecond): number {
  if (!s.grpc) return 0;
  let n = 0;
  for (const [status, count] of Object.entries(s.grpc.byStatus)) {
    if (status !== '0' && status.toUpperCase() !== 'OK') n += count;
  }
  return n;
}

export function failuresOf(s: LoadSecond): number {
  let n = grpcFailuresOf(s);
  for (const v of Object.values(s.failures)) n += v;
  return n;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** End of the recorded series (exclusive), or the run's end when there is none. */
export function seriesEnd(t: Timeline): EpochMs {
  const last = t.load?.seconds.at(-1);
  return last ? last.at + 1000 : t.endedAt;
}

/** Where the planned load ends; null when load never started. */
export function plannedEnd(t: Timeline): EpochMs | null {
  return t.loadStartedAt === null ? null : t.loadStartedAt + t.plan.durationS * 1000;
}

/**
 * End of the load that counts (exclusive): the planned end, or the series' end when it stopped
 * sooner. Seconds after the planned end (k6 closing its WebSocket sessions, no requests) are
 * evidence of nothing, so no window reaches past it.
 */
export function loadEnd(t: Timeline): EpochMs {
  const planned = plannedEnd(t);
  const end = seriesEnd(t);
  return planned === null ? end : Math.min(planned, end);
}
