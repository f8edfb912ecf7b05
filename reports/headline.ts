// The few numbers every report leads with, worded once so console, markdown and HTML agree.
import type { Scorecard } from '../harness/score/scorecard.ts';

export interface Headline {
  label: string;
  value: string;
  /** null: informational. */
  ok: boolean | null;
}

function failedIn(card: Scorecard, prefix: string): boolean | null {
  const cs = card.checks.filter((c) => c.id.startsWith(prefix));
  if (!cs.length) return null;
  return !cs.some((c) => c.status === 'fail' || c.status === 'incomplete');
}

export function fmt(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined) return '–';
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

function span(a: number, b: number): string {
  return fmt(a, 1) === fmt(b, 1) ? fmt(a, 1) : `${fmt(a, 1)}–${fmt(b, 1)}`;
}

export function headlines(card: Scorecard): Headline[] {
  const out: Headline[] = [];
  const plan = card.checks.filter((c) => c.area === 'plan');
  if (plan.length) {
    const bad = plan.filter((c) => c.status === 'fail' || c.status === 'incomplete');
    const a = card.adherence;
    const shares = (a?.stages ?? []).filter((s) => s.share !== null).map((s) => `${s.stream}/${s.stage} ${fmt((s.share ?? 0) * 100, 1)} %`);
    out.push({
      label: 'plan carried out',
      value: bad.length
        ? `no: ${bad.length} of ${plan.length} rules missed (${bad.map((c) => c.subject).join(', ')})`
        : `yes: ${shares.join(', ') || 'all rules'}; chaos and shards as planned`,
      ok: bad.length === 0,
    });
  }
  const b = card.budget;
  if (b) {
    out.push({ label: 'requests', value: `${fmt(b.requests)} (${fmt(b.failed)} failed)`, ok: null });
    out.push({ label: 'error budget used', value: `${fmt(b.usedPct)} % of ${fmt(b.allowed)} (limit ${b.maxUsedPct} %)`, ok: failedIn(card, 'budget.used') });
    if (b.ws.sessions > 0) {
      out.push({
        label: 'WS abnormal closes',
        value: `${fmt(b.ws.closedByCode['1006'] ?? 0)} of ${fmt(b.ws.sessions)} sessions (${fmt((b.ws.abnormalRatio ?? 0) * 100)} %)`,
        ok: failedIn(card, 'budget.ws-abnormal'),
      });
    }
  }
  const d = card.drain;
  if (d && d.pods.length) {
    const exits = d.pods.map((p) => p.deleteToExitMs).filter((v): v is number => v !== null);
    out.push({
      label: 'drain',
      value: `${d.pods.length} pods went away; ${fmt(d.totalExcessFailures)} failed requests attributed (max ${fmt(d.maxExcessFailuresPerPod)} per pod)${exits.length ? `; exit ${span(Math.min(...exits) / 1000, Math.max(...exits) / 1000)} s after delete` : ''}`,
      ok: failedIn(card, 'drain.'),
    });
  }
  const h = card.hpa;
  if (h) {
    for (const s of h.steps) {
      out.push({
        label: `HPA step ${s.stage}`,
        value: `reaction ${fmt(s.reactionS)} s, ready ${fmt(s.readyS)} s, peak ${fmt(s.peakDesired)} (needs ${s.neededReplicas}), SLOs back after ${fmt(s.sloHeldAgainS)} s`,
        ok: failedIn(card, `hpa.`),
      });
    }
    if (!h.steps.length) out.push({ label: 'HPA', value: `${h.changes.length} changes, ${h.flaps} flaps`, ok: failedIn(card, 'hpa.') });
  }
  for (const n of card.nodeFail?.losses ?? []) {
    out.push({
      label: `node lost ${n.node}`,
      value: `NotReady after ${fmt(n.notReadyS)} s; ${n.pods.length} pods lost, endpoints out after ${n.pods.map((p) => fmt(p.endpointOutS)).join('/') || '–'} s; ${fmt(n.excessFailures)} failed above baseline, ${fmt(n.ws1006)} WS 1006`,
      ok: failedIn(card, `node-fail.`),
    });
  }
  for (const f of card.networkFault?.faults ?? []) {
    out.push({
      label: `fault ${f.what}`,
      value: `p50 ${fmt(f.baseline.p50Ms)} → ${fmt(f.during.p50Ms)} ms, failure ratio ${fmt(f.baseline.failureRatio, 4)} → ${fmt(f.during.failureRatio, 4)} on ${f.pods.length} pods; back ${fmt(f.recoveryS)} s after the undo`,
      ok: failedIn(card, 'fault.'),
    });
  }
  const l = card.latency;
  if (l) {
    const worst = [...l.phases].sort((a, b) => (b.p99BoundMs ?? 0) - (a.p99BoundMs ?? 0))[0] ?? l.run;
    out.push({ label: 'latency', value: `run p95 ≤ ${fmt(l.run.p95BoundMs)} ms, p99 ≤ ${fmt(l.run.p99BoundMs)} ms (worst phase ${worst.phase}: p99 ≤ ${fmt(worst.p99BoundMs)} ms)`, ok: failedIn(card, 'latency.') });
  }
  const w = card.checks.filter((c) => c.area === 'witness');
  if (w.length) {
    const bad = w.filter((c) => c.status === 'fail').length;
    const absent = w.filter((c) => c.status === 'incomplete' || c.status === 'skip').length;
    out.push({
      label: 'witnesses',
      value: `${w.length - bad - absent} of ${w.length} agree${bad ? `, ${bad} disagree` : ''}${absent ? `, ${absent} absent (not counted as agreeing)` : ''}`,
      ok: bad > 0 ? false : absent > 0 ? null : true,
    });
  }
  return out;
}

export function checkCounts(card: Scorecard): { passed: number; failed: number; incomplete: number; skipped: number } {
  return {
    passed: card.checks.filter((c) => c.status === 'pass').length,
    failed: card.checks.filter((c) => c.status === 'fail').length,
    incomplete: card.checks.filter((c) => c.status === 'incomplete').length,
    skipped: card.checks.filter((c) => c.status === 'skip').length,
  };
}

/** "12 passed, 1 failed, 2 incomplete, 0 skipped": the same words in every report. */
export function countsLine(card: Scorecard): string {
  const n = checkCounts(card);
  return `${n.passed} passed, ${n.failed} failed, ${n.incomplete} incomplete, ${n.skipped} skipped`;
}

export const VERDICT_WORD = { pass: 'PASS', fail: 'FAIL', incomplete: 'INCOMPLETE' } as const;
