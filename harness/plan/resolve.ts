// Scenario → Plan, purely: --set, --duration, --scale and --seed applied; stages at absolute
// offsets; shards computed; phases named. No clock, no file system, no cluster: the caller
// passes in what it knows about the machine and the provider, so the same inputs give the
// same plan (and `--plan` can never touch a cluster).
import type { LoadStage, Scenario } from '../../scenarios/model.ts';
import { UsageError } from '../base/errors.ts';
import { applyOverrides } from './overrides.ts';
import {
  ADHERENCE,
  PLAN_SCHEMA,
  type Plan,
  type PlannedChaos,
  type PlannedPhase,
  type PlannedStage,
  type PlannedStream,
  type PlannedWorkload,
  type ProviderName,
  type LoadFrom,
  type PlannedRunners,
  type PlannedConnections,
} from './types.ts';
import { vuBudget } from '../../scenarios/k6/vu-pool.ts';

/** Requests/s one k6 process sustains here (raw k6 measured 16–18k req/s on loopback). */
export const PER_SHARD_CAPACITY = 15_000;

/**
 * What the load generator may ask of this machine per core, by provider. On kind the cluster
 * (nodes, kube-proxy, the pods) shares the cores with k6, so the budget is small; on an
 * existing cluster only k6 runs here.
 */
export const LOAD_BUDGET_PER_CORE: Record<ProviderName, { rate: number; sessions: number; why: string }> = {
  kind: { rate: 400, sessions: 100, why: 'kind path: k6, two proxy hops and CPU-limited pods share the cores' },
  existing: { rate: 3_000, sessions: 400, why: 'existing cluster: only k6 runs on this machine' },
};

/**
 * What one k6 runner pod is planned to carry, and what it asks of its node at that rate, by
 * provider (a runner carrying less asks for less: runnerCpu). On kind the nodes share this
 * machine's cores with the workloads, so runners are small; on an existing cluster a runner gets
 * the cores one k6 process uses for its rate (raw k6: 16–18k req/s on 2 cores).
 */
export const RUNNER_BUDGET: Record<ProviderName, { perPodRate: number; requests: { cpu: string; memory: string }; limits: { memory: string }; why: string }> = {
  kind: { perPodRate: 1_000, requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' }, why: 'kind default: the nodes share this machine\'s cores' },
  existing: { perPodRate: 5_000, requests: { cpu: '1', memory: '512Mi' }, limits: { memory: '2Gi' }, why: 'existing-cluster default' },
};
/** More runner pods than this is a plan error (a typo in --per-pod-rate, not a test). */
export const MAX_RUNNER_PODS = 64;

/** --load-from, else the default: host on kind (k6 beside the harness), cluster on an existing cluster (whose Services loopback cannot reach). */
export function chooseLoadFrom(flag: LoadFrom | undefined, provider: ProviderName): { loadFrom: LoadFrom; reason: string } {
  if (flag !== undefined) {
    if (flag !== 'host' && flag !== 'cluster') throw new UsageError(`unknown --load-from '${String(flag)}'; valid: host, cluster`);
    return { loadFrom: flag, reason: `--load-from ${flag}` };
  }
  return provider === 'kind'
    ? { loadFrom: 'host', reason: 'default on kind: k6 beside the harness through NodePorts on 127.0.0.1 (--load-from cluster runs it as pods)' }
    : { loadFrom: 'cluster', reason: 'default on an existing cluster: load goes only to loopback from this machine, so k6 runs as pods beside the workloads' };
}

/** No runner asks for less CPU than this, however little it carries (k6 itself, its WebSockets). */
export const MIN_RUNNER_CPU_MILLIS = 100;

/**
 * CPU one runner asks for: the budget's cores per budget rate, times the rate it carries, rounded
 * up to 10m, at least MIN_RUNNER_CPU_MILLIS. Sized by what it sends, not a flat core: a flat core
 * for an 800 req/s runner held a node's CPU that the HPA's new replicas needed, so they stayed
 * Pending until the runner ended.
 */
export function runnerCpu(budgetCpu: string, budgetRate: number, carriedRate: number): string {
  const budgetMillis = budgetCpu.endsWith('m') ? Number(budgetCpu.slice(0, -1)) : Number(budgetCpu) * 1000;
  const millis = Math.ceil((budgetMillis * carriedRate) / budgetRate / 10) * 10;
  return `${Math.max(MIN_RUNNER_CPU_MILLIS, millis)}m`;
}

/** Runner pods for a peak rate: ceil(peak / per-pod rate), at least 1; each asks for the CPU of what it carries. */
export function planRunners(peakRate: number, provider: ProviderName, perPodRate?: number): PlannedRunners {
  const budget = RUNNER_BUDGET[provider];
  if (perPodRate !== undefined && (!Number.isFinite(perPodRate) || perPodRate <= 0)) {
    throw new UsageError(`--per-pod-rate ${perPodRate}: must be a number of req/s > 0`);
  }
  const rate = perPodRate ?? budget.perPodRate;
  const pods = Math.max(1, Math.ceil(peakRate / rate));
  if (pods > MAX_RUNNER_PODS) {
    throw new UsageError(`--per-pod-rate ${rate}: peak ${peakRate} req/s would need ${pods} runner pods (at most ${MAX_RUNNER_PODS}); raise it`);
  }
  const carried = peakRate / pods;
  const cpu = runnerCpu(budget.requests.cpu, budget.perPodRate, carried);
  const budgetCpu = budget.requests.cpu.endsWith('m') ? budget.requests.cpu : `${budget.requests.cpu} core`;
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  return {
    pods,
    perPodRate: rate,
    perPodRateReason: perPodRate !== undefined ? `--per-pod-rate ${perPodRate}` : `${budget.why}: ${n(budget.perPodRate)} req/s per pod`,
    requests: { cpu, memory: budget.requests.memory },
    cpuReason: `${budgetCpu} per ${n(budget.perPodRate)} req/s × ${n(carried)} req/s carried${cpu === `${MIN_RUNNER_CPU_MILLIS}m` ? `, at least ${MIN_RUNNER_CPU_MILLIS}m` : ''}`,
    limits: { ...budget.limits },
  };
}

export const DEFAULT_HTTP_TIMEOUT_S = 10;
export const MAX_SCALE = 10;

export interface ResolveOptions {
  provider: { name: ProviderName; reason: string };
  /** Cores of the machine k6 runs on (os.availableParallelism()); used for the default scale. */
  cores: number;
  /** --scale; default: machine-fit. */
  scale?: number;
  /** --duration: new total load duration in seconds; stages and chaos offsets stretch with it. */
  durationS?: number;
  /** --seed; default: derived from the scenario name. */
  seed?: number;
  /** --set key=value, in the order given. */
  sets?: readonly string[];
  /** --out; default "runs". */
  outDir?: string;
  keepCluster?: boolean;
  /** The scenario's file, for error messages. */
  file?: string;
  perShardCapacity?: number;
  /** --load-from; default host. */
  loadFrom?: LoadFrom;
  /** --registry, already checked (clusters/registry/registry-name.ts parseRegistry). */
  registry?: string;
  /** --per-pod-rate: req/s one runner pod carries (cluster only). */
  perPodRate?: number;
  /**
   * The scored HPA as its manifests will deploy it (deploy/hpa-scaling.ts, rendered by the CLI):
   * its bounds, and the per-pod request rate it targets at full scale (null: CPU/memory only).
   */
  hpaScaling?: HpaScalingInfo | null;
  /** The same, rendered with KEDA: used when the plan has the keda add-on (needs.keda, maybe from --set). */
  hpaScalingKeda?: HpaScalingInfo | null;
}

export interface HpaScalingInfo {
  source: string;
  minReplicas: number;
  maxReplicas: number;
  requestRatePerPod: number | null;
  /** Per-pod active-connections target at full scale, or null/absent when it scales on none. */
  connectionsPerPod?: number | null;
  /** External metric names the HPA reports → the seed metric each serves (KEDA). */
  externalMetrics?: Record<string, string>;
}

/** FNV-1a (32 bit) of the scenario name: the same scenario always gets the same seed. */
export function seedFromName(name: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(name, 'utf8')) {
    h ^= ch;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Round down to 3 significant digits (a scale that does not exceed its budget). */
export function floorSignificant(x: number, digits = 3): number {
  if (x <= 0) return 0;
  const f = 10 ** (digits - 1 - Math.floor(Math.log10(x)));
  return Math.floor(x * f + 1e-9) / f;
}

function roundTo(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/** A full-scale target at this scale: whole requests/s or sessions, never 0 unless it was 0. */
export function scaleTarget(target: number, scale: number): number {
  return target === 0 ? 0 : Math.max(1, Math.round(target * scale));
}

type Streams = { http?: LoadStage[]; ws?: LoadStage[]; grpc?: LoadStage[] };

/** Stages at absolute offsets, each with the value it starts and ends at. */
function place(stages: readonly LoadStage[], scale: number): PlannedStage[] {
  let t = 0;
  let prev = 0;
  return stages.map((st) => {
    const to = scaleTarget(st.target, scale);
    const from = st.ramp ? prev : to;
    const planned = { name: st.name, startS: t, endS: t + st.durationS, fromTarget: from, toTarget: to };
    t += st.durationS;
    prev = to;
    return planned;
  });
}

/** Value of a piecewise-linear profile just after (side 1) or just before (side -1) t; 0 outside. */
function valueAt(stages: readonly PlannedStage[], t: number, side: 1 | -1): number {
  for (const st of stages) {
    const inside = side === 1 ? t >= st.startS && t < st.endS : t > st.startS && t <= st.endS;
    if (inside) return st.fromTarget + ((st.toTarget - st.fromTarget) * (t - st.startS)) / (st.endS - st.startS);
  }
  return 0;
}

/**
 * The highest sum of weighted profiles at any moment. Between breakpoints every profile is
 * linear, so the maximum is at an interval's ends (taken as limits from inside the interval).
 */
export function peakOfSum(profiles: readonly { stages: readonly PlannedStage[]; weight: number }[]): number {
  const points = [...new Set(profiles.flatMap((p) => p.stages.flatMap((s) => [s.startS, s.endS])))].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const atA = profiles.reduce((sum, p) => sum + p.weight * valueAt(p.stages, a, 1), 0);
    const atB = profiles.reduce((sum, p) => sum + p.weight * valueAt(p.stages, b, -1), 0);
    peak = Math.max(peak, atA, atB);
  }
  return peak;
}

function peaks(streams: Streams, mps: number, scale: number): { rate: number; sessions: number } {
  const profiles = [];
  if (streams.http) profiles.push({ stages: place(streams.http, scale), weight: 1 });
  if (streams.grpc) profiles.push({ stages: place(streams.grpc, scale), weight: 1 });
  const ws = streams.ws ? place(streams.ws, scale) : null;
  // A WebSocket message costs k6 about what a request does: sessions × msg/s count as rate.
  if (ws) profiles.push({ stages: ws, weight: mps });
  return { rate: peakOfSum(profiles), sessions: ws ? peakOfSum([{ stages: ws, weight: 1 }]) : 0 };
}

/**
 * Connections k6 holds at a scale: a rate stream's pre-allocated VU pool (each VU keeps its own
 * keep-alive connection, and k6 hands every pooled VU out in turn) and the WS sessions at their peak.
 */
export function heldConnections(streams: Streams, scale: number): { total: number; parts: string[] } {
  const pool = (stages: LoadStage[] | undefined) => (stages ? vuBudget(peakOfSum([{ stages: place(stages, scale), weight: 1 }])).preAllocatedVUs : 0);
  const http = pool(streams.http);
  const grpc = pool(streams.grpc);
  const ws = streams.ws ? peakOfSum([{ stages: place(streams.ws, scale), weight: 1 }]) : 0;
  const parts = [http ? `${fmt(http)} HTTP VUs` : '', grpc ? `${fmt(grpc)} gRPC VUs` : '', ws ? `${fmt(ws)} WS sessions` : ''].filter(Boolean);
  return { total: http + grpc + ws, parts };
}

/** How per-pod connection targets scale: the connections held here over those held at full scale. */
export function planConnections(streams: Streams, scale: number): PlannedConnections {
  const here = heldConnections(streams, scale);
  const full = heldConnections(streams, 1);
  const ratio = full.total > 0 ? roundTo(here.total / full.total, 4) : scale;
  return {
    atScale: here.total,
    fullScale: full.total,
    scale: ratio,
    reason: `k6 holds ${fmt(here.total)} connections at this scale (${here.parts.join(' + ') || 'none'}) and ${fmt(full.total)} at full scale (${full.parts.join(' + ') || 'none'}): ${fmt(here.total)}/${fmt(full.total)} = ${ratio}`,
  };
}

/** The scale at which the scenario's peak fits this machine, with the arithmetic that says why. */
export function machineFitScale(s: Scenario, provider: ProviderName, cores: number): { scale: number; reason: string } {
  const budget = LOAD_BUDGET_PER_CORE[provider];
  const full = peaks({ http: s.load.http?.stages, ws: s.load.ws?.stages, grpc: s.load.grpc?.stages }, s.load.ws?.messagesPerSecond ?? 0, 1);
  const rateBudget = cores * budget.rate;
  const sessionBudget = cores * budget.sessions;
  const byRate = rateBudget / full.rate;
  const bySessions = full.sessions > 0 ? sessionBudget / full.sessions : Infinity;
  const scale = Math.min(1, floorSignificant(Math.min(byRate, bySessions)));
  const parts = [
    `machine-fit: ${cores} cores × ${budget.rate} req/s per core (${budget.why}) = ${rateBudget} req/s; ` +
      `full-scale peak ${fmt(full.rate)} req/s → ${rateBudget}/${fmt(full.rate)} = ${fmt(byRate)}`,
  ];
  if (full.sessions > 0) {
    parts.push(`${cores} cores × ${budget.sessions} WS sessions per core = ${sessionBudget}; full-scale peak ${fmt(full.sessions)} sessions → ${fmt(bySessions)}`);
  }
  parts.push(byRate >= 1 && bySessions >= 1 ? 'capped at 1 (full scale fits)' : `scale = ${scale} (smallest, 3 significant digits, rounded down)`);
  return { scale, reason: parts.join('; ') };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : String(floorSignificant(x, 4));
}

/** Stretch every stage, chaos offset and the baseline so the load lasts `durationS` in total. */
export function stretch(s: Scenario, durationS: number): Scenario {
  const streams = [s.load.http, s.load.ws, s.load.grpc].filter((x) => x !== undefined);
  const total = Math.max(...streams.map((x) => x.stages.reduce((a, st) => a + st.durationS, 0)));
  if (!Number.isInteger(durationS) || durationS <= 0) throw new UsageError(`--duration ${durationS}: must be a whole number of seconds > 0`);
  const factor = durationS / total;
  const at = (t: number) => Math.round(t * factor);
  const out = structuredClone(s);
  const named: [string, { stages: LoadStage[] } | undefined][] = [['http', out.load.http], ['ws', out.load.ws], ['grpc', out.load.grpc]];
  for (const [kind, stream] of named) {
    if (!stream) continue;
    // Scale the boundaries, not the lengths, so the stages still add up to the new total.
    let cum = 0;
    let prevEnd = 0;
    for (const st of stream.stages) {
      cum += st.durationS;
      const end = at(cum);
      const len = end - prevEnd;
      if (len <= 0) {
        const shortest = Math.ceil(total / Math.min(...stream.stages.map((x) => x.durationS)));
        throw new UsageError(`--duration ${durationS}: stage '${st.name}' of load.${kind} would last 0 s; use --duration ${shortest} or more`);
      }
      st.durationS = len;
      prevEnd = end;
    }
  }
  const newTotal = at(total);
  if (out.baselineS !== undefined) out.baselineS = at(out.baselineS);
  out.chaos = out.chaos.map((c, i) => {
    const atS = at(c.atS);
    if (atS >= newTotal) throw new UsageError(`--duration ${durationS}: chaos[${i}] (${c.action} at ${c.atS} s) would fall at the end of the load`);
    return { ...c, atS };
  });
  return out;
}

function chaosId(s: Scenario, action: string, target: string, atS: number): string {
  const w = s.workloads.find((x) => x.name === target);
  return `${action}-${w ? w.object.name : target}@${atS}s`;
}

export function resolvePlan(input: Scenario, opts: ResolveOptions): Plan {
  const file = opts.file ?? `scenarios/${input.name}.ts`;
  const { scenario: overridden, overrides } = applyOverrides(input, opts.sets ?? [], file);
  const s = opts.durationS === undefined ? overridden : stretch(overridden, opts.durationS);

  let scale: number;
  let scaleReason: string;
  if (opts.scale !== undefined) {
    if (!Number.isFinite(opts.scale) || opts.scale <= 0 || opts.scale > MAX_SCALE) {
      throw new UsageError(`--scale ${opts.scale}: must be a number in (0, ${MAX_SCALE}] (1 = the seeds' full-scale numbers)`);
    }
    scale = opts.scale;
    scaleReason = `--scale ${opts.scale}`;
  } else {
    if (!Number.isInteger(opts.cores) || opts.cores < 1) throw new Error(`resolvePlan: cores must be a positive integer, got ${opts.cores}`);
    ({ scale, reason: scaleReason } = machineFitScale(s, opts.provider.name, opts.cores));
  }

  let seed: number;
  let seedReason: string;
  if (opts.seed !== undefined) {
    if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff) throw new UsageError(`--seed ${opts.seed}: must be an integer in [0, 4294967295]`);
    seed = opts.seed;
    seedReason = '--seed';
  } else {
    seed = seedFromName(s.name);
    seedReason = `derived from the scenario name (FNV-1a of '${s.name}')`;
  }

  const http = s.load.http ? place(s.load.http.stages, scale) : null;
  const ws = s.load.ws ? place(s.load.ws.stages, scale) : null;
  const grpc = s.load.grpc ? place(s.load.grpc.stages, scale) : null;
  const mps = s.load.ws?.messagesPerSecond ?? 0;
  const peakRate = peakOfSum([
    ...(http ? [{ stages: http, weight: 1 }] : []),
    ...(grpc ? [{ stages: grpc, weight: 1 }] : []),
    ...(ws ? [{ stages: ws, weight: mps }] : []),
  ]);
  const perShardCapacity = opts.perShardCapacity ?? PER_SHARD_CAPACITY;
  const where = chooseLoadFrom(opts.loadFrom, opts.provider.name);
  if (opts.perPodRate !== undefined && where.loadFrom !== 'cluster') throw new UsageError('--per-pod-rate sizes runner pods: it goes with --load-from cluster');
  const runners = where.loadFrom === 'cluster' ? planRunners(peakRate, opts.provider.name, opts.perPodRate) : null;
  // In the cluster one runner pod is one shard (one execution segment).
  const shards = runners ? runners.pods : Math.max(1, Math.ceil(peakRate / perShardCapacity));
  const stream = (stages: PlannedStage[] | null, entry: PlannedStream['entry'] | undefined): PlannedStream | null =>
    stages && entry ? { entry, stages, perShardPeak: peakOfSum([{ stages, weight: 1 }]) / shards } : null;

  const durationS = Math.max(...[http, ws, grpc].filter((x) => x !== null).map((x) => x[x.length - 1]!.endS));

  const workloads: PlannedWorkload[] = s.workloads.map((w) => ({
    name: w.name,
    deploy: w.deploy,
    object: { ...w.object },
    drain: w.drain ?? 'graceful',
    image: w.image ?? null,
    cpuCostMicros: w.cpuCostMicros ?? null,
    // deploy/<folder>/overlays/ has one overlay per provider: small sizes for kind, the seed's for existing.
    overlay: w.overlay ?? opts.provider.name,
  }));
  assertOneOverlayPerFolder(workloads);

  const chaos: PlannedChaos[] = s.chaos
    .map((step) => ({ id: chaosId(s, step.action, step.target, step.atS), atS: step.atS, step: structuredClone(step) }))
    .sort((a, b) => a.atS - b.atS);

  const phases: PlannedPhase[] = [];
  const baselineS = s.baselineS ?? 0;
  if (baselineS > 0) phases.push({ name: 'baseline', startS: 0, endS: baselineS });
  const streams: [string, PlannedStage[] | null][] = [['http', http], ['ws', ws], ['grpc', grpc]];
  const seen = new Map<string, string>();
  for (const [kind, stages] of streams) {
    for (const st of stages ?? []) {
      const window = `${st.startS}-${st.endS}`;
      const prior = seen.get(st.name);
      if (prior === window) continue; // same stage in several streams: one phase
      const name = prior === undefined ? `stage:${st.name}` : `stage:${kind}/${st.name}`;
      seen.set(st.name, prior ?? window);
      phases.push({ name, startS: st.startS, endS: st.endS });
    }
  }
  // Each chaos action's window runs until the next action starts (or the load ends).
  chaos.forEach((c, i) => phases.push({ name: `chaos:${c.id}`, startS: c.atS, endS: chaos[i + 1]?.atS ?? durationS }));

  const scoring = structuredClone(s.scoring);
  // KEDA where the harness makes the cluster, or where the run deploys the kind overlay (which
  // drops the seeds' Pods metrics) to an existing cluster that runs KEDA; the existing overlay
  // applies the seed's HPA as it is, for the cluster's own adapter.
  const keda = s.needs?.keda === true && (opts.provider.name === 'kind' || workloads.every((w) => w.overlay === 'kind'));
  const connections = planConnections({ http: s.load.http?.stages, ws: s.load.ws?.stages, grpc: s.load.grpc?.stages }, scale);
  if (scoring.hpa) {
    // Overshoot's per-pod capacity is the target the HPA actually scales on (a ScaledObject's
    // request-rate threshold is the seed's × scale, rounded like this); a CPU-only HPA has none,
    // and the scenario's figure is then only an estimate, said so.
    const hs = keda ? opts.hpaScalingKeda : opts.hpaScaling;
    const fromHpa = hs?.requestRatePerPod ?? null;
    scoring.hpa.perPodRate = roundTo((fromHpa ?? scoring.hpa.perPodRate) * scale, 3);
    scoring.hpa.perPodRateBasis =
      fromHpa !== null && hs
        ? `${hs.source} targets ${fromHpa} req/s per pod × scale ${scale}`
        : `scenario's ${s.scoring.hpa!.perPodRate} req/s per pod × scale ${scale}${hs ? ` (${hs.source} scales on CPU/memory only: an estimate)` : ''}`;
    if (hs) scoring.hpa.replicaRange = { min: hs.minReplicas, max: hs.maxReplicas };
    if (hs?.externalMetrics && Object.keys(hs.externalMetrics).length > 0) scoring.hpa.metricNames = { ...hs.externalMetrics };
    if (hs?.connectionsPerPod != null) {
      scoring.hpa.perPodConnections = roundTo(hs.connectionsPerPod * connections.scale, 3);
      scoring.hpa.perPodConnectionsBasis = `${hs.source} targets ${hs.connectionsPerPod} connections per pod × connection scale ${connections.scale}`;
    }
  }

  const plan: Plan = {
    schema: PLAN_SCHEMA,
    scenario: s.name,
    purpose: s.purpose,
    system: s.system,
    provider: opts.provider.name,
    providerReason: opts.provider.reason,
    scale,
    scaleReason,
    seed,
    seedReason,
    durationS,
    shards,
    perShardCapacity,
    workloads,
    load: {
      http: stream(http, s.load.http?.entry),
      ws:
        ws && s.load.ws
          ? {
              ...stream(ws, s.load.ws.entry)!,
              messagesPerSecond: s.load.ws.messagesPerSecond,
              openRate: scaleTarget(s.load.ws.openRate, scale),
            }
          : null,
      grpc: stream(grpc, s.load.grpc?.entry),
      peakRate,
      timeoutS: s.load.http?.timeoutS ?? DEFAULT_HTTP_TIMEOUT_S,
    },
    chaos,
    phases,
    slos: structuredClone(s.slos),
    scoring,
    adherence: { ...ADHERENCE },
    overrides: Object.fromEntries(overrides.map((o) => [o.key, o.raw])),
    outDir: opts.outDir ?? 'runs',
    keepCluster: opts.keepCluster ?? false,
    loadFrom: where.loadFrom,
    loadFromReason: where.reason,
    ...(opts.registry ? { registry: opts.registry } : {}),
    runners,
    ...(keda ? { addons: ['keda' as const] } : {}),
    connections,
  };
  return plan;
}

/**
 * Workloads from one deploy folder render it once, with one overlay: two overlays of the same
 * folder would apply its objects twice, the second set over the first.
 */
export function assertOneOverlayPerFolder(workloads: readonly Pick<PlannedWorkload, 'name' | 'deploy' | 'overlay'>[]): void {
  const byFolder = new Map<string, Pick<PlannedWorkload, 'name' | 'overlay'>[]>();
  for (const w of workloads) byFolder.set(w.deploy, [...(byFolder.get(w.deploy) ?? []), w]);
  for (const [folder, ws] of byFolder) {
    const overlays = new Set(ws.map((w) => w.overlay));
    if (overlays.size < 2) continue;
    const target = ws[0]!.overlay;
    throw new UsageError(
      `workloads ${ws.map((w) => `${w.name} (overlay ${w.overlay})`).join(', ')} share deploy folder '${folder}', which renders with one overlay; ` +
        `set it for each: ${ws.map((w) => `--set ${w.name}.overlay=${target}`).join(' ')}`,
    );
  }
}
