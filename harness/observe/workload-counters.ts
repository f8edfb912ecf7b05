// Pure: the run's Prometheus's raw scrapes of the workloads' /metrics → one record per pod per
// scrape. Read as a range vector (`{…}[Ns]` in an instant query), not with query_range: a range
// query resamples to its step and loses the scrape's own timestamp, which is what brackets a pod's
// exit (its last answered scrape before, the first failed or missing one after).
import type { EpochMs, WorkloadCountersRecord } from '../timeline/types.ts';

/** A Prometheus HTTP API answer to an instant query whose result is a matrix (range vector). */
export interface PromMatrixAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric: Record<string, string>; values?: [number, string][] }[] };
}

/** Labels the scrape jobs put on every series of a target: they name the target, not the counter. */
const TARGET_LABELS = new Set(['__name__', 'job', 'instance', 'pod', 'namespace', 'workload', 'container', 'node']);

/**
 * The series the records keep: everything the workload exposes but histogram buckets (latency is
 * k6's to measure; buckets would multiply the timeline by 15) and Prometheus's own scrape_* series.
 * `up` is read too: it says whether each scrape answered.
 */
export function workloadCountersQuery(jobs: readonly string[], windowS: number): string {
  return `{job=~"${jobs.join('|')}",__name__!~".*_bucket|scrape_.*"}[${Math.max(1, Math.ceil(windowS))}s]`;
}

/** Pure: the key of one series in a record: its name and its own labels, sorted (`name{code="1001"}`). */
export function counterKey(metric: Record<string, string>): string {
  const labels = Object.keys(metric)
    .filter((k) => !TARGET_LABELS.has(k))
    .sort()
    .map((k) => `${k}=${JSON.stringify(metric[k])}`);
  const name = metric['__name__'] ?? '';
  return labels.length ? `${name}{${labels.join(',')}}` : name;
}

/**
 * Pure: one record per (pod, target, scrape timestamp), ascending by time. A failed scrape (`up`
 * 0) is a record with `up: false` and no counters; values that JSON cannot hold (NaN, ±Inf) are
 * left out. Throws when the answer is not a successful matrix, naming what came back.
 */
export function workloadCountersFromMatrix(answer: PromMatrixAnswer, namespace: string, range?: { from: EpochMs; to: EpochMs }): WorkloadCountersRecord[] {
  if (answer.status !== 'success' || answer.data?.resultType !== 'matrix') {
    throw new Error(`workload counters: Prometheus answered ${answer.status ?? '?'} (${answer.data?.resultType ?? 'no result'})${answer.error ? `: ${answer.error}` : ''}`);
  }
  const byScrape = new Map<string, WorkloadCountersRecord>();
  for (const series of answer.data.result ?? []) {
    const m = series.metric;
    const pod = m['pod'];
    if (!pod) continue;
    const isUp = m['__name__'] === 'up';
    const key = isUp ? null : counterKey(m);
    for (const [ts, text] of series.values ?? []) {
      const at = Math.round(ts * 1000);
      if (range && (at < range.from || at > range.to)) continue;
      const id = `${pod}\0${m['instance'] ?? ''}\0${at}`;
      let r = byScrape.get(id);
      if (!r) {
        r = { kind: 'workloadCounters', at, namespace: m['namespace'] ?? namespace, pod, workload: m['workload'] ?? '', counters: {} };
        if (m['instance']) r.target = m['instance'];
        byScrape.set(id, r);
      }
      const v = Number(text);
      if (isUp) r.up = v === 1;
      else if (key && Number.isFinite(v)) r.counters[key] = v;
    }
  }
  const records = [...byScrape.values()];
  // A target with a single address per pod needs no `target`: keep the records small.
  const targets = new Map<string, Set<string>>();
  for (const r of records) targets.set(r.pod, (targets.get(r.pod) ?? new Set()).add(r.target ?? ''));
  for (const r of records) {
    if ((targets.get(r.pod)?.size ?? 0) <= 1) delete r.target;
    if (r.up === false) r.counters = {};
  }
  return records.sort((a, b) => a.at - b.at || a.pod.localeCompare(b.pod) || (a.target ?? '').localeCompare(b.target ?? ''));
}
