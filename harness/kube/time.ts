// Kubernetes timestamps arrive as RFC 3339 strings (raw JSON, watches) or Date objects (typed
// client). Every record uses epoch ms, the timeline's one clock.

export function toEpoch(v: string | Date | undefined | null): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = v instanceof Date ? v.getTime() : Date.parse(v);
  return Number.isFinite(ms) ? ms : undefined;
}
