// One scenario run, end to end: tools → manifests and images → cluster → namespace → deploy →
// observe → load + chaos → timeline → score → reports. Every tool is built or found before the
// cluster is made. Teardown always runs (failure, SIGINT/SIGTERM, an uncaught error), and the
// timeline and a (partial) report are always written: nothing observed is lost. A second signal
// tears down without the graceful waits and says what may be left.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { canLoadImages, cannotLoadImagesMessage, providerByName } from '../../clusters/index.ts';
import { neededImages, renameImages, renderWorkloads } from '../../deploy/index.ts';
import { renderConsoleSummary, writeReports } from '../../reports/index.ts';
import { preflightChaos, runChaosSchedule } from '../chaos/index.ts';
import { applyObjects, createRunNamespace, deleteRunNamespace, waitWorkloadsReady } from '../deploy/apply.ts';
import { kubeFromFile } from '../kube/client.ts';
import type { KubeObject } from '../kube/objects.ts';
import { runLoad } from '../load/index.ts';
import * as inClusterLoad from '../load/in-cluster/index.ts';
import { prometheusServiceUrl } from '../load/in-cluster/manifests.ts';
import { buildPrometheusImage } from '../load/in-cluster/images.ts';
import { startObservers } from '../observe/index.ts';
import { startWorkloadPrometheus, type WorkloadPrometheus } from '../observe/workload-prometheus.ts';
import { exitCodeFor, scoreTimeline } from '../score/index.ts';
import { prepareOwnImages } from './own-images.ts';
import { pullFromRegistry } from '../kube/pulled-images.ts';
import { pushImages } from '../../clusters/registry/registry-push.ts';
import { ensureRunTools } from './tools.ts';
import type { Plan } from '../plan/types.ts';
import { TIMELINE_SCHEMA, type ChaosMark, type KubeRecord, type Timeline } from '../timeline/types.ts';
import { EXIT } from '../base/errors.ts';
import { setRunOwner } from '../base/exec.ts';
import { Interrupts } from './interrupts.ts';
import { RunSteps, StepFailed, seconds, type Say } from './steps.ts';
import { resolveTargets, waitTargetsAccept } from './targets.ts';

export interface RunOptions {
  clusterName: string;
  allowNamespaces: string[];
  allowNodeDrain: boolean;
  /** Nodes chaos may fail (pause) on a cluster the run did not make as kind (--allow-node-fail). */
  allowNodeFail?: string[];
  signal?: AbortSignal;
  /** Console lines; default stdout. */
  say?: Say;
}

export function newRunId(scenario: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${scenario}-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Runs the plan; returns the exit code (0 pass, 1 verdict failed, 3 infrastructure/interrupted). */
export async function runScenario(plan: Plan, opts: RunOptions): Promise<number> {
  const say: Say = opts.say ?? ((line) => process.stdout.write(`${line}\n`));
  const runId = newRunId(plan.scenario);
  const runDir = resolve(plan.outDir, runId);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'plan.json'), JSON.stringify(plan, null, 2));
  say(`run ${runId} → ${runDir}`);

  // Everything this run starts carries its id (npm run cleanup -- --run <id> finds it).
  setRunOwner(runId);
  // SIGINT/SIGTERM, an uncaught error or the caller's signal stop the current step; teardown
  // still runs. A second signal hurries the teardown; what it may leave is said then.
  const made: MadeByRun = { runId, cluster: null, clusterReady: false, clusterGoes: false, namespace: null };
  const interrupts = new Interrupts(say, () => leftBehind(made), process, opts.signal).install();
  const abort = interrupts.stop;

  const timeline: Timeline = {
    schema: TIMELINE_SCHEMA,
    runId,
    plan,
    startedAt: Date.now(),
    loadStartedAt: null,
    endedAt: 0,
    load: null,
    chaos: [],
    kube: [],
    witnesses: { k6Summaries: [] },
    steps: [],
    interrupted: null,
  };
  const steps = new RunSteps(say, abort.signal, { hurry: interrupts.hurry.signal });
  let infraError: StepFailed | null = null;
  let stopObservers: (() => Promise<KubeRecord[]>) | null = null;
  let readCounters: (() => Promise<void>) | null = null;

  try {
    await execute(plan, opts, {
      runId, runDir, say, steps, timeline, signal: abort.signal, made,
      setObserversStop: (s) => (stopObservers = s),
      setCountersRead: (r) => (readCounters = r),
    });
  } catch (err) {
    infraError = err instanceof StepFailed ? err : new StepFailed('run', err);
  } finally {
    if (stopObservers) {
      try {
        timeline.kube = await (stopObservers as () => Promise<KubeRecord[]>)();
      } catch (err) {
        say(`✘ observers did not stop cleanly: ${(err as Error).message}`);
      }
    }
    // Before teardown deletes the run's Prometheus: a failed load step still keeps its scrapes.
    if (readCounters) await (readCounters as () => Promise<void>)();
    const teardownErrors = await steps.teardown();
    for (const e of teardownErrors) say(`  teardown problem: ${e}`);
    if (steps.abandoned.length > 0) say(`  abandoned after the interrupt (may still be running): ${steps.abandoned.join(', ')}`);
    if (steps.abandoned.length > 0 || teardownErrors.length > 0) say(`  may be left: ${leftBehind(made)}`);
  }
  // The handlers stay until the timeline and reports are written: a crash there is caught too.
  try {
    return await finish({ runDir, say, timeline, steps, infraError, stopped: abort.signal });
  } finally {
    interrupts.dispose();
    setRunOwner(null);
  }
}

/** Timeline, score and reports: written whatever stopped the run. */
async function finish(f: { runDir: string; say: Say; timeline: Timeline; steps: RunSteps; infraError: StepFailed | null; stopped: AbortSignal }): Promise<number> {
  const { runDir, say, timeline, steps, infraError } = f;
  const abort = { signal: f.stopped };
  if (abort.signal.aborted) timeline.interrupted = { at: Date.now(), reason: String((abort.signal.reason as Error)?.message ?? 'interrupted') };
  else if (infraError) timeline.interrupted = { at: Date.now(), reason: infraError.message };
  timeline.steps = steps.records;
  timeline.endedAt = Date.now();
  timeline.kube.sort((a, b) => a.at - b.at);
  writeFileSync(join(runDir, 'timeline.json'), JSON.stringify(timeline));
  say(`timeline: ${join(runDir, 'timeline.json')} (${timeline.kube.length} kube records, ${timeline.chaos.length} chaos marks, ${timeline.load?.seconds.length ?? 0} load seconds)`);

  const verdictCode = await scoreAndReport(timeline, runDir, say);
  if (infraError || abort.signal.aborted) {
    say(`run ended early: ${infraError?.message ?? 'interrupted'} (exit ${EXIT.infrastructure})`);
    return EXIT.infrastructure;
  }
  return verdictCode;
}

/** What this run made that teardown removes: for the "may be left" line of a hurried or cut teardown. */
interface MadeByRun {
  runId: string;
  cluster: string | null;
  /** `cluster up` returned (else the run may have been creating it when it stopped). */
  clusterReady: boolean;
  /** The run created the cluster and deletes it (the namespace goes with it). */
  clusterGoes: boolean;
  namespace: string | null;
}

/** Pure: what may be left when teardown is cut short, and the command that removes it. */
export function leftBehind(m: MadeByRun): string {
  const things: string[] = [];
  if (m.cluster && !m.clusterReady) things.push(`kind cluster '${m.cluster}' if this run was creating it`);
  else if (m.cluster && m.clusterGoes) things.push(`kind cluster '${m.cluster}'`);
  else if (m.namespace && m.cluster) things.push(`namespace ${m.namespace} in cluster '${m.cluster}'`);
  things.push("this run's k6 and Prometheus processes");
  return `${things.join(', ')}; remove with: npm run cleanup -- --run ${m.runId}`;
}

interface RunContext {
  runId: string;
  made: MadeByRun;
  runDir: string;
  say: Say;
  steps: RunSteps;
  timeline: Timeline;
  signal: AbortSignal;
  setObserversStop: (stop: () => Promise<KubeRecord[]>) => void;
  /** Reads the workloads' scrapes into the timeline (run once, after the observers stop). */
  setCountersRead: (read: () => Promise<void>) => void;
}

async function execute(plan: Plan, opts: RunOptions, ctx: RunContext): Promise<void> {
  const { steps, say, signal, timeline } = ctx;

  const needsWorkers = plan.chaos.some((c) => c.step.action === 'node-drain' || c.step.action === 'node-fail') ? 1 : 0;
  // Every tool before the cluster: a fresh machine builds k6 here, not after the deploy.
  const tools = await steps.step('tools', () => ensureRunTools(plan.provider, say, signal));

  const namespace = `kch-${ctx.runId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63).replace(/-+$/, '');
  const rendered = await steps.step('render manifests', () =>
    // One render per deploy folder: workloads sharing a folder (proxy + upstream) set their own objects.
    // With KEDA (plan.addons), the seeds' custom-metric HPAs become ScaledObjects on the run's Prometheus.
    renderWorkloads(plan.workloads, { namespace, imageRef: tools.standin.ref, ...(plan.addons?.includes('keda') ? { keda: { prometheusUrl: prometheusServiceUrl(namespace), scale: plan.scale, ...(plan.connections ? { connectionScale: plan.connections.scale } : {}) } } : {}) }),
  );
  // Images of the user's own (--set <w>.image, or named by their manifests): found in the local
  // engine's store and saved for loading, before a cluster exists to wait on a missing one.
  const needed = neededImages(rendered, plan.workloads, tools.standin.ref);
  const own = needed.length === 0 ? { archives: [], images: [], names: new Map<string, string>() } : await steps.step('images of your own', () => prepareOwnImages(needed, say, signal));
  const named = renameImages(rendered, own.names);
  // --load-from cluster: k6 runner pods and the run's Prometheus, their images built like the stand-in.
  const inCluster = plan.loadFrom === 'cluster' ? inClusterLoad : null;
  const loadImages = inCluster ? await steps.step('k6 runner and Prometheus images', () => inCluster.buildLoadImages(tools.k6, say, signal)) : null;
  // Every kind run scrapes the workloads' /metrics with a Prometheus in its namespace (the same
  // one the runner pods write to); its image is built like theirs. `existing` has it only where
  // it can get it there: kind load, or --registry.
  const promImage = loadImages?.prometheus ?? (plan.provider === 'kind' || plan.registry ? await steps.step('Prometheus image', () => buildPrometheusImage(say, signal)) : null);
  const usesStandin = named.some((o) => JSON.stringify(o.spec ?? {}).includes(`"${tools.standin.ref}"`));
  const images = [...(usesStandin ? [tools.standin] : []), ...own.images, ...(loadImages ? [loadImages.runner] : []), ...(promImage ? [promImage] : [])];
  const archives = images.map((i) => i.archive);
  // --registry: pushed now (the cluster is not needed for it), and every pod names them there.
  const registry = plan.registry;
  const pushed =
    registry && images.length > 0
      ? (await steps.step(`push ${images.length} image(s) to ${registry}`, () => pushImages(registry, images, say, signal))).names
      : new Map<string, string>();
  const objects = pullFromRegistry(named, pushed);
  writeFileSync(join(ctx.runDir, 'manifests.json'), JSON.stringify(objects, null, 2));

  const provider = providerByName(plan.provider);
  ctx.made.cluster = opts.clusterName;
  const cluster = await steps.step(`cluster up (${plan.provider}, ${opts.clusterName})`, () =>
    provider.up({ name: opts.clusterName, progress: say, signal, keep: plan.keepCluster, addons: plan.addons ?? [] }),
  );
  ctx.made.clusterReady = true;
  // A cluster the run made and deletes takes the namespace with it: no namespace delete first.
  ctx.made.clusterGoes = cluster.createdHere && !plan.keepCluster;
  if (ctx.made.clusterGoes) {
    steps.onTeardown(`cluster down (${cluster.name})`, () => provider.down(cluster.name, say));
  }
  // ScaledObjects need KEDA: on kind the provider installed it; an existing cluster must run it.
  if (plan.addons?.includes('keda') && cluster.capabilities.externalMetricsApi === false) {
    throw new StepFailed(
      'cluster up',
      new Error(`the plan turns the seeds' custom-metric HPAs into KEDA ScaledObjects (needs.keda with the kind overlay), but external.metrics.k8s.io does not answer on ${cluster.provider} cluster '${cluster.name}': install KEDA there, or deploy the seed's HPA as it is (--set <workload>.overlay=existing)`),
    );
  }
  if (cluster.capabilities.workers < needsWorkers) {
    throw new StepFailed('cluster up', new Error(`scenario needs ${needsWorkers} worker node(s) for node-drain or node-fail; cluster has ${cluster.capabilities.workers}`));
  }

  // Images reach the nodes one way: pulled from --registry (even where kind load would work: the user asked), or kind load.
  const imagesReach = pushed.size > 0 ? 'registry' : archives.length > 0 && canLoadImages(cluster) ? 'kind load' : null;
  if (pushed.size > 0) {
    say(`images: pushed to ${registry} (--registry), not loaded with kind load; the nodes pull ${[...pushed.values()].join(', ')}`);
  } else if (archives.length > 0) {
    // A cluster that cannot load images has no loadImages: fail before deploying, saying what to do.
    if (!canLoadImages(cluster)) throw new StepFailed('load images', new Error(cannotLoadImagesMessage(cluster, archives)));
    await steps.step(`load ${archives.length} image(s) into the cluster (kind load)`, () => cluster.loadImages(archives, say));
    say(`images: loaded with kind load into ${cluster.provider} cluster '${cluster.name}' (no --registry)`);
  }

  const kc: KubeConfig = kubeFromFile(cluster.kubeconfigPath, cluster.context);
  await steps.step(`namespace ${namespace}`, () =>
    createRunNamespace(kc, namespace, { 'app.kubernetes.io/managed-by': 'kube-chaos-harness', 'kube-chaos-harness/run': ctx.runId.slice(0, 63) }),
  );
  if (!ctx.made.clusterGoes) {
    ctx.made.namespace = namespace;
    // A kept cluster must not keep the run's NodePorts: the namespace goes, its pods without
    // their grace periods (the run is over; observers stopped before teardown).
    steps.onTeardown(`delete namespace ${namespace}`, async (hurry) => {
      const r = await deleteRunNamespace(kc, namespace, { waitMs: 60_000, progress: say, hurry });
      say(`  namespace ${namespace}: ${r.gone ? 'gone' : 'still Terminating'} after ${seconds(r.ms)} (${r.forcedPods} pods deleted without grace)`);
    });
  }
  // Before the deploy, so every workload pod is scraped from its start.
  let workloadProm: WorkloadPrometheus | null = null;
  if (promImage && imagesReach !== null) {
    const wp = await steps.step(`Prometheus in ${namespace}`, () =>
      startWorkloadPrometheus(kc, { namespace, image: promImage.ref, pushed, lifetimeS: plan.durationS + plan.load.timeoutS + 900, progress: say, signal }),
    );
    workloadProm = wp;
    steps.onTeardown('stop the run\'s Prometheus', () => wp.stop());
    const from = Date.now();
    ctx.setCountersRead(async () => {
      if (signal.aborted) {
        timeline.witnesses.workloadScrape = { intervalMs: 1000, from, to: Date.now(), pods: [], error: 'interrupted before the scrapes were read back' };
        return;
      }
      const { records, info } = await wp.readCounters(from, Date.now());
      timeline.witnesses.workloadScrape = info;
      timeline.kube.push(...records);
      say(info.error ? `  workload counters: ${info.error}` : `  workload counters: ${records.length} scrapes of ${info.pods.length} pod(s) (every ${info.intervalMs / 1000} s)`);
    });
  } else {
    say('  workload /metrics are not scraped: this cluster cannot load the Prometheus image (pass --registry)');
  }
  await steps.step(`deploy ${plan.workloads.map((w) => w.name).join(', ')}`, async () => {
    await applyObjects(kc, objects, say);
    await waitWorkloadsReady(kc, namespace, objects, { deadlineMs: 300_000, progress: say, signal });
  });

  const chaosGuards = {
    workloads: plan.workloads,
    allowNodeDrain: opts.allowNodeDrain || cluster.capabilities.nodeDrain,
    // A kind cluster of the harness may lose any worker; another cluster only the nodes named.
    allowNodeFail: cluster.provider === 'kind' ? true : (opts.allowNodeFail ?? []),
    allowedNamespaces: [namespace, ...opts.allowNamespaces],
  };
  await steps.step('chaos preflight', () => preflightChaos(kc, namespace, plan.chaos, chaosGuards));
  const clusterTargets = inCluster ? await steps.step('resolve load targets (in-cluster Services)', () => inCluster.resolveClusterTargets(kc, namespace, plan)) : null;
  const targets = clusterTargets ? clusterTargets.targets : await steps.step('resolve load targets', () => resolveTargets(kc, namespace, plan, cluster.capabilities.nodePortsOnLoopback));
  for (const [kind, url] of Object.entries(targets)) say(`  ${kind} → ${url}`);
  if (!clusterTargets) {
    const unsettled = await steps.step('NodePorts accept connections', () => waitTargetsAccept(targets, { boundMs: 20_000 }));
    if (unsettled.length > 0) say(`  still refusing after 20 s: ${unsettled.join(', ')} (the load will show it)`);
  }

  const observers = await steps.step('start observers', () => startObservers(kc, { namespace, followLogs: true, signal }));
  ctx.setObserversStop(() => observers.stop());

  // Stopping k6 and reading back what it sent takes a moment: a longer bound before abandoning.
  await steps.step(`load + chaos (${plan.durationS} s planned)`, { stopWithinMs: 60_000 }, async () => {
    let chaos: Promise<ChaosMark[]> = Promise.resolve([]);
    // HPAs paused by a scale action stay paused until the load ends, not just the last action.
    let loadFinished: () => void = () => {};
    const loadDone = new Promise<void>((r) => (loadFinished = r));
    const onStarted = (loadStartedAt: number) => {
      timeline.loadStartedAt = loadStartedAt;
      chaos = runChaosSchedule(kc, {
        namespace,
        chaos: plan.chaos,
        loadStartedAt,
        seed: plan.seed,
        signal,
        progress: say,
        ...chaosGuards,
        restoreHpasAfter: loadDone,
      });
    };
    const common = { plan, runId: ctx.runId, runDir: ctx.runDir, signal, progress: say, onStarted };
    const result = await (inCluster && clusterTargets && loadImages
      ? inCluster.runLoadInCluster({ ...common, kc, namespace, targets: clusterTargets, images: loadImages, pushed, prometheusRunning: workloadProm !== null })
      : runLoad({ ...common, targets })
    ).finally(() => loadFinished());
    timeline.load = result.series;
    timeline.witnesses.k6Summaries = result.summaries;
    timeline.witnesses.k6Exits = result.exits;
    timeline.loadStartedAt = result.loadStartedAt ?? timeline.loadStartedAt;
    timeline.chaos = await chaos;
    for (const mark of timeline.chaos) {
      say(`  chaos ${mark.id}: ${mark.outcome} in ${seconds(mark.endedAt - mark.startedAt)} (${mark.pods.length} pods) ${mark.detail}`);
    }
    // Recorded above first: a failed shard fails the step, and nothing it observed is lost.
    if (result.shardProblems.length > 0) throw new Error(result.shardProblems.join('; '));
  });

  // Pods cut by late chaos may still be terminating; give the observers their exits.
  await steps.step('settle', () => settle(kc, namespace, objects, signal, say));
}

async function settle(
  kc: KubeConfig,
  namespace: string,
  objects: KubeObject[],
  signal: AbortSignal,
  say: Say,
): Promise<void> {
  await waitWorkloadsReady(kc, namespace, objects, { deadlineMs: 150_000, progress: say, signal });
  await waitTerminatingGone(kc, namespace, signal, say);
  await new Promise((r) => setTimeout(r, 3000));
}

/**
 * Pods the chaos deleted must be seen exiting, or their drain cannot be scored (an unseen exit
 * makes the run incomplete). Wait until no pod is terminating, bounded by the longest grace
 * period among them (+10 s) and 150 s in all; say which are still there when the wait ends.
 */
async function waitTerminatingGone(kc: KubeConfig, namespace: string, signal: AbortSignal, say: Say): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const started = Date.now();
  let deadline = started + 150_000;
  let first = true;
  while (!signal.aborted) {
    const pods = (await core.listNamespacedPod({ namespace })).items.filter((p) => p.metadata?.deletionTimestamp);
    if (pods.length === 0) return;
    if (first) {
      const grace = Math.max(...pods.map((p) => p.metadata?.deletionGracePeriodSeconds ?? 30));
      deadline = Math.min(deadline, started + (grace + 10) * 1000);
      say(`  waiting for ${pods.length} terminating pod(s) to exit (≤ ${Math.round((deadline - started) / 1000)} s): ${pods.map((p) => p.metadata?.name).join(', ')}`);
      first = false;
    }
    if (Date.now() >= deadline) {
      say(`  still terminating after ${Math.round((Date.now() - started) / 1000)} s: ${pods.map((p) => p.metadata?.name).join(', ')}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function scoreAndReport(timeline: Timeline, runDir: string, say: Say): Promise<number> {
  try {
    const scorecard = scoreTimeline(timeline);
    const written = await writeReports(scorecard, timeline, runDir, {
      pushgatewayUrl: process.env.PUSHGATEWAY_URL,
      gitRevision: process.env.GIT_REVISION,
    });
    for (const e of written.errors) say(`  report problem: ${e}`);
    say(renderConsoleSummary(scorecard, written.paths.html ?? join(runDir, 'report.html')));
    return exitCodeFor(scorecard);
  } catch (err) {
    say(`✘ scoring/reporting failed: ${(err as Error).stack ?? String(err)}`);
    return EXIT.infrastructure;
  }
}
