// The drain's second witness, for every workload whose /metrics the run's Prometheus scraped (a
// user's image writes no exit line): the pod's last answered scrape before its exit and the first
// scrape it did not answer. Exact to one scrape interval. A scrape is taken before the exit, so
// it never sees what the exit cut: this witness claims nothing about cut requests (issue 14,
// rule 4); it claims when the process stopped answering, and which WebSocket sessions the pod
// itself closed during its drain, and both can disagree with what the harness saw.
import type { EpochMs, Timeline, WorkloadCountersRecord } from '../timeline/types.ts';
import type { Check, PodDrain, ScrapeWitness } from './scorecard.ts';
import { atLabel, windowLabel } from './run-clock.ts';

/** The observed exit is the observer's receive time; a scrape answered up to this much after it is not a contradiction. */
export const SCRAPE_EXIT_SKEW_MS = 1000;

function answered(r: WorkloadCountersRecord): boolean {
  return r.up === true || (r.up === undefined && Object.keys(r.counters).length > 0);
}

function served(c: Record<string, number>): number | null {
  if (c['standin_requests_served_total'] !== undefined) return c['standin_requests_served_total'];
  // A workload of its own: the conventional request counter, summed over its labels.
  const keys = Object.keys(c).filter((k) => k === 'http_requests_total' || k.startsWith('http_requests_total{'));
  return keys.length ? keys.reduce((a, k) => a + c[k]!, 0) : null;
}

function wsClosed(c: Record<string, number>): Record<string, number> | null {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(c)) {
    const m = /^standin_ws_closed_total\{code="(\d+)"\}$/.exec(k);
    if (m) out[m[1]!] = v;
  }
  return Object.keys(out).length ? out : null;
}

/** The scrapes of one pod, ascending; a pod with several metrics targets is judged on the one that answered most. */
export function podScrapes(t: Timeline, pod: string): WorkloadCountersRecord[] {
  const all = t.kube.filter((r): r is WorkloadCountersRecord => r.kind === 'workloadCounters' && r.pod === pod);
  const byTarget = new Map<string, WorkloadCountersRecord[]>();
  for (const r of all) byTarget.set(r.target ?? '', [...(byTarget.get(r.target ?? '') ?? []), r]);
  const answers = (rs: WorkloadCountersRecord[]) => rs.filter(answered).length;
  const most = [...byTarget.values()].sort((a, b) => answers(b) - answers(a))[0] ?? [];
  return [...most].sort((a, b) => a.at - b.at);
}

/**
 * Pure: the witness from one pod's scrapes. `exitAt` is the observed container exit (null: not
 * observed; then the last answered scrape stands for it); `readTo` is where the read-back ended
 * (a gap after it cannot be seen).
 */
export function scrapeWitness(scrapes: readonly WorkloadCountersRecord[], intervalMs: number, deletingAt: EpochMs, exitAt: EpochMs | null, readTo: EpochMs): ScrapeWitness {
  const limit = exitAt !== null ? exitAt + SCRAPE_EXIT_SKEW_MS : Infinity;
  const ok = scrapes.filter(answered);
  const last = ok.filter((r) => r.at <= limit).at(-1) ?? null;
  const base = ok.filter((r) => r.at <= deletingAt).at(-1) ?? null;
  const answeredAfterExit = ok.filter((r) => r.at > limit).length;
  let gapAt: EpochMs | null = null;
  if (last) {
    const after = scrapes.filter((r) => r.at > last.at);
    const next = after[0];
    // The next scrape is due one interval later; one that failed is the gap, none at all is one too.
    if (next && next.at - last.at <= 1.5 * intervalMs) gapAt = answered(next) ? (after.find((r) => !answered(r))?.at ?? null) : next.at;
    else gapAt = readTo >= last.at + intervalMs ? last.at + intervalMs : null;
  }
  const c = last?.counters ?? {};
  const servedLast = served(c);
  const servedBase = base ? served(base.counters) : null;
  const closedLast = wsClosed(c);
  const closedBase = base ? wsClosed(base.counters) : null;
  return {
    intervalMs,
    lastAt: last?.at ?? null,
    gapAt,
    answeredAfterExit,
    served: servedLast,
    inFlight: c['standin_requests_in_flight'] ?? null,
    wsOpen: c['standin_ws_open'] ?? null,
    servedDuringDrain: servedLast !== null && servedBase !== null ? servedLast - servedBase : null,
    wsClosedDuringDrain:
      closedLast && closedBase ? Object.fromEntries(Object.entries(closedLast).map(([code, n]) => [code, n - (closedBase[code] ?? 0)])) : null,
  };
}

/** Pure: every scored pod's scrape witness (absent when the run did not scrape; null when this pod has no scrape). */
export function attachScrapeWitnesses(t: Timeline, pods: PodDrain[]): void {
  const info = t.witnesses.workloadScrape;
  if (!info) return;
  for (const p of pods) {
    const scrapes = podScrapes(t, p.pod);
    p.scrapeWitness = scrapes.length ? scrapeWitness(scrapes, info.intervalMs, p.deletingAt, p.exit?.at ?? null, info.to) : null;
  }
}

/**
 * Pure: `witness.drain-scrape/<pod>`. Passes only on what the scrapes saw: no scrape answered after
 * the observed exit, a gap after the last one, and (with WS load) the sessions the pod closed
 * during its drain, by code, among the closes the clients saw in its window (overlapping pods as
 * one group). Missing scrapes are `incomplete`, never agreement; a workload exposing no /metrics
 * the Prometheus found is `skip`, saying so.
 */
export function scrapeWitnessCheck(t: Timeline, p: PodDrain, pods: readonly PodDrain[], zero: EpochMs): Check | null {
  const info = t.witnesses.workloadScrape;
  if (!info || p.scrapeWitness === undefined) return null;
  const who = `pod ${p.pod} (${p.cause})`;
  const win = windowLabel(zero, p.window);
  const exact = `exact to the ${info.intervalMs / 1000} s scrape interval`;
  const check = (status: Check['status'], message: string, measured: Check['measured'] = null): Check => ({
    id: `witness.drain-scrape/${p.pod}`,
    area: 'witness',
    subject: p.pod,
    metric: "exit and WS closes in the pod's own /metrics",
    status,
    measured,
    limit: 'no scrape answered after the exit; a gap after the last; WS closes the pod counted <= closes the clients saw',
    window: p.window,
    message: `${who} in ${win}: ${message}`,
  });
  if (info.error) return check('incomplete', `no scrape witness: ${info.error}`);
  const w = p.scrapeWitness;
  if (w === null) {
    const workloadScraped = t.kube.some((r) => r.kind === 'workloadCounters' && r.workload === p.workload);
    return workloadScraped
      ? check('incomplete', `no scrape of this pod although other pods of ${p.workload} were scraped: its exit is unwitnessed by /metrics`)
      : check('skip', `${p.workload} exposes no /metrics the run's Prometheus found (no prometheus.io/scrape annotation, no port named metrics)`);
  }
  if (w.lastAt === null) return check('incomplete', 'no scrape answered before its exit: nothing to bracket it with');
  const exitAt = p.exit?.at ?? null;
  const bracket = `stopped answering /metrics between ${atLabel(zero, w.lastAt)} and ${w.gapAt !== null ? atLabel(zero, w.gapAt) : '?'} (${exact})`;
  const exitSaid = exitAt !== null ? `, container exit observed at ${atLabel(zero, exitAt)} (${((exitAt - w.lastAt) / 1000).toFixed(1)} s after its last scrape)` : ', its exit was not observed: this bracket is the only witness of it';
  const state = [
    w.inFlight !== null ? `${w.inFlight} requests in flight` : null,
    w.wsOpen !== null ? `${w.wsOpen} WS sessions open` : null,
    w.servedDuringDrain !== null ? `${w.servedDuringDrain} served since 'deleting'` : w.served !== null ? `${w.served} served in all` : null,
  ].filter(Boolean);
  const atLast = state.length ? `; at its last scrape: ${state.join(', ')}` : '';
  const cutNote = '; what its exit cut is not witnessed by a scrape (taken before the exit)';
  if (w.answeredAfterExit > 0) {
    return check('fail', `answered ${w.answeredAfterExit} scrape(s) more than ${SCRAPE_EXIT_SKEW_MS / 1000} s after its observed exit at ${atLabel(zero, exitAt!)}: the exit and the scrapes disagree`, w.answeredAfterExit);
  }
  if (w.gapAt === null) return check('incomplete', `answered every scrape until the read-back ended at ${atLabel(zero, info.to)}: no gap brackets its exit`);
  if (t.plan.load.ws === null) return check('pass', `${bracket}${exitSaid}${atLast}${cutNote}`, w.gapAt - w.lastAt);

  // WS: what the pod closed, by code, must be among the clients' closes in the window (as one group when windows overlap).
  const group = pods.filter((x) => x === p || p.sharedWith.includes(x.pod));
  const missing = group.filter((x) => !x.scrapeWitness?.wsClosedDuringDrain);
  if (missing.length) {
    return check('incomplete', `${bracket}${exitSaid}; the WS sessions closed during the drain are not witnessed (no scrape with WS counters before 'deleting' and before the exit of ${missing.map((x) => x.pod).join(', ')})${cutNote}`);
  }
  const podClosed = (code: string) => group.reduce((a, x) => a + (x.scrapeWitness!.wsClosedDuringDrain![code] ?? 0), 0);
  const seen = (code: '1001' | '1006') => Math.round(group.reduce((a, x) => a + (code === '1001' ? x.wsClosed1001 : x.wsClosed1006), 0));
  const whose = group.length > 1 ? `group ${group.map((x) => x.pod).join('+')}` : 'the pod';
  const parts: string[] = [];
  let agrees = true;
  for (const code of ['1001', '1006'] as const) {
    const n = podClosed(code);
    const s = seen(code);
    if (n > s) agrees = false;
    parts.push(`${whose} closed ${n} WS sessions with ${code} until its last scrape, clients saw ${s}${n > s ? ` (${n - s} missing from the harness's series)` : ''}`);
  }
  return check(agrees ? 'pass' : 'fail', `${bracket}${exitSaid}${atLast}; ${parts.join('; ')}${cutNote}${agrees ? '' : ': they disagree'}`, w.gapAt - w.lastAt);
}
