// Endpoint transitions per Service (pure). A Service's endpoints may spread over several
// EndpointSlices, so the view is the union of its slices; each change of one slice is diffed
// as a change of the Service's whole endpoint set.
import type { EndpointRecord } from '../timeline/types.ts';
import { toEpoch } from '../kube/time.ts';

export interface RawEndpointSlice {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  endpoints?: {
    addresses?: string[];
    conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
    targetRef?: { kind?: string; name?: string };
  }[];
  [k: string]: unknown;
}

export interface EndpointState {
  pod: string;
  ip: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

export const SERVICE_LABEL = 'kubernetes.io/service-name';

/** Endpoints of one slice keyed by pod/ip; nil conditions read as the API defines them. */
export function sliceEndpoints(slice: RawEndpointSlice): Map<string, EndpointState> {
  const out = new Map<string, EndpointState>();
  for (const e of slice.endpoints ?? []) {
    const ip = e.addresses?.[0] ?? '';
    const pod = e.targetRef?.name ?? '';
    // ready: nil means ready; serving: nil means "same as ready"; terminating: nil means false.
    const ready = e.conditions?.ready ?? true;
    const serving = e.conditions?.serving ?? ready;
    const terminating = e.conditions?.terminating ?? false;
    out.set(`${pod}/${ip}`, { pod, ip, ready, serving, terminating });
  }
  return out;
}

/** The endpoint records between two states of one Service's endpoints. */
export function diffEndpoints(
  service: string,
  namespace: string,
  before: Map<string, EndpointState>,
  after: Map<string, EndpointState>,
  at: number,
  objectTime?: number,
): EndpointRecord[] {
  const out: EndpointRecord[] = [];
  const rec = (e: EndpointState, removed: boolean): EndpointRecord => {
    const r: EndpointRecord = { kind: 'endpoint', at, namespace, service, pod: e.pod, ip: e.ip, ready: e.ready, serving: e.serving, terminating: e.terminating, removed };
    if (objectTime !== undefined) r.objectTime = objectTime;
    return r;
  };
  for (const [k, e] of after) {
    const b = before.get(k);
    if (!b || b.ready !== e.ready || b.serving !== e.serving || b.terminating !== e.terminating) out.push(rec(e, false));
  }
  for (const [k, b] of before) {
    if (!after.has(k)) out.push(rec({ ...b, ready: false, serving: false }, true));
  }
  return out;
}

/** Keeps each Service's slices; turns slice changes into endpoint records. */
export class EndpointView {
  private readonly slices = new Map<string, Map<string, RawEndpointSlice>>();

  constructor(private readonly namespace: string) {}

  private union(service: string): Map<string, EndpointState> {
    const out = new Map<string, EndpointState>();
    for (const s of this.slices.get(service)?.values() ?? []) for (const [k, e] of sliceEndpoints(s)) out.set(k, e);
    return out;
  }

  change(prev: RawEndpointSlice | undefined, next: RawEndpointSlice, deleted: boolean, at: number): EndpointRecord[] {
    const service = next.metadata?.labels?.[SERVICE_LABEL] ?? prev?.metadata?.labels?.[SERVICE_LABEL];
    if (!service) return [];
    const key = next.metadata?.uid ?? next.metadata?.name ?? '';
    const before = this.union(service);
    const mine = this.slices.get(service) ?? new Map<string, RawEndpointSlice>();
    this.slices.set(service, mine);
    if (deleted) mine.delete(key);
    else mine.set(key, next);
    const trigger = toEpoch(next.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']);
    return diffEndpoints(service, this.namespace, before, this.union(service), at, trigger);
  }
}
