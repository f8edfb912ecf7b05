// Validates a scenario when it is loaded: unknown keys, wrong types, bad enums, references to
// undeclared workloads, non-positive durations, ratios out of range. Every error names the file
// and the field path; nothing is silently defaulted or coerced.
import type { ChaosStep, Scenario } from './model.ts';

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${file}: ${field || 'the scenario'} ${detail}`);
    this.name = 'ScenarioError';
  }
}

export const SEED_SYSTEMS = ['aenebris', 'ephemos', 's3-gateway', 'basebook', 'ebpf-tracer'] as const;
export const DRAIN_MODES = ['graceful', 'none', 'sticky-ready'] as const;
export const OBJECT_KINDS = ['Deployment', 'DaemonSet'] as const;
/** Service port names the deploy/ overlays expose as NodePorts (tracer: api, object store: s3). */
export const ENTRY_PORTS = ['http', 'https', 'ws', 'grpc', 'api', 's3'] as const;
export const CHAOS_ACTIONS = ['pod-kill', 'rollout', 'scale', 'node-drain', 'node-fail', 'network-fault'] as const;
export const NODE_FAIL_MODES = ['pause'] as const;
export const NETWORK_FAULT_KINDS = ['latency', 'loss', 'partition'] as const;
/** Every fault is bounded: at most this long (s), and undone by a dead-man's switch soon after. */
export const MAX_FAULT_S = 600;
export const POD_PICKS = ['oldest', 'newest', 'random'] as const;

/** A workload's `deploy` that is a path to the user's own kustomize folder, not a folder under deploy/. */
export function isDeployPath(deploy: string): boolean {
  return deploy.startsWith('./') || deploy.startsWith('../') || deploy.startsWith('/');
}

/** A Kubernetes object/namespace name segment (RFC 1123 label). */
export const DNS_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

type Json = Record<string, unknown>;

/** Field-level checks bound to one file; each returns the checked value or throws. */
class Checker {
  constructor(readonly file: string) {}

  fail(path: string, detail: string): never {
    throw new ScenarioError(this.file, path, detail);
  }

  object(v: unknown, path: string, required: readonly string[], optional: readonly string[] = []): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, `must be an object, got ${show(v)}`);
    const o = v as Json;
    const known = [...required, ...optional];
    for (const key of Object.keys(o)) {
      if (!known.includes(key)) this.fail(join(path, key), `is not a known field; valid: ${known.join(', ')}`);
    }
    for (const key of required) {
      if (o[key] === undefined) this.fail(join(path, key), 'is required');
    }
    return o;
  }

  array(v: unknown, path: string, opts: { nonEmpty: boolean }): unknown[] {
    if (!Array.isArray(v)) this.fail(path, `must be an array, got ${show(v)}`);
    if (opts.nonEmpty && v.length === 0) this.fail(path, 'must not be empty');
    return v;
  }

  string(v: unknown, path: string): string {
    if (typeof v !== 'string' || v.trim() === '') this.fail(path, `must be a non-empty string, got ${show(v)}`);
    return v;
  }

  dnsName(v: unknown, path: string): string {
    const s = this.string(v, path);
    if (!DNS_NAME.test(s)) this.fail(path, `must be a lowercase DNS label (a-z, 0-9, '-', at most 63), got ${show(v)}`);
    return s;
  }

  oneOf<T extends string>(v: unknown, path: string, valid: readonly T[]): T {
    if (typeof v !== 'string' || !valid.includes(v as T)) this.fail(path, `must be one of ${valid.join(', ')}, got ${show(v)}`);
    return v as T;
  }

  boolean(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, `must be true or false, got ${show(v)}`);
    return v;
  }

  number(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(path, `must be a finite number, got ${show(v)}`);
    return v;
  }

  positive(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) this.fail(path, `must be a positive number, got ${show(v)}`);
    return v;
  }

  nonNegative(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) this.fail(path, `must be a number >= 0, got ${show(v)}`);
    return v;
  }

  count(v: unknown, path: string, min: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) this.fail(path, `must be an integer >= ${min}, got ${show(v)}`);
    return v;
  }

  /** In (lo, hi] or [lo, hi] by `open`. */
  range(v: unknown, path: string, lo: number, hi: number, lowOpen: boolean): number {
    const ok = typeof v === 'number' && Number.isFinite(v) && (lowOpen ? v > lo : v >= lo) && v <= hi;
    if (!ok) this.fail(path, `must be in ${lowOpen ? '(' : '['}${lo}, ${hi}], got ${show(v)}`);
    return v as number;
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(v);
  }
}

/** Check `raw` (a scenario module's default export, or one with --set applied) and return it typed. */
export function validateScenario(raw: unknown, file: string): Scenario {
  const c: Checker = new Checker(file);
  const s = c.object(raw, '', ['name', 'purpose', 'system', 'workloads', 'load', 'chaos', 'slos', 'scoring'], ['baselineS', 'needs']);
  c.dnsName(s.name, 'name');
  c.string(s.purpose, 'purpose');
  // A seed system in the catalogue (its loader insists); a scenario file of your own names its own system.
  c.dnsName(s.system, 'system');

  // Workloads: unique names and object names; everything else refers to them by name.
  const workloads = c.array(s.workloads, 'workloads', { nonEmpty: true });
  const kinds = new Map<string, 'Deployment' | 'DaemonSet'>();
  const objects = new Set<string>();
  workloads.forEach((w, i) => {
    const p = `workloads[${i}]`;
    const o = c.object(w, p, ['name', 'deploy', 'object'], ['drain', 'image', 'cpuCostMicros', 'overlay']);
    const name = c.dnsName(o.name, `${p}.name`);
    if (kinds.has(name)) c.fail(`${p}.name`, `duplicates workload '${name}'`);
    const deploy = c.string(o.deploy, `${p}.deploy`);
    if (isDeployPath(deploy)) {
      if (o.overlay !== undefined) c.fail(`${p}.overlay`, `applies to folders under deploy/; with deploy a path (${show(deploy)}), point deploy at the kustomize folder to render`);
    } else if (!DNS_NAME.test(deploy)) {
      c.fail(`${p}.deploy`, `must be a folder under deploy/ (a lowercase name such as "aenebris") or a path to your own kustomize folder starting with './', '../' or '/', got ${show(deploy)}`);
    }
    const obj = c.object(o.object, `${p}.object`, ['kind', 'name']);
    const kind = c.oneOf(obj.kind, `${p}.object.kind`, OBJECT_KINDS);
    const objName = c.dnsName(obj.name, `${p}.object.name`);
    if (objects.has(objName)) c.fail(`${p}.object.name`, `duplicates object '${objName}' of another workload`);
    objects.add(objName);
    kinds.set(name, kind);
    if (o.drain !== undefined) c.oneOf(o.drain, `${p}.drain`, DRAIN_MODES);
    if (o.image !== undefined) c.string(o.image, `${p}.image`);
    if (o.cpuCostMicros !== undefined) c.count(o.cpuCostMicros, `${p}.cpuCostMicros`, 0);
    if (o.overlay !== undefined) c.dnsName(o.overlay, `${p}.overlay`);
  });
  const names = [...kinds.keys()];
  const workloadRef = (v: unknown, path: string): string => {
    if (typeof v !== 'string' || !kinds.has(v)) c.fail(path, `must name a declared workload (${names.join(', ')}), got ${show(v)}`);
    return v;
  };

  // Load: at least one stream; every stream's stages are positive durations and targets >= 0.
  const load = c.object(s.load, 'load', [], ['http', 'ws', 'grpc']);
  if (load.http === undefined && load.ws === undefined && load.grpc === undefined) c.fail('load', 'must have at least one of http, ws, grpc');
  const streamEnd: number[] = [];
  const stream = (v: unknown, path: string, extraRequired: readonly string[], extraOptional: readonly string[]): Json => {
    const o = c.object(v, path, ['entry', 'stages', ...extraRequired], extraOptional);
    const e = c.object(o.entry, `${path}.entry`, ['workload', 'port'], ['path']);
    workloadRef(e.workload, `${path}.entry.workload`);
    c.oneOf(e.port, `${path}.entry.port`, ENTRY_PORTS);
    if (e.path !== undefined && (typeof e.path !== 'string' || !e.path.startsWith('/'))) {
      c.fail(`${path}.entry.path`, `must be a string starting with '/', got ${show(e.path)}`);
    }
    const stages = c.array(o.stages, `${path}.stages`, { nonEmpty: true });
    const stageNames = new Set<string>();
    let total = 0;
    stages.forEach((st, i) => {
      const sp = `${path}.stages[${i}]`;
      const so = c.object(st, sp, ['name', 'durationS', 'target'], ['ramp']);
      const n = c.string(so.name, `${sp}.name`);
      if (stageNames.has(n)) c.fail(`${sp}.name`, `duplicates stage '${n}'`);
      stageNames.add(n);
      total += c.positive(so.durationS, `${sp}.durationS`);
      c.nonNegative(so.target, `${sp}.target`);
      if (so.ramp !== undefined) c.boolean(so.ramp, `${sp}.ramp`);
    });
    streamEnd.push(total);
    return o;
  };
  if (load.http !== undefined) {
    const h = stream(load.http, 'load.http', [], ['timeoutS']);
    if (h.timeoutS !== undefined) c.positive(h.timeoutS, 'load.http.timeoutS');
  }
  if (load.ws !== undefined) {
    const w = stream(load.ws, 'load.ws', ['messagesPerSecond', 'openRate'], []);
    c.positive(w.messagesPerSecond, 'load.ws.messagesPerSecond');
    c.positive(w.openRate, 'load.ws.openRate');
  }
  if (load.grpc !== undefined) stream(load.grpc, 'load.grpc', [], []);
  const durationS = Math.max(...streamEnd);

  let baselineS = 0;
  if (s.baselineS !== undefined) {
    baselineS = c.nonNegative(s.baselineS, 'baselineS');
    if (baselineS >= durationS) c.fail('baselineS', `must be shorter than the load (${durationS} s), got ${baselineS}`);
  }

  // Chaos: each action's own fields; targets are declared workloads; offsets inside the load
  // and after the baseline (the baseline is the failure rate chaos is compared against).
  const chaos = c.array(s.chaos, 'chaos', { nonEmpty: false });
  const ids = new Set<string>();
  chaos.forEach((step, i) => {
    const p = `chaos[${i}]`;
    if (typeof step !== 'object' || step === null || Array.isArray(step)) c.fail(p, `must be an object, got ${show(step)}`);
    const action = c.oneOf((step as Json).action, `${p}.action`, CHAOS_ACTIONS);
    const fields: Record<ChaosStep['action'], readonly string[]> = {
      'pod-kill': ['count', 'percent', 'pick', 'graceS'],
      rollout: ['change', 'deadlineS'],
      scale: ['pauseHpa'],
      'node-drain': ['deadlineS'],
      'node-fail': ['mode'],
      'network-fault': ['peer', 'count'],
    };
    const required = action === 'scale' ? ['action', 'target', 'atS', 'replicas']
      : action === 'node-fail' ? ['action', 'target', 'atS', 'durationS']
      : action === 'network-fault' ? ['action', 'target', 'atS', 'durationS', 'fault']
      : ['action', 'target', 'atS'];
    const o = c.object(step, p, required, fields[action]);
    const target =
      action === 'node-drain' || action === 'node-fail' ? c.dnsName(o.target, `${p}.target`) : workloadRef(o.target, `${p}.target`);
    const atS = c.nonNegative(o.atS, `${p}.atS`);
    if (atS >= durationS) c.fail(`${p}.atS`, `must be before the load ends (${durationS} s), got ${atS}`);
    if (atS < baselineS) c.fail(`${p}.atS`, `must not fall inside the baseline (first ${baselineS} s), got ${atS}`);
    const id = `${action}-${target}@${atS}`;
    if (ids.has(id)) c.fail(p, `duplicates another ${action} of '${target}' at ${atS} s`);
    ids.add(id);
    switch (action) {
      case 'pod-kill':
        if (o.count !== undefined && o.percent !== undefined) c.fail(`${p}.percent`, 'cannot be given together with count');
        if (o.count !== undefined) c.count(o.count, `${p}.count`, 1);
        if (o.percent !== undefined) c.range(o.percent, `${p}.percent`, 0, 100, true);
        if (o.pick !== undefined) c.oneOf(o.pick, `${p}.pick`, POD_PICKS);
        if (o.graceS !== undefined && o.graceS !== 'force') c.count(o.graceS, `${p}.graceS`, 0);
        break;
      case 'rollout':
        if (o.change !== undefined && o.change !== 'restart') {
          const ch = o.change as Json;
          if (typeof ch === 'object' && ch !== null && 'env' in ch) {
            const env = c.object(ch, `${p}.change`, ['env']).env;
            if (typeof env !== 'object' || env === null || Array.isArray(env)) c.fail(`${p}.change.env`, `must be an object of strings, got ${show(env)}`);
            for (const [k, v] of Object.entries(env)) {
              if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) c.fail(`${p}.change.env.${k}`, 'is not a valid environment variable name');
              if (typeof v !== 'string') c.fail(`${p}.change.env.${k}`, `must be a string, got ${show(v)}`);
            }
          } else if (typeof ch === 'object' && ch !== null && 'image' in ch) {
            c.string(c.object(ch, `${p}.change`, ['image']).image, `${p}.change.image`);
          } else {
            c.fail(`${p}.change`, `must be 'restart', { env: {...} } or { image: '...' }, got ${show(o.change)}`);
          }
        }
        if (o.deadlineS !== undefined) c.positive(o.deadlineS, `${p}.deadlineS`);
        break;
      case 'scale':
        if (kinds.get(target) === 'DaemonSet') c.fail(`${p}.target`, `names DaemonSet workload '${target}', which cannot be scaled`);
        c.count(o.replicas, `${p}.replicas`, 0);
        if (o.pauseHpa !== undefined) c.boolean(o.pauseHpa, `${p}.pauseHpa`);
        break;
      case 'node-drain':
        if (o.deadlineS !== undefined) c.positive(o.deadlineS, `${p}.deadlineS`);
        break;
      case 'node-fail':
      case 'network-fault': {
        const d = c.range(o.durationS, `${p}.durationS`, 0, MAX_FAULT_S, true);
        if (atS + d > durationS) c.fail(`${p}.durationS`, `must end by the end of the load (${durationS} s): ${atS} + ${d} > ${durationS}`);
        if (action === 'node-fail') {
          if (o.mode !== undefined) c.oneOf(o.mode, `${p}.mode`, NODE_FAIL_MODES);
          break;
        }
        if (o.count !== undefined) c.count(o.count, `${p}.count`, 1);
        if (o.peer !== undefined && workloadRef(o.peer, `${p}.peer`) === target) c.fail(`${p}.peer`, `must be another workload than the target '${target}'`);
        const f = c.object(o.fault, `${p}.fault`, ['kind'], ['delayMs', 'jitterMs', 'percent']);
        const kind = c.oneOf(f.kind, `${p}.fault.kind`, NETWORK_FAULT_KINDS);
        const allowed: readonly string[] = { latency: ['delayMs', 'jitterMs'], loss: ['percent'], partition: [] }[kind];
        for (const k of ['delayMs', 'jitterMs', 'percent']) {
          if (f[k] !== undefined && !allowed.includes(k)) c.fail(`${p}.fault.${k}`, `does not apply to a ${kind} fault (valid: ${allowed.join(', ') || 'none'})`);
        }
        if (kind === 'latency') {
          const delay = c.range(f.delayMs, `${p}.fault.delayMs`, 0, 10_000, true);
          if (f.jitterMs !== undefined && c.nonNegative(f.jitterMs, `${p}.fault.jitterMs`) > delay) c.fail(`${p}.fault.jitterMs`, `must not exceed delayMs (${delay}), got ${show(f.jitterMs)}`);
        }
        if (kind === 'loss') c.range(f.percent, `${p}.fault.percent`, 0, 100, true);
        if (kind === 'partition' && o.peer === undefined) c.fail(`${p}.peer`, 'is required for a partition (the workload it is cut off from)');
        break;
      }
    }
  });

  // SLOs.
  const slos = c.object(s.slos, 'slos', ['successRatio'], ['latencyMs', 'wsAbnormalCloseRatio', 'wsMessageLatencyMs']);
  c.range(slos.successRatio, 'slos.successRatio', 0, 1, true);
  if (slos.latencyMs !== undefined) {
    const l = c.object(slos.latencyMs, 'slos.latencyMs', [], ['p95', 'p99']);
    if (l.p95 !== undefined) c.positive(l.p95, 'slos.latencyMs.p95');
    if (l.p99 !== undefined) c.positive(l.p99, 'slos.latencyMs.p99');
    if (typeof l.p95 === 'number' && typeof l.p99 === 'number' && l.p95 > l.p99) {
      c.fail('slos.latencyMs.p95', `must not exceed p99 (${l.p99}), got ${l.p95}`);
    }
  }
  if (slos.wsAbnormalCloseRatio !== undefined) {
    c.range(slos.wsAbnormalCloseRatio, 'slos.wsAbnormalCloseRatio', 0, 1, false);
    if (load.ws === undefined) c.fail('slos.wsAbnormalCloseRatio', 'needs load.ws (there are no WebSocket sessions to score)');
  }
  if (slos.wsMessageLatencyMs !== undefined) {
    const l = c.object(slos.wsMessageLatencyMs, 'slos.wsMessageLatencyMs', ['p95'], []);
    c.positive(l.p95, 'slos.wsMessageLatencyMs.p95');
    if (load.ws === undefined) c.fail('slos.wsMessageLatencyMs', 'needs load.ws (there are no WebSocket messages to time)');
  }

  // Scoring targets.
  const scoring = c.object(s.scoring, 'scoring', ['errorBudget'], ['hpa', 'drain', 'nodeFail']);
  const needs = s.needs === undefined ? {} : c.object(s.needs, 'needs', [], ['workers', 'metricsApi', 'keda']);
  if (needs.workers !== undefined) c.count(needs.workers, 'needs.workers', 0);
  if (needs.metricsApi !== undefined) c.boolean(needs.metricsApi, 'needs.metricsApi');
  if (needs.keda !== undefined) c.boolean(needs.keda, 'needs.keda');
  if (scoring.hpa !== undefined) {
    const h = c.object(scoring.hpa, 'scoring.hpa', ['workload', 'perPodRate', 'maxReactionS', 'maxReadyS'], ['maxOvershoot', 'maxFlaps', 'scaleDownStabilizationS', 'expectDrivenBy']);
    const w = workloadRef(h.workload, 'scoring.hpa.workload');
    if (kinds.get(w) !== 'Deployment') c.fail('scoring.hpa.workload', `names DaemonSet workload '${w}'; an HPA scales a Deployment`);
    c.positive(h.perPodRate, 'scoring.hpa.perPodRate');
    const reaction = c.positive(h.maxReactionS, 'scoring.hpa.maxReactionS');
    const ready = c.positive(h.maxReadyS, 'scoring.hpa.maxReadyS');
    if (ready < reaction) c.fail('scoring.hpa.maxReadyS', `must be >= maxReactionS (${reaction}), got ${ready}`);
    if (h.maxOvershoot !== undefined) c.count(h.maxOvershoot, 'scoring.hpa.maxOvershoot', 0);
    if (h.maxFlaps !== undefined) c.count(h.maxFlaps, 'scoring.hpa.maxFlaps', 0);
    if (h.scaleDownStabilizationS !== undefined) c.nonNegative(h.scaleDownStabilizationS, 'scoring.hpa.scaleDownStabilizationS');
    if (needs.metricsApi !== true) c.fail('needs.metricsApi', 'must be true when scoring.hpa is set (the HPA reads the metrics API)');
    if (h.expectDrivenBy !== undefined) {
      const m = c.string(h.expectDrivenBy, 'scoring.hpa.expectDrivenBy');
      // only a ScaledObject's events name a seed metric the score can map back
      if (needs.keda !== true) c.fail('scoring.hpa.expectDrivenBy', `names seed metric '${m}', which only KEDA's ScaledObject serves here: set needs.keda`);
    }
  }
  if (scoring.drain !== undefined) {
    const d = c.object(scoring.drain, 'scoring.drain', ['maxFailedPerPod', 'maxAbnormalWsPerPod', 'exitWithinGrace']);
    c.count(d.maxFailedPerPod, 'scoring.drain.maxFailedPerPod', 0);
    c.count(d.maxAbnormalWsPerPod, 'scoring.drain.maxAbnormalWsPerPod', 0);
    c.boolean(d.exitWithinGrace, 'scoring.drain.exitWithinGrace');
  }
  if (scoring.nodeFail !== undefined) {
    const n = c.object(scoring.nodeFail, 'scoring.nodeFail', ['maxFailedPerPod', 'maxAbnormalWsPerPod', 'maxEndpointRemovalS'], ['minReadyEndpoints']);
    c.count(n.maxFailedPerPod, 'scoring.nodeFail.maxFailedPerPod', 0);
    c.count(n.maxAbnormalWsPerPod, 'scoring.nodeFail.maxAbnormalWsPerPod', 0);
    c.positive(n.maxEndpointRemovalS, 'scoring.nodeFail.maxEndpointRemovalS');
    if (n.minReadyEndpoints !== undefined) c.count(n.minReadyEndpoints, 'scoring.nodeFail.minReadyEndpoints', 0);
    if (!chaos.some((st) => (st as Json).action === 'node-fail')) c.fail('scoring.nodeFail', 'needs a node-fail chaos action to score');
  }
  const budget = c.object(scoring.errorBudget, 'scoring.errorBudget', ['maxUsedPct']);
  c.range(budget.maxUsedPct, 'scoring.errorBudget.maxUsedPct', 0, 100, true);
  if (chaos.some((st) => (st as Json).action === 'node-drain') && (typeof needs.workers !== 'number' || needs.workers < 2)) {
    c.fail('needs.workers', 'must be >= 2 when chaos has a node-drain (the drained node\'s pods need somewhere to go)');
  }
  if (chaos.some((st) => (st as Json).action === 'node-fail') && (typeof needs.workers !== 'number' || needs.workers < 2)) {
    c.fail('needs.workers', 'must be >= 2 when chaos has a node-fail (a worker must survive to keep serving)');
  }

  return structuredClone(raw) as Scenario;
}

/** Total load duration (s): the longest stream. Assumes a validated scenario. */
export function loadDurationS(s: Scenario): number {
  const sums = [s.load.http, s.load.ws, s.load.grpc]
    .filter((x) => x !== undefined)
    .map((x) => x.stages.reduce((a, st) => a + st.durationS, 0));
  return Math.max(...sums);
}
