// compare: each score of run A against run B (A = baseline), flagging regressions beyond set
// tolerances, for nightly comparisons. Pure.
import { UsageError } from '../harness/base/errors.ts';
import type { Scorecard } from '../harness/score/scorecard.ts';

export type Better = 'lower' | 'higher';
export type Unit = 'count' | 'pct' | 's' | 'ms' | 'ratio' | 'replicas';

export interface ScoreValue {
  key: string;
  value: number;
  better: Better;
  unit: Unit;
}

/** Default tolerance (percent of the baseline value) for every key without its own. */
export const DEFAULT_TOLERANCE_PCT = 10;
/** Changes smaller than this, in the key's unit, are noise and never a regression. */
export const NOISE_FLOOR: Record<Unit, number> = { count: 1, pct: 0.5, s: 1, ms: 5, ratio: 0.001, replicas: 1 };

export interface ComparedScore {
  key: string;
  unit: Unit;
  better: Better;
  a: number | null;
  b: number | null;
  /** (b − a) / |a| × 100; null when a is 0 or one side is missing. */
  changePct: number | null;
  tolerancePct: number;
  status: 'regression' | 'improved' | 'same' | 'within-tolerance' | 'added' | 'removed';
}

export interface Comparison {
  a: { runId: string; verdict: string };
  b: { runId: string; verdict: string };
  scores: ComparedScore[];
  regressions: ComparedScore[];
  verdictRegressed: boolean;
}

export function scoreValues(card: Scorecard): ScoreValue[] {
  const out: ScoreValue[] = [];
  const put = (key: string, value: number | null | undefined, better: Better, unit: Unit) => {
    if (value !== null && value !== undefined && Number.isFinite(value)) out.push({ key, value, better, unit });
  };
  put('checks.failed', card.checks.filter((c) => c.status === 'fail').length, 'lower', 'count');
  const b = card.budget;
  if (b) {
    put('load.requests', b.requests, 'higher', 'count');
    put('budget.failed', b.failed, 'lower', 'count');
    put('budget.usedPct', b.usedPct, 'lower', 'pct');
    put('budget.burn.maxLong', b.burn.maxLong, 'lower', 'ratio');
    put('budget.ws.abnormalRatio', b.ws.abnormalRatio, 'lower', 'ratio');
  }
  const d = card.drain;
  if (d && d.pods.length) {
    put('drain.totalExcessFailures', d.totalExcessFailures, 'lower', 'count');
    put('drain.maxExcessFailuresPerPod', d.maxExcessFailuresPerPod, 'lower', 'count');
    put('drain.ws1006', d.pods.reduce((a, p) => a + p.wsClosed1006, 0), 'lower', 'count');
    const exits = d.pods.map((p) => p.deleteToExitMs).filter((v): v is number => v !== null);
    if (exits.length) put('drain.maxExitS', Math.max(...exits) / 1000, 'lower', 's');
    const rec = d.pods.map((p) => p.reconnectP95Ms).filter((v): v is number => v !== null);
    if (rec.length) put('drain.maxReconnectP95Ms', Math.max(...rec), 'lower', 'ms');
  }
  const h = card.hpa;
  if (h) {
    put('hpa.flaps', h.flaps, 'lower', 'count');
    for (const s of h.steps) {
      put(`hpa.${s.stage}.reactionS`, s.reactionS, 'lower', 's');
      put(`hpa.${s.stage}.readyS`, s.readyS, 'lower', 's');
      put(`hpa.${s.stage}.overshoot`, s.overshoot, 'lower', 'replicas');
      put(`hpa.${s.stage}.sloHeldAgainS`, s.sloHeldAgainS, 'lower', 's');
    }
  }
  const l = card.latency;
  if (l) {
    for (const p of [l.run, ...l.phases]) {
      put(`latency.${p.phase}.p95`, p.p95BoundMs, 'lower', 'ms');
      put(`latency.${p.phase}.p99`, p.p99BoundMs, 'lower', 'ms');
    }
  }
  return out;
}

/** "latency=20" → ['latency', 20]; the key may be a full key, a dotted prefix, or '*'. */
export function parseTolerance(spec: string): [string, number] {
  const m = /^([^=\s]+)=(\d+(?:\.\d+)?)%?$/.exec(spec);
  if (!m) throw new UsageError(`--tolerance '${spec}': want key=percent, e.g. latency=20 or budget.usedPct=5`);
  return [m[1]!, Number(m[2])];
}

function toleranceFor(key: string, tolerances: Record<string, number>): number {
  let best: [number, number] | null = null; // [prefix length, pct]
  for (const [k, pct] of Object.entries(tolerances)) {
    const hit = k === '*' || key === k || key.startsWith(`${k}.`);
    const len = k === '*' ? 0 : k.length;
    if (hit && (!best || len > best[0])) best = [len, pct];
  }
  return best?.[1] ?? DEFAULT_TOLERANCE_PCT;
}

export function compareScorecards(a: Scorecard, b: Scorecard, tolerances: Record<string, number> = {}): Comparison {
  const av = new Map(scoreValues(a).map((v) => [v.key, v]));
  const bv = new Map(scoreValues(b).map((v) => [v.key, v]));
  const keys = [...new Set([...av.keys(), ...bv.keys()])];
  const scores: ComparedScore[] = keys.map((key) => {
    const x = av.get(key);
    const y = bv.get(key);
    const meta = (x ?? y)!;
    const tol = toleranceFor(key, tolerances);
    const base = { key, unit: meta.unit, better: meta.better, a: x?.value ?? null, b: y?.value ?? null, tolerancePct: tol };
    if (!x) return { ...base, changePct: null, status: 'added' as const };
    if (!y) return { ...base, changePct: null, status: 'removed' as const };
    const delta = y.value - x.value;
    const changePct = x.value !== 0 ? (delta / Math.abs(x.value)) * 100 : null;
    const worse = meta.better === 'lower' ? delta > 0 : delta < 0;
    if (delta === 0) return { ...base, changePct: 0, status: 'same' as const };
    if (!worse) return { ...base, changePct, status: 'improved' as const };
    const beyond = Math.abs(delta) >= NOISE_FLOOR[meta.unit] && (changePct === null || Math.abs(changePct) > tol);
    return { ...base, changePct, status: beyond ? ('regression' as const) : ('within-tolerance' as const) };
  });
  const rank = { pass: 0, fail: 1, incomplete: 1 } as const;
  return {
    a: { runId: a.runId, verdict: a.verdict },
    b: { runId: b.runId, verdict: b.verdict },
    scores,
    regressions: scores.filter((s) => s.status === 'regression'),
    verdictRegressed: rank[b.verdict] > rank[a.verdict],
  };
}

function num(v: number | null, unit: Unit): string {
  if (v === null) return '–';
  const r = Math.round(v * 1000) / 1000;
  return `${r}${unit === 'pct' ? ' %' : unit === 's' ? ' s' : unit === 'ms' ? ' ms' : ''}`;
}

export function renderComparison(c: Comparison): string {
  const rows = c.scores.map((s) => [
    s.status === 'regression' ? '✗' : s.status === 'improved' ? '↑' : ' ',
    s.key,
    num(s.a, s.unit),
    num(s.b, s.unit),
    s.changePct === null ? (s.a === 0 && s.b !== null && s.b !== 0 ? 'from 0' : '') : `${s.changePct > 0 ? '+' : ''}${Math.round(s.changePct * 10) / 10} %`,
    s.status === 'regression' ? `REGRESSION (tolerance ${s.tolerancePct} %)` : s.status,
  ]);
  const widths = [1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i]!.length), 4));
  const lines = [
    `A ${c.a.runId} (${c.a.verdict})  →  B ${c.b.runId} (${c.b.verdict})`,
    ...rows.map((r) => `${r[0]} ${r[1]!.padEnd(widths[0]!)}  ${r[2]!.padStart(widths[1]!)}  ${r[3]!.padStart(widths[2]!)}  ${r[4]!.padStart(widths[3]!)}  ${r[5]}`),
  ];
  if (c.verdictRegressed) lines.push(`✗ verdict went from ${c.a.verdict} to ${c.b.verdict}`);
  lines.push(c.regressions.length || c.verdictRegressed ? `${c.regressions.length} regressions beyond tolerance` : 'no regression beyond tolerance');
  return lines.join('\n') + '\n';
}
