// The plan as a readable page for `--plan`: what will run, when, how hard, and why these
// numbers. Pure: returns text.
import type { ChaosStep } from '../../scenarios/model.ts';
import { ADHERENCE, type Plan, type PlannedStream } from './types.ts';

/** Left-aligned columns; numbers right-aligned. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => /^[-\d.,]+( ?[a-z/%]+)?$/.test(r[i] ?? '')));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function num(x: number): string {
  return Number.isInteger(x) ? x.toLocaleString('en-US') : x.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

function describeChaos(step: ChaosStep): string {
  switch (step.action) {
    case 'pod-kill': {
      const how = step.percent !== undefined ? `${step.percent}% of pods` : `${step.count ?? 1} pod(s)`;
      const grace = step.graceS === undefined ? "pod's grace period" : step.graceS === 'force' ? 'force (grace 0)' : `grace ${step.graceS} s`;
      return `delete ${how}, ${step.pick ?? 'random'}, ${grace}`;
    }
    case 'rollout': {
      const change = step.change === undefined || step.change === 'restart' ? 'restart' : 'env' in step.change ? `env ${Object.keys(step.change.env).join(',')}` : `image ${step.change.image}`;
      return `rollout ${change}${step.deadlineS ? `, deadline ${step.deadlineS} s` : ''}`;
    }
    case 'scale':
      return `scale to ${step.replicas}${step.pauseHpa ? ' (HPA paused)' : ''}`;
    case 'node-drain':
      return `cordon + drain ${step.target}${step.deadlineS ? `, deadline ${step.deadlineS} s` : ''}`;
    case 'node-fail':
      return `${step.mode ?? 'pause'} node ${step.target} for ${step.durationS} s (no drain)`;
    case 'network-fault': {
      const f = step.fault;
      const what = f.kind === 'latency' ? `+${f.delayMs}${f.jitterMs ? `±${f.jitterMs}` : ''} ms latency` : f.kind === 'loss' ? `${f.percent}% packet loss` : 'partition';
      return `${what}${step.peer ? ` toward ${step.peer}` : ''} on ${step.count ?? 'all'} pod(s) for ${step.durationS} s`;
    }
  }
}

function streamRows(kind: string, unit: string, s: PlannedStream): string[][] {
  return s.stages.map((st) => [
    kind,
    st.name,
    `${st.startS}`,
    `${st.endS}`,
    `${st.endS - st.startS}`,
    st.fromTarget === st.toTarget ? `${num(st.toTarget)} ${unit}` : `${num(st.fromTarget)} → ${num(st.toTarget)} ${unit}`,
  ]);
}

/** How the run's images reach the nodes, and why. */
export function imagePath(plan: Pick<Plan, 'provider' | 'registry'>): string {
  if (plan.registry) return `pushed to ${plan.registry} — --registry: the local engine pushes them, the nodes pull them (kind load is not used)`;
  return plan.provider === 'kind'
    ? 'loaded with kind load — no --registry: the harness runs this kind cluster'
    : "loaded with kind load — no --registry: only where the context is a kind cluster this machine's engine runs; elsewhere the run stops (pass --registry HOST/PATH)";
}

export function formatPlan(plan: Plan): string {
  const out: string[] = [];
  out.push(`scenario  ${plan.scenario} (${plan.system})`);
  out.push(`purpose   ${plan.purpose}`);
  out.push(`provider  ${plan.provider} — ${plan.providerReason}`);
  out.push(`scale     ${plan.scale} — ${plan.scaleReason}`);
  out.push(`seed      ${plan.seed}${plan.seedReason ? ` — ${plan.seedReason}` : ''}`);
  out.push(`duration  ${plan.durationS} s of load`);
  if (plan.loadFrom) out.push(`load from ${plan.loadFrom}${plan.loadFromReason ? ` — ${plan.loadFromReason}` : ''}`);
  out.push(`images    ${imagePath(plan)}`);
  out.push(`output    ${plan.outDir}/<run id>/${plan.keepCluster ? '  (cluster kept afterwards)' : ''}`);
  if (Object.keys(plan.overrides).length > 0) {
    out.push(`--set     ${Object.entries(plan.overrides).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  }

  out.push('', 'workloads');
  out.push(
    table(
      ['name', 'object', 'deploy', 'drain', 'image', 'cpu/req'],
      plan.workloads.map((w) => [
        w.name,
        `${w.object.kind}/${w.object.name}`,
        w.deploy.startsWith('/') ? w.deploy : `deploy/${w.deploy} (${w.overlay})`,
        w.drain,
        w.image ?? (w.deploy.startsWith('/') ? 'its manifests\'' : 'stand-in'),
        w.cpuCostMicros === null ? '-' : `${w.cpuCostMicros} µs`,
      ]),
    ),
  );

  out.push('', 'load stages (offsets in s from load start; rates at this scale)');
  const rows: string[][] = [];
  const entries: string[] = [];
  if (plan.load.http) {
    rows.push(...streamRows('http', 'req/s', plan.load.http));
    entries.push(`http → ${plan.load.http.entry.workload}:${plan.load.http.entry.port}${plan.load.http.entry.path ?? '/'} (timeout ${plan.load.timeoutS} s)`);
  }
  if (plan.load.ws) {
    rows.push(...streamRows('ws', 'sessions', plan.load.ws));
    entries.push(
      `ws → ${plan.load.ws.entry.workload}:${plan.load.ws.entry.port}${plan.load.ws.entry.path ?? ''} ` +
        `(${plan.load.ws.messagesPerSecond} msg/s per session, opening at most ${plan.load.ws.openRate}/s)`,
    );
  }
  if (plan.load.grpc) {
    rows.push(...streamRows('grpc', 'req/s', plan.load.grpc));
    entries.push(`grpc → ${plan.load.grpc.entry.workload}:${plan.load.grpc.entry.port}`);
  }
  out.push(table(['stream', 'stage', 'start', 'end', 'len', 'target'], rows));
  for (const e of entries) out.push(`  ${e}`);

  const r = plan.runners;
  out.push(
    '',
    r
      ? `shards: ${plan.shards} k6 runner pod(s) in the run's namespace (peak ${num(plan.load.peakRate)} req/s ÷ ${num(r.perPodRate)} req/s per pod, rounded up; ${r.perPodRateReason}); ` +
          `each requests cpu ${r.requests.cpu} (${r.cpuReason}), memory ${r.requests.memory}, memory limit ${r.limits.memory}`
      : `shards: ${plan.shards} k6 process(es) (peak ${num(plan.load.peakRate)} req/s ÷ ${num(plan.perShardCapacity)} req/s per process, rounded up)`,
  );
  const shardRows: string[][] = [];
  const perShard = (kind: string, unit: string, s: PlannedStream | null) => {
    if (s) shardRows.push([kind, `${num(s.perShardPeak * plan.shards)} ${unit}`, `${num(s.perShardPeak)} ${unit}`]);
  };
  perShard('http', 'req/s', plan.load.http);
  perShard('ws', 'sessions', plan.load.ws);
  perShard('grpc', 'req/s', plan.load.grpc);
  out.push(table(['stream', 'peak', 'per shard'], shardRows));

  out.push('', 'chaos');
  out.push(
    plan.chaos.length === 0
      ? '  (none)'
      : table(
          ['at', 'id', 'target', 'action'],
          plan.chaos.map((c) => [`${c.atS} s`, c.id, c.step.target, describeChaos(c.step)]),
        ),
  );

  out.push('', 'phases');
  out.push(table(['phase', 'start', 'end'], plan.phases.map((p) => [p.name, `${p.startS}`, `${p.endS}`])));

  out.push('', 'SLOs');
  const slo: string[][] = [['success ratio', `≥ ${plan.slos.successRatio}`]];
  if (plan.slos.latencyMs?.p95 !== undefined) slo.push(['latency p95', `≤ ${plan.slos.latencyMs.p95} ms`]);
  if (plan.slos.latencyMs?.p99 !== undefined) slo.push(['latency p99', `≤ ${plan.slos.latencyMs.p99} ms`]);
  if (plan.slos.wsAbnormalCloseRatio !== undefined) slo.push(['WS abnormal closes (1006)', `≤ ${plan.slos.wsAbnormalCloseRatio}`]);
  if (plan.slos.wsMessageLatencyMs !== undefined) slo.push(['WS message latency p95', `≤ ${plan.slos.wsMessageLatencyMs.p95} ms`]);
  out.push(table(['objective', 'limit'], slo));

  // What "carried out" means: a run below these does not pass, whatever its SLOs say.
  const a = plan.adherence ?? ADHERENCE;
  out.push('', 'plan adherence (a run that misses these does not pass)');
  out.push(
    table(
      ['rule', 'limit'],
      [
        ['achieved / planned per stream and stage', `≥ ${a.minRateShare * 100} % (lag allowed where the profile changes: ${a.lagS} s)`],
        ['dropped iterations / iterations asked', `≤ ${a.maxDroppedShare * 100} %`],
        ['last second with load', `≥ planned end − ${a.endSlackS} s`],
        ['every planned chaos action', `marked ok, started ≤ ${a.chaosLateS} s after its planned time`],
        ['every k6 shard', 'exit 0 with its summary written'],
      ],
    ),
  );

  out.push('', 'scoring');
  const sc: string[][] = [['error budget used', `≤ ${plan.scoring.errorBudget.maxUsedPct} %`]];
  const h = plan.scoring.hpa;
  if (h) {
    sc.push(['HPA workload', h.workload]);
    sc.push(['HPA per-pod rate (scaled)', `${num(h.perPodRate)} req/s${h.perPodRateBasis ? ` (${h.perPodRateBasis})` : ''}`]);
    if (h.perPodConnections !== undefined)
      sc.push(['HPA per-pod connections', `${num(h.perPodConnections)}${h.perPodConnectionsBasis ? ` (${h.perPodConnectionsBasis})` : ''}`]);
    if (plan.connections && h.perPodConnections !== undefined) sc.push(['connection scale', plan.connections.reason]);
    if (h.expectDrivenBy) sc.push(['HPA driven by', `${h.expectDrivenBy} (each step's first scale-up, as its SuccessfulRescale event names it)`]);
    if (h.replicaRange) sc.push(['HPA replicas', `${h.replicaRange.min}–${h.replicaRange.max} (what a step needs stays within them)`]);
    sc.push(['HPA reaction', `≤ ${h.maxReactionS} s`]);
    sc.push(['HPA new replicas Ready', `≤ ${h.maxReadyS} s`]);
    if (h.maxOvershoot !== undefined) sc.push(['HPA overshoot', `≤ ${h.maxOvershoot} replicas`]);
    if (h.maxFlaps !== undefined) sc.push(['HPA flaps', `≤ ${h.maxFlaps}`]);
    if (h.scaleDownStabilizationS !== undefined) sc.push(['HPA scale-down window', `${h.scaleDownStabilizationS} s`]);
  }
  const d = plan.scoring.drain;
  if (d) {
    sc.push(['failed requests per pod drained', `≤ ${d.maxFailedPerPod}`]);
    sc.push(['abnormal WS closes per pod drained', `≤ ${d.maxAbnormalWsPerPod}`]);
    sc.push(['pods exit within grace', d.exitWithinGrace ? 'required' : 'not scored']);
  }
  out.push(table(['target', 'limit'], sc));
  return `${out.join('\n')}\n`;
}
