// One scenario run, end to end: cluster → images → namespace → deploy → observe → load + chaos
// → timeline → score → reports. Teardown always runs (failure, Ctrl-C), and the timeline and a
// (partial) report are always written: nothing observed is lost.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Plan } from '../plan/types.ts';
import { TIMELINE_SCHEMA, type ChaosMark, type KubeRecord, type Timeline } from '../timeline/types.ts';
import { EXIT } from '../base/errors.ts';
import { RunSteps, StepFailed, seconds, type Say } from './steps.ts';
import { resolveTargets } from './targets.ts';

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

  // Ctrl-C (or the caller's signal) aborts the current step; teardown still runs.
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) return;
    say('\n⚠ interrupt: stopping load and chaos, then tearing down (this takes a few seconds)');
    abort.abort(new Error('interrupted by SIGINT'));
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  opts.signal?.addEventListener('abort', onSigint, { once: true });

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
  const steps = new RunSteps(say, abort.signal);
  let infraError: StepFailed | null = null;
  let stopObservers: (() => Promise<KubeRecord[]>) | null = null;

  try {
    await execute(plan, opts, { runId, runDir, say, steps, timeline, signal: abort.signal, setObserversStop: (s) => (stopObservers = s) });
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
    const teardownErrors = await steps.teardown();
    for (const e of teardownErrors) say(`  teardown problem: ${e}`);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }

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

interface RunContext {
  runId: string;
  runDir: string;
  say: Say;
  steps: RunSteps;
  timeline: Timeline;
  signal: AbortSignal;
  setObserversStop: (stop: () => Promise<KubeRecord[]>) => void;
}

async function execute(plan: Plan, opts: RunOptions, ctx: RunContext): Promise<void> {
  const { steps, say, signal, timeline } = ctx;
  const { providerByName } = await import('../../clusters/index.ts');
  const { buildStandinImage, renderWorkloads } = await import('../../deploy/index.ts');
  const { kubeFromFile } = await import('../kube/client.ts');
  const { createRunNamespace, deleteNamespace, applyObjects, waitWorkloadsReady } = await import('../deploy/apply.ts');
  const { startObservers } = await import('../observe/index.ts');
  const { preflightChaos, runChaosSchedule } = await import('../chaos/index.ts');
  const { runLoad } = await import('../load/index.ts');

  const needsWorkers = plan.chaos.some((c) => c.step.action === 'node-drain' || c.step.action === 'node-fail') ? 1 : 0;
  const provider = providerByName(plan.provider);
  const cluster = await steps.step(`cluster up (${plan.provider}, ${opts.clusterName})`, () =>
    provider.up({ name: opts.clusterName, progress: say, signal }),
  );
  if (cluster.createdHere && !plan.keepCluster) {
    steps.onTeardown(`cluster down (${cluster.name})`, () => provider.down(cluster.name, say));
  }
  if (cluster.capabilities.workers < needsWorkers) {
    throw new StepFailed('cluster up', new Error(`scenario needs ${needsWorkers} worker node(s) for node-drain; cluster has ${cluster.capabilities.workers}`));
  }

  const image = await steps.step('build stand-in image', () => buildStandinImage(say));
  say(`  image ${image.ref} (${(image.sizeBytes / 1e6).toFixed(1)} MB)`);
  if (plan.workloads.some((w) => w.image === null)) {
    await steps.step('load images into cluster', () => cluster.loadImages([image.archive], say));
  }

  const kc: KubeConfig = kubeFromFile(cluster.kubeconfigPath, cluster.context);
  const namespace = `kch-${ctx.runId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63).replace(/-+$/, '');
  await steps.step(`namespace ${namespace}`, () =>
    createRunNamespace(kc, namespace, { 'app.kubernetes.io/managed-by': 'kube-chaos-harness', 'kube-chaos-harness/run': ctx.runId.slice(0, 63) }),
  );
  // Always: a kept cluster must not keep the run's NodePorts allocated for the next run.
  steps.onTeardown(`delete namespace ${namespace}`, () => deleteNamespace(kc, namespace, { deadlineMs: 180_000 }));

  const objects = await steps.step('render manifests', async () => {
    // One render per deploy folder: workloads sharing a folder (proxy + upstream) set their own objects.
    const all = await renderWorkloads(plan.workloads, { namespace, imageRef: image.ref });
    writeFileSync(join(ctx.runDir, 'manifests.json'), JSON.stringify(all, null, 2));
    return all;
  });
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
  const targets = await steps.step('resolve load targets', () => resolveTargets(kc, namespace, plan, cluster.capabilities.nodePortsOnLoopback));
  for (const [kind, url] of Object.entries(targets)) say(`  ${kind} → ${url}`);

  const observers = await steps.step('start observers', () => startObservers(kc, { namespace, followLogs: true, signal }));
  ctx.setObserversStop(() => observers.stop());

  await steps.step(`load + chaos (${plan.durationS} s planned)`, async () => {
    let chaos: Promise<ChaosMark[]> = Promise.resolve([]);
    // HPAs paused by a scale action stay paused until the load ends, not just the last action.
    let loadFinished: () => void = () => {};
    const loadDone = new Promise<void>((r) => (loadFinished = r));
    const result = await runLoad({
      plan,
      runId: ctx.runId,
      runDir: ctx.runDir,
      targets,
      signal,
      progress: say,
      onStarted: (loadStartedAt) => {
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
      },
    }).finally(() => loadFinished());
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
  await steps.step('settle', () => settle(kc, namespace, objects, signal, say, waitWorkloadsReady));
}

async function settle(
  kc: KubeConfig,
  namespace: string,
  objects: Parameters<typeof import('../deploy/apply.ts').waitWorkloadsReady>[2],
  signal: AbortSignal,
  say: Say,
  waitReady: typeof import('../deploy/apply.ts').waitWorkloadsReady,
): Promise<void> {
  await waitReady(kc, namespace, objects, { deadlineMs: 150_000, progress: say, signal });
  await waitTerminatingGone(kc, namespace, signal, say);
  await new Promise((r) => setTimeout(r, 3000));
}

/**
 * Pods the chaos deleted must be seen exiting, or their drain cannot be scored (an unseen exit
 * makes the run incomplete). Wait until no pod is terminating, bounded by the longest grace
 * period among them (+10 s) and 150 s in all; say which are still there when the wait ends.
 */
async function waitTerminatingGone(kc: KubeConfig, namespace: string, signal: AbortSignal, say: Say): Promise<void> {
  const { CoreV1Api } = await import('@kubernetes/client-node');
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
    const { scoreTimeline, exitCodeFor } = await import('../score/index.ts');
    const { writeReports, renderConsoleSummary } = await import('../../reports/index.ts');
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
