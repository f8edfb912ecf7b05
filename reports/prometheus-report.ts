// metrics.prom: the run's scores as Prometheus gauges (prom-client), labelled by scenario,
// workload and git revision for nightly trends; pushed to a Pushgateway when one is configured.
import { Gauge, Pushgateway, Registry } from 'prom-client';
import type { Reporter, ReportInput, ReportOptions } from './reporter.ts';

export const PUSH_JOB = 'kube-chaos-harness';
const PUSH_TIMEOUT_MS = 5000;

export function scoreRegistry(input: ReportInput): Registry {
  const card = input.scorecard;
  const reg = new Registry();
  const rev = input.gitRevision ?? 'unknown';
  const base = { scenario: card.scenario, git_revision: rev };
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames: ['scenario', 'git_revision', ...labelNames], registers: [reg] });

  gauge('harness_run_passed', '1 when the verdict is pass, 0 otherwise').set(base, card.verdict === 'pass' ? 1 : 0);
  gauge('harness_run_exit_code', 'Exit code of the verdict: 0 pass, 1 fail, 3 incomplete').set(base, card.exitCode);
  gauge('harness_run_end_timestamp_seconds', 'When the run ended').set(base, Math.round(card.endedAt / 1000));
  const checks = gauge('harness_checks', 'Checks by status', ['status']);
  for (const s of ['pass', 'fail', 'incomplete', 'skip'] as const) checks.set({ ...base, status: s }, card.checks.filter((c) => c.status === s).length);

  if (card.budget) {
    gauge('harness_requests', 'Requests in the run (HTTP + gRPC)').set(base, card.budget.requests);
    gauge('harness_failed_requests', 'Failed requests in the run').set(base, card.budget.failed);
    if (card.budget.usedPct !== null) gauge('harness_error_budget_used_percent', 'Share of the error budget used').set(base, card.budget.usedPct);
    if (card.budget.burn.maxLong !== null) gauge('harness_burn_rate_max', 'Max burn rate over the long window', ['window']).set({ ...base, window: 'long' }, card.budget.burn.maxLong);
    if (card.budget.ws.abnormalRatio !== null) gauge('harness_ws_abnormal_close_ratio', 'WS sessions closed 1006 / sessions').set(base, card.budget.ws.abnormalRatio);
  }
  if (card.drain) {
    const pods = gauge('harness_drain_pods', 'Pods that went away during load', ['workload']);
    const excess = gauge('harness_drain_excess_failed_requests', 'Failed requests attributed to terminating pods, above baseline', ['workload']);
    const ws = gauge('harness_drain_ws_abnormal_closes', 'WS 1006 closes in termination windows', ['workload']);
    const exit = gauge('harness_drain_max_exit_seconds', 'Slowest delete → container exit', ['workload']);
    for (const w of new Set(card.drain.pods.map((p) => p.workload))) {
      const ps = card.drain.pods.filter((p) => p.workload === w);
      const labels = { ...base, workload: w };
      pods.set(labels, ps.length);
      excess.set(labels, ps.reduce((a, p) => a + p.excessFailures, 0));
      ws.set(labels, ps.reduce((a, p) => a + p.wsClosed1006, 0));
      const exits = ps.map((p) => p.deleteToExitMs).filter((v): v is number => v !== null);
      if (exits.length) exit.set(labels, Math.max(...exits) / 1000);
    }
  }
  if (card.hpa) {
    const labels = { ...base, workload: card.hpa.workload };
    const reaction = gauge('harness_hpa_reaction_seconds', 'Step start → first desired increase', ['workload', 'step']);
    const ready = gauge('harness_hpa_ready_seconds', 'Step start → new replicas Ready', ['workload', 'step']);
    const overshoot = gauge('harness_hpa_overshoot_replicas', 'Peak desired − needed replicas', ['workload', 'step']);
    for (const s of card.hpa.steps) {
      const l = { ...labels, step: s.stage };
      if (s.reactionS !== null) reaction.set(l, s.reactionS);
      if (s.readyS !== null) ready.set(l, s.readyS);
      if (s.overshoot !== null) overshoot.set(l, s.overshoot);
    }
    gauge('harness_hpa_flaps', 'Direction changes of desired replicas', ['workload']).set(labels, card.hpa.flaps);
  }
  if (card.latency) {
    const p95 = gauge('harness_latency_p95_upper_bound_ms', 'Upper bound of the phase p95', ['phase']);
    const p99 = gauge('harness_latency_p99_upper_bound_ms', 'Upper bound of the phase p99', ['phase']);
    for (const ph of [card.latency.run, ...card.latency.phases]) {
      if (ph.p95BoundMs !== null) p95.set({ ...base, phase: ph.phase }, ph.p95BoundMs);
      if (ph.p99BoundMs !== null) p99.set({ ...base, phase: ph.phase }, ph.p99BoundMs);
    }
  }
  return reg;
}

export const prometheusReporter: Reporter = {
  name: 'prometheus',
  file: 'metrics.prom',
  render: (input) => scoreRegistry(input).metrics(),
  async publish(input: ReportInput, options: ReportOptions) {
    if (!options.pushgatewayUrl) return;
    const url = new URL(options.pushgatewayUrl); // throws on a malformed PUSHGATEWAY_URL
    const gw = new Pushgateway(url.toString(), { timeout: PUSH_TIMEOUT_MS }, scoreRegistry(input));
    // PUT replaces this scenario's group, so a gauge a newer run no longer sets does not linger.
    await gw.push({ jobName: PUSH_JOB, groupings: { scenario: input.scorecard.scenario } });
    return `pushed to ${url.origin} job=${PUSH_JOB} scenario=${input.scorecard.scenario}`;
  },
};
