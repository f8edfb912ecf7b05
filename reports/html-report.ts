// report.html: one self-contained page (inline CSS and SVG, no script, no network): the verdict
// first, then the time series with every chaos action and pod termination marked, then the
// tables a release manager reads (drain per pod, HPA reactions, budget per phase, all checks).
import type { Check, Scorecard } from '../harness/score/scorecard.ts';
import { atLabel } from '../harness/score/run-clock.ts';
import type { HpaRecord, RolloutRecord, Timeline } from '../harness/timeline/types.ts';
import { FAILURE_CAUSES } from '../harness/timeline/types.ts';
import { countsLine, fmt, headlines, VERDICT_WORD } from './headline.ts';
import type { Reporter, ReportInput } from './reporter.ts';
import { escapeXml as esc, renderChart, type ChartMark, type ChartSeries } from './svg-chart.ts';

const CAUSE_COLORS: Record<string, string> = {
  http5xx: '#d62728',
  http4xx: '#ff7f0e',
  refused: '#9467bd',
  reset: '#8c564b',
  timeout: '#e377c2',
  other: '#7f7f7f',
};
const PALETTE = ['#1f77b4', '#2ca02c', '#17becf', '#bcbd22', '#9467bd', '#8c564b'];

const CSS = `
:root{--fg:#1d2433;--muted:#5b6477;--line:#d9dee8;--bg:#f6f7fa;--pass:#1a7f37;--fail:#cf222e;--inc:#9a6700}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main{max-width:1080px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:22px;margin:0}
h2{font-size:17px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.banner{border-radius:10px;padding:18px 22px;color:#fff;margin-bottom:18px}
.banner.pass{background:var(--pass)}.banner.fail{background:var(--fail)}.banner.incomplete{background:var(--inc)}
.banner .verdict{font-size:34px;font-weight:800;letter-spacing:.04em;margin-right:14px}
.banner .scenario{font-size:20px;font-weight:600}
.banner .meta{opacity:.92;margin-top:6px}
.banner ul{margin:12px 0 0;padding-left:20px}
.banner li{margin:3px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:10px}
.card{background:#fff;border:1px solid var(--line);border-left:5px solid var(--line);border-radius:8px;padding:10px 12px}
.card.ok{border-left-color:var(--pass)}.card.bad{border-left-color:var(--fail)}
.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .value{font-weight:600}
.chart-box{background:#fff;border:1px solid var(--line);border-radius:8px;margin:0 0 12px;padding:8px 8px 6px}
svg.chart{display:block;width:100%;height:auto;font-size:11px}
.chart-title{font-size:13px;font-weight:700;fill:var(--fg)}
.grid{stroke:#eef0f4}.axis{stroke:#9aa3b5}.tick{fill:var(--muted)}
.axis-label{fill:var(--muted);font-size:11px}
.line{fill:none;stroke-width:1.8}
.limit{stroke:var(--fail);stroke-dasharray:3 3;stroke-width:1.2}.limit-label{fill:var(--fail);font-size:10px}
.mark-chaos rect{fill:#f0a020;opacity:.16}.mark-chaos line{stroke:#d98200;stroke-width:1.5}
.mark-term rect{fill:#cf222e;opacity:.07}.mark-term line{stroke:#cf222e;stroke-width:1;stroke-dasharray:2 2}
.mark-event line{stroke:#1f5fbf;stroke-width:1.2;stroke-dasharray:5 3}.mark-label-event{fill:#1f5fbf;font-size:10px;font-weight:600}
.key-event{background:#1f5fbf!important;height:2px!important}
.mark-label-chaos{fill:#b36b00;font-weight:700;font-size:10.5px}.mark-label-term{fill:#a1151f;font-size:9.5px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;padding:2px 8px 2px 56px;color:var(--muted);font-size:12px}
.key i{display:inline-block;width:14px;height:4px;vertical-align:middle;margin-right:5px;border-radius:2px}
.key i.dashed{background-image:linear-gradient(90deg,transparent 50%,#fff 50%)!important;background-size:6px 4px}
.key-chaos{background:#f0a020!important;opacity:.6;height:10px!important}
.key-term{background:#cf222e!important;opacity:.35;height:10px!important}
.key-limit{background:var(--fail)!important;height:2px!important}
.off-scale{color:var(--fail)}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line);border-radius:8px;font-size:12.5px;margin-bottom:10px}
th,td{padding:5px 8px;border-bottom:1px solid #eef0f4;text-align:left;vertical-align:top}
th{background:#f0f2f6;font-weight:600}
td code{word-break:break-all}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.fail td{background:#fff1f1}
.st{font-weight:700;font-size:11px;padding:1px 6px;border-radius:10px;color:#fff;white-space:nowrap}
.st.pass{background:var(--pass)}.st.fail{background:var(--fail)}.st.incomplete{background:#bf8700}.st.skip{background:#8c959f}
.muted{color:var(--muted)}
code{font:12px ui-monospace,"DejaVu Sans Mono",monospace}
ul.notes li{margin:4px 0;color:var(--muted)}
@media print{body{background:#fff}.chart-box,.card,table{break-inside:avoid}}
`;

function td(v: string | number | null | undefined, num = false): string {
  const s = typeof v === 'number' ? fmt(v) : v === null || v === undefined ? '–' : v;
  return `<td${num ? ' class="num"' : ''}>${esc(String(s))}</td>`;
}

function tableHtml(head: string[], rows: string[], numCols: number[] = []): string {
  return `<table><thead><tr>${head.map((h, i) => `<th${numCols.includes(i) ? ' style="text-align:right"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function statusBadge(s: Check['status'] | boolean | null): string {
  const v = s === true ? 'pass' : s === false ? 'fail' : s === null ? 'skip' : s;
  return `<span class="st ${v}">${v === 'skip' && s === null ? '–' : v.toUpperCase()}</span>`;
}

// ---------------------------------------------------------------- charts

function marks(t: Timeline, card: Scorecard, zero: number): ChartMark[] {
  const out: ChartMark[] = [];
  for (const m of t.chaos) {
    out.push({
      from: (m.startedAt - zero) / 1000,
      to: (m.endedAt - zero) / 1000,
      label: m.id,
      kind: 'chaos',
      detail: `${m.id}: ${m.action} ${m.target} ${atLabel(zero, m.startedAt)}–${atLabel(zero, m.endedAt).slice(1)}, ${m.outcome}; ${m.detail}`,
    });
  }
  for (const p of card.drain?.pods ?? []) {
    out.push({
      from: (p.window.from - zero) / 1000,
      to: (p.window.to - zero) / 1000,
      label: `✕ ${p.pod.split('-').at(-1)}`,
      kind: 'termination',
      detail: `${p.pod} deleting ${atLabel(zero, p.deletingAt)}, exit ${p.exit ? atLabel(zero, p.exit.at) : 'not seen'} (code ${p.exit?.exitCode ?? '?'}); ${fmt(p.excessFailures)} failed above baseline, ${fmt(p.wsClosed1006)} WS 1006`,
    });
  }
  for (const s of card.hpa?.steps ?? []) {
    out.push({ from: (s.stepStartAt - zero) / 1000, to: (s.stepStartAt - zero) / 1000, label: `step ${s.stage}`, kind: 'event', detail: `load step ${s.stage}: ${fmt(s.fromTarget)} → ${fmt(s.toTarget)} req/s reached 90 % at ${atLabel(zero, s.stepStartAt)} (${s.stepStartBasis})` });
  }
  for (const c of card.hpa?.changes ?? []) {
    out.push({ from: (c.at - zero) / 1000, to: (c.at - zero) / 1000, label: `${c.from}→${c.to}`, kind: 'event', detail: `HPA desired ${c.from} → ${c.to} at ${atLabel(zero, c.at)}${c.eventMessage ? `; event "${c.eventMessage}"` : '; no SuccessfulRescale event'}` });
  }
  if (card.interrupted) {
    const x = (card.interrupted.at - zero) / 1000;
    out.push({ from: x, to: x, label: 'interrupted', kind: 'event', detail: `run interrupted at ${atLabel(zero, card.interrupted.at)}: ${card.interrupted.reason}` });
  }
  return out;
}

/** Stepwise value of records over the x range, starting with the last value before x0. */
function stepPoints<T extends { at: number }>(records: T[], value: (r: T) => number, zero: number, x0: number): [number, number | null][] {
  const pts: [number, number | null][] = [];
  const before = records.filter((r) => (r.at - zero) / 1000 <= x0).at(-1);
  if (before) pts.push([x0, value(before)]);
  for (const r of records) {
    const x = (r.at - zero) / 1000;
    if (x > x0) pts.push([x, value(r)]);
  }
  return pts;
}

function charts(t: Timeline, card: Scorecard): string {
  const load = t.load;
  if (!load || t.loadStartedAt === null || load.seconds.length === 0) return '<p class="muted">No load series was recorded: no charts.</p>';
  const zero = t.loadStartedAt;
  // Per-second values sit in the middle of their second (bars span the whole second).
  const xs = load.seconds.map((s) => (s.at - zero) / 1000 + 0.5);
  const barX = load.seconds.map((s) => (s.at - zero) / 1000);
  const xDomain: [number, number] = [0, Math.max(barX.at(-1)! + 1, t.plan.durationS)];
  const mk = marks(t, card, zero);
  const out: string[] = [];

  const plannedTarget = (stages: { startS: number; endS: number; fromTarget: number; toTarget: number }[]): [number, number | null][] =>
    stages.flatMap((s) => [[s.startS, s.fromTarget] as [number, number], [s.endS, s.toTarget] as [number, number]]);
  const rateSeries: ChartSeries[] = [{ label: 'achieved req/s', color: PALETTE[0]!, kind: 'line', points: load.seconds.map((s, i) => [xs[i]!, s.requests]) }];
  if (t.plan.load.http) rateSeries.push({ label: 'planned req/s', color: '#7a8599', kind: 'line', dashed: true, points: plannedTarget(t.plan.load.http.stages) });
  if (load.seconds.some((s) => s.grpc)) rateSeries.push({ label: 'gRPC req/s', color: PALETTE[2]!, kind: 'line', points: load.seconds.map((s, i) => [xs[i]!, s.grpc?.requests ?? null]) });
  if (load.seconds.some((s) => s.droppedIterations > 0)) rateSeries.push({ label: 'dropped iterations/s', color: '#b0b6c3', kind: 'line', points: load.seconds.map((s, i) => [xs[i]!, s.droppedIterations]) });
  out.push(renderChart({ id: 'chart-rate', title: 'Request rate', yLabel: 'requests / s', xDomain, series: rateSeries, marks: mk }));

  const causeSeries: ChartSeries[] = FAILURE_CAUSES.filter((c) => load.seconds.some((s) => s.failures[c] > 0)).map((c) => ({
    label: c,
    color: CAUSE_COLORS[c]!,
    kind: 'stack' as const,
    points: load.seconds.map((s, i) => [barX[i]!, s.failures[c]] as [number, number]),
  }));
  out.push(
    renderChart({
      id: 'chart-errors',
      title: causeSeries.length ? 'Failed requests by cause' : 'Failed requests by cause (none)',
      yLabel: 'failed / s',
      xDomain,
      series: causeSeries,
      marks: mk,
      height: 200,
    }),
  );

  const latLimits = [
    ...(t.plan.slos.latencyMs?.p95 !== undefined ? [{ value: t.plan.slos.latencyMs.p95, label: `p95 limit ${t.plan.slos.latencyMs.p95} ms` }] : []),
    ...(t.plan.slos.latencyMs?.p99 !== undefined ? [{ value: t.plan.slos.latencyMs.p99, label: `p99 limit ${t.plan.slos.latencyMs.p99} ms` }] : []),
  ];
  out.push(
    renderChart({
      id: 'chart-latency',
      title: 'Latency per second',
      yLabel: 'ms',
      xDomain,
      marks: mk,
      limits: latLimits,
      series: (['p50', 'p95', 'p99'] as const).map((q, k) => ({
        label: q,
        color: ['#8fb8de', PALETTE[0]!, '#d62728'][k]!,
        kind: 'line' as const,
        points: load.seconds.map((s, i) => [xs[i]!, s.latencyMs ? s.latencyMs[q] : null] as [number, number | null]),
      })),
    }),
  );

  if (load.seconds.some((s) => s.ws)) {
    const codes = [...new Set(load.seconds.flatMap((s) => Object.keys(s.ws?.closedByCode ?? {})))].sort();
    const codeColor = (c: string) => (c === '1006' ? '#d62728' : c === '1001' ? '#2ca02c' : c === '1000' ? '#7f7f7f' : '#ff7f0e');
    out.push(
      renderChart({
        id: 'chart-ws',
        title: 'WebSocket sessions and closes by code',
        yLabel: 'sessions',
        xDomain,
        marks: mk,
        series: [
          { label: 'open sessions', color: PALETTE[0]!, kind: 'line', points: load.seconds.map((s, i) => [xs[i]!, s.ws?.open ?? null]) },
          ...codes.map((c) => ({
            label: `closed ${c}${c === '1006' ? ' (abnormal)' : c === '1001' ? ' (going away)' : ''} / s`,
            color: codeColor(c),
            kind: 'stack' as const,
            points: load.seconds.map((s, i) => [barX[i]!, s.ws?.closedByCode[c] ?? 0] as [number, number]),
          })),
        ],
      }),
    );
  }

  const replicaSeries: ChartSeries[] = [];
  let k = 0;
  for (const w of t.plan.workloads) {
    const ro = t.kube.filter((r): r is RolloutRecord => r.kind === 'rollout' && r.object !== 'ReplicaSet' && r.name === w.object.name).sort((a, b) => a.at - b.at);
    const hpa = t.kube.filter((r): r is HpaRecord => r.kind === 'hpa' && r.name === w.object.name).sort((a, b) => a.at - b.at);
    if (!ro.length && !hpa.length) continue;
    const color = PALETTE[k++ % PALETTE.length]!;
    if (ro.length) replicaSeries.push({ label: `${w.object.name} ready`, color, kind: 'step', points: stepPoints(ro, (r) => r.ready, zero, 0) });
    if (hpa.length) replicaSeries.push({ label: `${w.object.name} HPA desired`, color: '#d98200', kind: 'step', dashed: true, points: stepPoints(hpa.filter((r) => r.desiredReplicas > 0), (r) => r.desiredReplicas, zero, 0) });
    else if (ro.length) replicaSeries.push({ label: `${w.object.name} desired`, color, kind: 'step', dashed: true, points: stepPoints(ro, (r) => r.desired, zero, 0) });
  }
  if (replicaSeries.length) {
    out.push(renderChart({ id: 'chart-replicas', title: 'Replicas: desired and ready', yLabel: 'replicas', xDomain, marks: mk, series: replicaSeries, height: 200 }));
  }
  return out.join('\n');
}

// ---------------------------------------------------------------- tables

function drainTable(card: Scorecard, zero: number): string {
  const d = card.drain;
  if (!d || !d.pods.length) return '<p class="muted">No pod of the scored workloads went away during the run.</p>';
  const rows = d.pods.map((p) => {
    const failed = card.checks.some((c) => c.subject === p.pod && c.status === 'fail');
    return (
      `<tr${failed ? ' class="fail"' : ''}>` +
      `<td><code>${esc(p.pod)}</code><br><span class="muted">${esc(p.cause)}${p.sharedWith.length ? ` · shared with ${esc(p.sharedWith.map((s) => s.split('-').at(-1)!).join(', '))}` : ''}</span></td>` +
      td(atLabel(zero, p.deletingAt)) +
      td(`${fmt(p.deleteToNotReadyMs)} ms · ${fmt(p.deleteToRemovedMs)} ms · ${fmt(p.deleteToExitMs !== null ? p.deleteToExitMs / 1000 : null)} s`) +
      td(p.exit ? `${p.exit.exitCode ?? '?'}${p.exit.reason ? ` ${p.exit.reason}` : ''}` : 'not seen') +
      `<td>${statusBadge(p.exitedWithinGrace)}</td>` +
      td(`${fmt(p.excessFailures)} (${fmt(p.failedRequests)} − ${fmt(p.expectedBaselineFailures)})`, true) +
      td(`${fmt(p.wsClosed1006)} / ${fmt(p.wsClosed1001)}`, true) +
      td(p.reconnectP95Ms, true) +
      `<td>${esc(p.witness.source === 'none' ? 'no witness' : `cut ${p.witness.cutOff ?? '?'} · 1006 ${(p.witness.wsClosed1006 ?? 0) + (p.witness.wsOpenAtExit ?? 0)} · 1001 ${p.witness.wsClosed1001 ?? '?'}`)} ${statusBadge(p.witnessAgrees)}</td></tr>`
    );
  });
  return (
    `<p class="muted">Baseline failure ratio ${fmt(d.baselineFailureRatio * 100, 4)} % over ${d.baselineSeconds} s with no pod terminating.</p>` +
    tableHtml(
      ['pod / cause', 'deleting', '→ not ready · removed · exit', 'exit code', 'in grace', 'failed above baseline (failed − expected)', 'WS 1006 / 1001', 'reconnect p95 (ms)', 'workload says · agrees'],
      rows,
      [5, 6, 7],
    )
  );
}

function hpaTables(card: Scorecard, zero: number): string {
  const h = card.hpa;
  if (!h) return '<p class="muted">The scenario scores no HPA.</p>';
  const steps = h.steps.map(
    (s) =>
      `<tr>${td(s.stage)}${td(`${fmt(s.fromTarget)} → ${fmt(s.toTarget)}`)}${td(`${atLabel(zero, s.stepStartAt)} (${s.stepStartBasis})`)}${td(
        s.firstIncrease
          ? `${s.firstIncrease.from}→${s.firstIncrease.to} at ${atLabel(zero, s.firstIncrease.at)}${s.firstIncrease.drivenBy ? `, on ${s.firstIncrease.drivenBy}` : ''}`
          : 'none',
      )}${td(s.reactionS, true)}${td(s.readyS, true)}${td(`${fmt(s.peakDesired)} / ${s.neededReplicas} (${s.overshoot !== null && s.overshoot >= 0 ? '+' : ''}${fmt(s.overshoot)})`)}${td(
        s.sloHeldAgainS !== null ? `${fmt(s.sloHeldAgainS)} s${s.sloBroken ? '' : ' (never broke)'}` : 'never',
      )}</tr>`,
  );
  const changes = h.changes.map(
    (c) => `<tr>${td(atLabel(zero, c.at))}${td(`${c.from} → ${c.to}`)}${td(c.eventAt !== null ? `${atLabel(zero, c.eventAt)} (${fmt((c.eventAt - c.at) / 1000)} s)` : 'none')}${td(c.eventMessage)}</tr>`,
  );
  return (
    `<p class="muted">HPA <code>${esc(h.hpa)}</code>; per-pod rate ${fmt(h.perPodRate)} req/s; ${h.flaps} direction changes; scale-down stabilisation ${h.stabilisationWindowS} s (${h.stabilisationSource}).</p>` +
    tableHtml(['step', 'target (req/s)', 'step start', 'first increase', 'reaction (s)', 'ready (s)', 'peak / needed (overshoot)', 'SLOs back'], steps, [4, 5]) +
    (changes.length ? tableHtml(['status change', 'desired', 'SuccessfulRescale event', 'message'], changes) : '') +
    `<p class="muted">Witness tolerance ${h.witnessToleranceMs / 1000} s: ${esc(h.witnessToleranceWhy)}</p>`
  );
}

function budgetTable(card: Scorecard, zero: number): string {
  const b = card.budget;
  if (!b) return '<p class="muted">No load series: no budget.</p>';
  const row = (kind: string, p: (typeof b.phases)[number]) =>
    `<tr>${td(kind)}${td(p.name)}${td(`${atLabel(zero, p.window.from)}–${atLabel(zero, p.window.to).slice(1)}`)}${td(p.requests, true)}${td(p.failed, true)}${td(p.usedPctOfRun, true)}${td(p.burnRate, true)}</tr>`;
  const burn = b.burn;
  return (
    `<p class="muted">SLO ${fmt(b.successRatio * 100, 3)} % success: ${fmt(b.allowed)} failures allowed of ${fmt(b.requests)} requests; ${fmt(b.failed)} failed = ${fmt(b.usedPct)} % used (limit ${b.maxUsedPct} %). Burn windows ${burn.longWindowS} s / ${burn.shortWindowS} s: max ${fmt(burn.maxLong)} / ${fmt(burn.maxShort)}; fast burn (both ≥ ${burn.threshold}): ${
      burn.alerts.length ? burn.alerts.map((a) => `${atLabel(zero, a.window.from)}–${atLabel(zero, a.window.to).slice(1)}`).join(', ') : 'none'
    }.</p>` +
    tableHtml(['', 'phase / action', 'window', 'requests', 'failed', '% of run budget', 'burn rate'], [...b.phases.map((p) => row('phase', p)), ...b.chaos.map((p) => row('chaos', p))], [3, 4, 5, 6])
  );
}

function latencyTable(card: Scorecard, zero: number): string {
  const l = card.latency;
  if (!l) return '';
  const rows = [...l.phases, l.run].map(
    (p) =>
      `<tr>${td(p.phase)}${td(`${atLabel(zero, p.window.from)}–${atLabel(zero, p.window.to).slice(1)}`)}${td(p.requests, true)}${td(p.p95BoundMs, true)}${td(p.p99BoundMs, true)}${td(p.p95MaxMs, true)}${td(p.p95WeightedMs, true)}${td(p.p99WeightedMs, true)}</tr>`,
  );
  return (
    tableHtml(['phase', 'window', 'requests', 'p95 ≤ (ms)', 'p99 ≤ (ms)', 'worst-second p95', 'weighted p95', 'weighted p99'], rows, [2, 3, 4, 5, 6, 7]) +
    `<p class="muted">Limits: p95 ${l.limits.p95 ?? '–'} ms, p99 ${l.limits.p99 ?? '–'} ms. ${esc(l.method)}</p>`
  );
}

function adherenceTable(card: Scorecard, zero: number): string {
  const a = card.adherence;
  if (!a) return '<p class="muted">Load never started: nothing was carried out.</p>';
  const status = (stream: string, stage: string) => card.checks.find((c) => c.id === `plan.rate/${stream}/${stage}`)?.status ?? null;
  const rows = a.stages.map(
    (s) =>
      `<tr><td>${statusBadge(status(s.stream, s.stage))}</td>${td(`${s.stream}/${s.stage}`)}${td(`${atLabel(zero, s.window.from)}–${atLabel(zero, s.window.to).slice(1)}`)}${td(s.planned, true)}${td(s.achieved, true)}${td(s.share === null ? null : s.share * 100, true)}</tr>`,
  );
  return (
    tableHtml(['', 'stream / stage', 'window', 'planned', 'achieved', '% of plan'], rows, [3, 4, 5]) +
    `<p class="muted">Rules: ≥ ${a.rules.minRateShare * 100} % of plan per stream and stage (±${a.rules.lagS} s lag where the profile changes), dropped iterations ≤ ${a.rules.maxDroppedShare * 100} %, load until the planned end − ${a.rules.endSlackS} s, every chaos action marked ok, every k6 shard exit 0 with a summary (${esc(a.rulesSource)}).</p>`
  );
}

function checksTable(card: Scorecard): string {
  const order = { fail: 0, incomplete: 1, skip: 2, pass: 3 };
  const rows = [...card.checks]
    .sort((a, b) => order[a.status] - order[b.status])
    .map((c) => `<tr${c.status === 'fail' || c.status === 'incomplete' ? ' class="fail"' : ''}><td>${statusBadge(c.status)}</td><td><code>${esc(c.id)}</code></td>${td(c.message)}${td(c.limit)}</tr>`);
  return tableHtml(['', 'check', 'what was measured', 'limit'], rows);
}

export function renderHtml(input: ReportInput): string {
  const card = input.scorecard;
  const t = input.timeline;
  const zero = card.loadStartedAt ?? card.startedAt;
  const reasons = card.reasons.length ? `<ul>${card.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : '';
  const cards = headlines(card)
    .map((h) => `<div class="card ${h.ok === false ? 'bad' : h.ok ? 'ok' : ''}"><div class="label">${esc(h.label)}</div><div class="value">${esc(h.value)}</div></div>`)
    .join('');
  const steps = t.steps.map((s) => `<tr>${td(s.name)}${td(s.outcome)}${td((s.endedAt - s.startedAt) / 1000, true)}${td(s.error ?? '')}</tr>`);
  const plan = t.plan;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(`${VERDICT_WORD[card.verdict]} ${card.scenario} ${card.runId}`)}</title>
<style>${CSS}</style></head>
<body><main>
<section class="banner ${card.verdict}" id="verdict">
<div><span class="verdict">${VERDICT_WORD[card.verdict]}</span><span class="scenario">${esc(card.scenario)}</span></div>
<div class="meta">${esc(plan.purpose)}</div>
<div class="meta">run <code>${esc(card.runId)}</code> · ${esc(new Date(card.startedAt).toISOString())} · scale ${card.scale} · seed ${card.seed} · ${esc(plan.provider)} · ${countsLine(card)} · exit ${card.exitCode}${input.gitRevision ? ` · rev <code>${esc(input.gitRevision.slice(0, 12))}</code>` : ''}</div>
${reasons}
</section>
<section class="cards">${cards}</section>
<h2 id="plan">Plan carried out</h2>
${adherenceTable(card, zero)}
<h2 id="series">Time series</h2>
${charts(t, card)}
<h2 id="drain">Drain per pod</h2>
${drainTable(card, zero)}
<h2 id="hpa">HPA reactions</h2>
${hpaTables(card, zero)}
<h2 id="budget">Error budget per phase and chaos action</h2>
${budgetTable(card, zero)}
<h2 id="latency">Latency per phase</h2>
${latencyTable(card, zero)}
<h2 id="checks">All checks</h2>
${checksTable(card)}
<h2 id="run">Run</h2>
${tableHtml(['step', 'outcome', 'seconds', 'error'], steps, [2])}
<p class="muted">Overrides: ${esc(Object.entries(plan.overrides).map(([k, v]) => `${k}=${v}`).join(', ') || 'none')} · workloads: ${esc(plan.workloads.map((w) => `${w.name} (${w.object.kind} ${w.object.name}, drain ${w.drain})`).join(', '))} · ${esc(plan.scaleReason)}</p>
<h2 id="notes">Notes</h2>
<ul class="notes">${card.notes.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
<p class="muted">Generated ${esc(input.generatedAt)} by kube-chaos-harness from <code>timeline.json</code> (schema ${esc(card.schema)}). Times are seconds after load start (t+0 = ${esc(new Date(zero).toISOString())}).</p>
</main></body></html>
`;
}

export const htmlReporter: Reporter = { name: 'html', file: 'report.html', render: renderHtml };
