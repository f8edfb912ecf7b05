// `--load-from cluster`: the plan's streams on k6 runner pods in the run's namespace, as
// k6-operator does it — every runner starts paused with its execution segment, all are resumed
// together through the API server's pod proxy (t = 0 is that instant), they remote-write every
// second into the run's Prometheus in the same namespace, and the per-second series are read
// back through the service proxy with the same PromQL as on the host (harness/load/series.ts).
// Each runner's summary export (on its stdout, so in its pod log) is kept as the witness.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { Plan } from '../../plan/types.ts';
import type { K6ShardExit, K6ShardSummary } from '../../timeline/types.ts';
import { applyObjects, type KubeObject } from '../../deploy/apply.ts';
import { podDiagnosis, unrecoverable } from '../../deploy/readiness.ts';
import { apiMessage, isNotFound } from '../../kube/api-error.ts';
import { pullFromRegistry } from '../../kube/pulled-images.ts';
import { kubeStreamLines } from '../../kube/raw.ts';
import { readLoadSeries, readRunLatency, reportProgress, shapeEndS, shardProblemsOf, type RunLoadResult } from '../index.ts';
import { assertLoopbackTargets } from '../loopback.ts';
import { executionSegments } from '../segments.ts';
import { planToShape } from '../shape.ts';
import { summaryTotals } from '../summary.ts';
import { PAUSED_BEFORE_RUN, podLog, proxiedPrometheus, resumeRunner, runnerStatus, type ProxiedPrometheus } from './api-proxy.ts';
import { buildPrometheusImage, buildRunnerImage, type BuiltImage } from './images.ts';
import { PROMETHEUS_NAME, RUNNER_CONTAINER, RUNNER_SELECTOR, prometheusManifests, runnerPod, runnerPodName, type KubeManifest } from './manifests.ts';
import { summaryFromLog } from './summary-log.ts';
import { clusterTargets, type ClusterTargets } from './targets.ts';

export { clusterTargets } from './targets.ts';

/** Both images of the in-cluster load path (cached by content hash). */
export async function buildLoadImages(k6: string, progress: (line: string) => void, signal?: AbortSignal): Promise<{ runner: BuiltImage; prometheus: BuiltImage }> {
  return { runner: await buildRunnerImage(k6, progress, signal), prometheus: await buildPrometheusImage(progress, signal) };
}

export interface InClusterLoadOptions {
  kc: k8s.KubeConfig;
  namespace: string;
  plan: Plan;
  runId: string;
  runDir: string;
  /** From clusterTargets(): in-cluster Service URLs and exactly their hosts. */
  targets: ClusterTargets;
  images: { runner: BuiltImage; prometheus: BuiltImage };
  signal?: AbortSignal;
  progress?: (line: string) => void;
  onStarted?: (loadStartedAt: number) => void;
  progressEveryS?: number;
  /** Images pushed with --registry (local name → the registry's): the pods pull these names. */
  pushed?: ReadonlyMap<string, string>;
  /** The run already started its Prometheus here (harness/observe/workload-prometheus.ts): write to it, do not create or delete it. */
  prometheusRunning?: boolean;
}

/** One runner as the run saw it: when its resume was answered (the start spread is read from these). */
export interface RunnerRecord {
  shard: number;
  pod: string;
  node: string | null;
  resumedAt: number | null;
}

export interface InClusterLoadResult extends RunLoadResult {
  runners: RunnerRecord[];
}

const STARTUP_BUDGET_S = 180;

/** Read the live Services of the namespace and return the in-cluster targets of the plan's streams. */
export async function resolveClusterTargets(kc: k8s.KubeConfig, namespace: string, plan: Plan): Promise<ClusterTargets> {
  const services = (await kc.makeApiClient(k8s.CoreV1Api).listNamespacedService({ namespace })).items;
  return clusterTargets(services, plan);
}

export async function runLoadInCluster(opts: InClusterLoadOptions): Promise<InClusterLoadResult> {
  const progress = opts.progress ?? (() => undefined);
  const { kc, namespace, plan } = opts;
  if (!plan.runners) throw new Error('runLoadInCluster: the plan has no runners (resolve it with --load-from cluster)');
  // Exactly the Services of the run's namespace; a loopback URL or any other host is refused.
  assertLoopbackTargets({ 'targets.http': opts.targets.targets.http, 'targets.ws': opts.targets.targets.ws, 'targets.grpc': opts.targets.targets.grpc }, opts.targets.hosts);
  for (const [field, t] of Object.entries(opts.targets.targets)) {
    if (t && /\b(127\.|localhost|\[?::1)/.test(t)) throw new Error(`targets.${field} '${t}': runner pods cannot reach this machine's loopback; use the Service's cluster DNS name`);
  }
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const shape = planToShape(plan, opts.targets.targets, opts.runId);
  const shards = plan.shards;
  const endS = shapeEndS(shape);
  const lifetimeS = STARTUP_BUDGET_S + endS + plan.load.timeoutS + 60;
  const k6Dir = join(opts.runDir, 'k6');
  mkdirSync(k6Dir, { recursive: true });
  const pods = Array.from({ length: shards }, (_, i) => runnerPodName(i));
  const logFiles = pods.map((_, i) => join(k6Dir, `shard-${i}.log`));
  const records: RunnerRecord[] = pods.map((pod, shard) => ({ shard, pod, node: null, resumedAt: null }));
  const follow = new AbortController();
  const followed: Promise<unknown>[] = [];
  const logs = pods.map(() => '');

  const prom = proxiedPrometheus(kc, namespace);
  const deleteRunners = async (graceS: number) => {
    await Promise.all(pods.map((name) => core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: graceS }).catch(() => undefined)));
  };
  const onAbort = () => {
    progress('load: stopping the runner pods (abort)');
    void deleteRunners(15);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let ticker: NodeJS.Timeout | undefined;
  let loadStartedAt: number | null = null;
  try {
    const pushed = opts.pushed ?? new Map<string, string>();
    const imageOf = (ref: string) => pushed.get(ref) ?? ref;
    if (!opts.prometheusRunning) {
      progress(`load: the run's Prometheus in ${namespace} (${imageOf(opts.images.prometheus.ref)})`);
      await createObjects(kc, pullFromRegistry(prometheusManifests({ namespace, image: opts.images.prometheus.ref, lifetimeS: lifetimeS + 300 }), pushed), progress);
      await waitPodsReady(kc, namespace, [PROMETHEUS_NAME], Date.now() + 120_000, opts.signal, progress, 'Prometheus');
    }

    const segments = executionSegments(shards);
    progress(`load: starting ${shards} k6 runner pod(s) (${imageOf(opts.images.runner.ref)}; each cpu ${plan.runners.requests.cpu}, memory ${plan.runners.requests.memory}), remote-writing to ${prom.writeUrl}`);
    const manifests = segments.map((segment, shard) =>
      runnerPod({ namespace, image: opts.images.runner.ref, shard, segment, shape, testId: opts.runId, runners: plan.runners!, lifetimeS }),
    );
    await createObjects(kc, pullFromRegistry(manifests, pushed), progress);
    const readyBy = Date.now() + STARTUP_BUDGET_S * 1000;
    await waitPodsReady(kc, namespace, pods, readyBy, opts.signal, progress, 'k6 runner');
    // Follow every runner's log from now on: a runner deleted mid-run takes its log with it.
    pods.forEach((pod, i) => {
      followed.push(
        kubeStreamLines(kc, `/api/v1/namespaces/${namespace}/pods/${pod}/log?container=${RUNNER_CONTAINER}&follow=true`, (line) => {
          logs[i] += `${line}\n`;
          try {
            appendFileSync(logFiles[i]!, `${line}\n`);
          } catch {
            /* the log file is a convenience */
          }
        }, { signal: follow.signal, connectTimeoutMs: 15_000 }).catch(() => 'dropped'),
      );
    });
    await waitPaused(kc, namespace, pods, readyBy, opts.signal);
    for (const p of (await core.listNamespacedPod({ namespace, labelSelector: RUNNER_SELECTOR })).items) {
      const r = records.find((x) => x.pod === p.metadata?.name);
      if (r) r.node = p.spec?.nodeName ?? null;
    }

    // Every runner at once: t = 0 is when the last one answered (as on the host).
    const answered = await Promise.all(pods.map((pod) => resumeRunner(kc, namespace, pod)));
    answered.forEach((at, i) => (records[i]!.resumedAt = at));
    loadStartedAt = Date.now();
    progress(`load: resumed ${shards} runner(s) through the pod proxy within ${Math.max(...answered) - Math.min(...answered)} ms; started at ${new Date(loadStartedAt).toISOString()}, ${endS} s planned`);
    opts.onStarted?.(loadStartedAt);
    ticker = reportProgress(prom, opts.runId, loadStartedAt, endS, progress, opts.progressEveryS ?? 5, ' (runner pods)');

    const ended = await waitRunnersEnded(kc, namespace, pods, Date.now() + (lifetimeS + 30) * 1000, progress);
    clearInterval(ticker);
    const exits: K6ShardExit[] = ended.map((e, shard) => ({ shard, code: e.code, signal: null, ...(e.error ? { error: e.error } : {}), logFile: logFiles[shard] }));
    const endedAt = Math.max(loadStartedAt, ...ended.map((e) => e.at));

    // The whole log of each runner that still exists (authoritative), else what was followed.
    follow.abort();
    await Promise.all(followed);
    const summaries: K6ShardSummary[] = [];
    for (let i = 0; i < shards; i++) {
      const whole = ended[i]!.error ? null : await podLog(kc, namespace, pods[i]!, RUNNER_CONTAINER).catch(() => null);
      const text = whole ?? logs[i]!;
      writeFileSync(logFiles[i]!, `# runner pod ${pods[i]} on node ${records[i]!.node ?? '?'}: ${ended[i]!.error ?? `exit ${ended[i]!.code}`}\n${text}`);
      const doc = summaryFromLog(text);
      if (!doc) {
        progress(`load: runner pod ${pods[i]} (shard ${i}) left no summary in its log (${logFiles[i]})`);
        continue;
      }
      const file = join(k6Dir, `shard-${i}.summary.json`);
      writeFileSync(file, JSON.stringify(doc, null, 2));
      summaries.push(summaryTotals(doc, i, file));
    }

    // The runners' last remote writes can trail their exit: give Prometheus a bounded moment to
    // hold what every summary counted before reading (a shortfall after it stays, and the
    // witness check names it).
    if (summaries.length === shards) await untilTotalsArrive(prom, opts.runId, summaries, 15_000);
    const series = await readLoadSeries(prom, {
      testId: opts.runId,
      shards,
      loadStartedAt,
      endedAt,
      stages: (plan.load.http ?? plan.load.grpc ?? plan.load.ws)?.stages ?? [],
      ws: shape.ws !== null,
      grpc: shape.grpc !== null,
    }).catch((err: unknown) => {
      progress(`load: reading the series back through the service proxy failed: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    });
    const runLatencyMs = series ? await readRunLatency(prom, opts.runId, endedAt).catch(() => null) : null;
    // Where each runner ran and when its resume was answered: the start spread's witness.
    writeFileSync(join(k6Dir, 'runners.json'), JSON.stringify({ loadStartedAt, runners: records, exits }, null, 2));
    const shardProblems = opts.signal?.aborted ? [] : runnerProblems(shardProblemsOf(exits, summaries, shards), pods);
    for (const p of shardProblems) progress(`load: ${p}`);
    return { series, summaries, exits, shardProblems, loadStartedAt, runLatencyMs, runners: records };
  } finally {
    if (ticker) clearInterval(ticker);
    follow.abort();
    await Promise.all(followed);
    opts.signal?.removeEventListener('abort', onAbort);
    // The namespace goes at teardown anyway; these go now so nothing keeps running after the step.
    await deleteRunners(0);
    // The run's own Prometheus outlives the load: it still holds the workloads' scrapes.
    if (!opts.prometheusRunning) {
      await Promise.all(
        [
          () => core.deleteNamespacedPod({ name: PROMETHEUS_NAME, namespace, gracePeriodSeconds: 0 }),
          () => core.deleteNamespacedService({ name: PROMETHEUS_NAME, namespace }),
          () => core.deleteNamespacedConfigMap({ name: `${PROMETHEUS_NAME}-config`, namespace }),
        ].map((f) => f().catch(() => undefined)),
      );
    }
  }
}

/** Pure: name the runner pod in each shard problem ("k6 shard 1 …" → "k6 shard 1 (runner pod kch-k6-runner-1) …"). */
export function runnerProblems(problems: string[], pods: readonly string[]): string[] {
  return problems.map((p) => p.replace(/^k6 shard (\d+)/, (m, i: string) => `${m} (runner pod ${pods[Number(i)] ?? '?'})`));
}

async function createObjects(kc: k8s.KubeConfig, objects: KubeManifest[], progress: (line: string) => void): Promise<void> {
  await applyObjects(kc, objects as unknown as KubeObject[], (line) => progress(`  ${line}`));
}

/** Pure: why a pod cannot become Ready however long we wait, or null (image, scheduling, an early exit). */
export function hopeless(pod: k8s.V1Pod): string | null {
  const name = pod.metadata?.name ?? '?';
  const unfixable = unrecoverable([pod]);
  if (unfixable) return unfixable;
  const sched = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
  if (sched?.status === 'False' && sched.reason === 'Unschedulable') return `pod ${name}: cannot be scheduled: ${sched.message ?? 'Unschedulable'}`;
  for (const cs of pod.status?.containerStatuses ?? []) {
    const t = cs.state?.terminated;
    if (t) return `pod ${name}: container ${cs.name} exited ${t.exitCode}${t.reason ? ` (${t.reason})` : ''} before the load started${t.message ? `: ${t.message}` : ''}`;
    const w = cs.state?.waiting;
    if (w && /ImagePullBackOff|ErrImagePull/.test(w.reason ?? '')) return `pod ${name}: image ${cs.image}: ${w.reason}${w.message ? `: ${w.message}` : ''} (an image loaded into the nodes must be there; one pushed with --registry must be pullable from them)`;
  }
  if (pod.status?.phase === 'Failed') return `pod ${name}: failed: ${pod.status.reason ?? ''} ${pod.status.message ?? ''}`.trim();
  return null;
}

export async function waitPodsReady(
  kc: k8s.KubeConfig,
  namespace: string,
  names: readonly string[],
  deadlineMs: number,
  signal: AbortSignal | undefined,
  progress: (line: string) => void,
  what: string,
): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const started = Date.now();
  let lastSay = started;
  for (;;) {
    if (signal?.aborted) throw new Error(`aborted while the ${what} pods were starting`);
    const pods = await Promise.all(names.map((name) => core.readNamespacedPod({ name, namespace }).catch((err: unknown) => (isNotFound(err) ? null : Promise.reject(new Error(`reading pod ${name}: ${apiMessage(err)}`))))));
    const missing = names.filter((_, i) => pods[i] === null);
    if (missing.length) throw new Error(`${what} pod(s) ${missing.join(', ')} disappeared while starting`);
    for (const p of pods) {
      const why = hopeless(p!);
      if (why) {
        const logTail = /exited/.test(why) ? await podLog(kc, namespace, p!.metadata!.name!, p!.spec?.containers[0]?.name ?? '').catch(() => null) : null;
        throw new Error(`${what} not started: ${why}${logTail ? `\n  log: ${logTail.trim().split('\n').slice(-6).join('\n  ')}` : ''}`);
      }
    }
    const ready = pods.filter((p) => (p!.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'));
    if (ready.length === names.length) {
      progress(`load: ${names.length} ${what} pod(s) Ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return;
    }
    if (Date.now() > deadlineMs) {
      throw new Error(`${what} pods not Ready within ${Math.round((deadlineMs - started) / 1000)} s: ${podDiagnosis(pods.map((p) => p!)).join('; ')}`);
    }
    if (Date.now() - lastSay > 10_000) {
      lastSay = Date.now();
      progress(`load: waiting for ${what} pods: ${ready.length}/${names.length} Ready (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    await sleep(500, signal);
  }
}

/** Every runner's k6 sits paused with its VUs initialised (asked through the pod proxy). */
async function waitPaused(kc: k8s.KubeConfig, namespace: string, pods: readonly string[], deadlineMs: number, signal?: AbortSignal): Promise<void> {
  const waiting = new Set(pods);
  while (waiting.size > 0) {
    if (signal?.aborted) throw new Error('aborted while the k6 runners were initialising');
    for (const pod of [...waiting]) if ((await runnerStatus(kc, namespace, pod)) === PAUSED_BEFORE_RUN) waiting.delete(pod);
    if (waiting.size === 0) return;
    if (Date.now() > deadlineMs) throw new Error(`k6 runner(s) ${[...waiting].join(', ')} not paused-before-run in time (its REST API answers through the pod proxy, but the VUs did not initialise)`);
    await sleep(200, signal);
  }
}

export interface RunnerEnd {
  code: number | null;
  at: number;
  error?: string;
}

/**
 * Pure: how a runner ended, from its pod as listed now (undefined = the pod is gone), or
 * 'running'. A pod deleted mid-run is named even when k6 managed a clean exit on SIGTERM.
 */
export function runnerEnd(name: string, pod: k8s.V1Pod | undefined, now: number): RunnerEnd | 'running' {
  if (!pod) return { code: null, at: now, error: `runner pod ${name} was deleted during the load` };
  const t = pod.status?.containerStatuses?.find((c) => c.name === RUNNER_CONTAINER)?.state?.terminated;
  if (t) {
    // finishedAt is whole seconds: k6's last samples can come up to 1 s after it, and a series
    // read that ends at the truncated time loses them (a run missed 246 of 55,435 requests)
    const finished = toMs(t.finishedAt);
    const at = finished === null ? now : Math.max(finished, Math.min(now, finished + 999));
    return pod.metadata?.deletionTimestamp ? { code: t.exitCode, at, error: `runner pod ${name} was deleted during the load (k6 exited ${t.exitCode})` } : { code: t.exitCode, at };
  }
  // Terminating: wait for its exit (k6 writes its summary on SIGTERM).
  if (pod.metadata?.deletionTimestamp) return 'running';
  if (pod.status?.phase === 'Failed') return { code: null, at: now, error: `runner pod ${name} failed: ${pod.status.reason ?? ''} ${pod.status.message ?? ''}`.trim() };
  return 'running';
}

/** Poll the runner pods until each has ended: exited (its code) or gone (deleted mid-run: named). */
async function waitRunnersEnded(kc: k8s.KubeConfig, namespace: string, pods: readonly string[], deadlineMs: number, progress: (line: string) => void): Promise<RunnerEnd[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ends: (RunnerEnd | null)[] = pods.map(() => null);
  for (;;) {
    const list = (await core.listNamespacedPod({ namespace, labelSelector: RUNNER_SELECTOR }).catch(() => null))?.items;
    if (list) {
      pods.forEach((name, i) => {
        if (ends[i]) return;
        const e = runnerEnd(name, list.find((x) => x.metadata?.name === name), Date.now());
        if (e === 'running') return;
        ends[i] = e;
        if (e.error || e.code !== 0) progress(`load: ${e.error ?? `runner pod ${name} exited ${e.code}`}`);
      });
    }
    if (ends.every((e) => e !== null)) return ends as RunnerEnd[];
    if (Date.now() > deadlineMs) {
      return ends.map((e, i) => e ?? { code: null, at: Date.now(), error: `runner pod ${pods[i]} still running past its lifetime` });
    }
    await sleep(1000);
  }
}

function toMs(t: Date | string | undefined): number | null {
  if (!t) return null;
  const ms = new Date(t).getTime();
  return Number.isFinite(ms) ? ms : null;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

/** Wait (bounded) until Prometheus's request, WS-session and check totals reach the summaries' sums. */
async function untilTotalsArrive(prom: Pick<ProxiedPrometheus, 'query'>, testId: string, summaries: readonly K6ShardSummary[], boundMs: number): Promise<void> {
  const sum = (k: 'requests' | 'wsSessions' | 'checksPassed' | 'checksFailed') => summaries.reduce((a, s) => a + s[k], 0);
  // checks too: a CI run read 54,772 of 55,435 passed checks while its requests had all arrived
  const want = { requests: sum('requests'), ws: sum('wsSessions'), checks: sum('checksPassed') + sum('checksFailed') };
  const sel = `{testid="${testId.replace(/"/g, '\\"')}"}`;
  const total = async (metric: string) => Number((await prom.query(`sum(${metric}${sel}) or vector(0)`))[0]?.value[1] ?? 0);
  const until = Date.now() + boundMs;
  while (Date.now() < until) {
    const [requests, ws, checks] = await Promise.all([total('k6_http_reqs_total'), total('k6_ws_sessions_total'), total('k6_harness_checks_total')]).catch(() => [NaN, NaN, NaN]);
    if (requests >= want.requests && ws >= want.ws && checks >= want.checks) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}
