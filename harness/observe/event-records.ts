// Kubernetes Events as records (pure): a new Event, or a repeat of one (its count went up).
import type { EventRecord } from '../timeline/types.ts';
import { toEpoch } from '../kube/time.ts';

export interface RawEvent {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; creationTimestamp?: string; [k: string]: unknown };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  series?: { count?: number; lastObservedTime?: string };
  involvedObject?: { kind?: string; name?: string };
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  [k: string]: unknown;
}

function occurrences(e: RawEvent | undefined): number {
  return e?.series?.count ?? e?.count ?? 1;
}

export function eventRecords(prev: RawEvent | undefined, next: RawEvent, deleted: boolean, at: number): EventRecord[] {
  if (deleted) return [];
  if (prev && occurrences(next) <= occurrences(prev)) return [];
  const r: EventRecord = {
    kind: 'event',
    at,
    namespace: next.metadata?.namespace ?? '',
    reason: next.reason ?? '',
    message: next.message ?? '',
    involved: { kind: next.involvedObject?.kind ?? '', name: next.involvedObject?.name ?? '' },
    type: next.type ?? '',
  };
  const t = toEpoch(next.series?.lastObservedTime ?? next.lastTimestamp ?? next.eventTime ?? next.firstTimestamp ?? next.metadata?.creationTimestamp);
  if (t !== undefined) r.objectTime = t;
  return [r];
}
