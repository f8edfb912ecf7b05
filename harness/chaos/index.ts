// Chaos on the plan's timeline: each action fires at loadStartedAt + atS and leaves a mark
// (start, end, target, pods affected, what the API answered). Actions run independently so a
// long rollout does not delay the next action's planned time.
import * as k8s from '@kubernetes/client-node';
import type { ProgressSink } from '../../clusters/provider.ts';
import type { PlannedChaos, PlannedWorkload } from '../plan/types.ts';
import type { ChaosMark } from '../timeline/types.ts';
import { apiMessage } from '../kube/api-error.ts';
import { MANAGED_BY_LABEL, FIELD_MANAGER } from '../deploy/apply.ts';
import { type ChaosContext, ChaosError, resolveWorkload, sleepUntil } from './context.ts';
import { podKill } from './pod-kill.ts';
import { rollout } from './rollout.ts';
import { restoreHpas, scale } from './scale.ts';
import { drainTarget, nodeDrain } from './node-drain.ts';
import { type NodeFailAllowance, nodeFail, nodeFailTarget } from './node-fail.ts';
import { faultVictims, networkFault, peerAddresses } from './network-fault.ts';
import { kindNodeOf } from './kind-node.ts';

export { ChaosError } from './context.ts';

export interface ChaosGuards {
  /** Map plan workload names to objects (without it, targets are object names). */
  workloads?: PlannedWorkload[];
  allowNodeDrain?: boolean;
  /** node-fail: true = any worker (a kind cluster the run made); a list = only these nodes (--allow-node-fail); default: refused. */
  allowNodeFail?: NodeFailAllowance;
  /** Namespaces chaos may touch; without it, only namespaces labelled as made by the harness. */
  allowedNamespaces?: string[];
}

async function guardNamespace(kc: k8s.KubeConfig, namespace: string, allowed: string[] | undefined): Promise<void> {
  if (allowed?.includes(namespace)) return;
  if (allowed) throw new ChaosError('*', `refusing namespace ${namespace}: not created by this run and not in the allowed namespaces (${allowed.join(', ') || 'none'})`);
  let labels: Record<string, string> = {};
  try {
    labels = (await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: namespace })).metadata?.labels ?? {};
  } catch (err) {
    throw new ChaosError('*', `namespace ${namespace}: ${apiMessage(err)}`);
  }
  if (labels[MANAGED_BY_LABEL] !== FIELD_MANAGER) {
    throw new ChaosError('*', `refusing namespace ${namespace}: it was not created by the harness (no ${MANAGED_BY_LABEL}=${FIELD_MANAGER}); allow it explicitly`);
  }
}

/** Check every planned action can run (targets exist, workers to drain) before load starts. */
export async function preflightChaos(kc: k8s.KubeConfig, namespace: string, chaos: PlannedChaos[], guards: ChaosGuards = {}): Promise<void> {
  if (chaos.length === 0) return;
  await guardNamespace(kc, namespace, guards.allowedNamespaces);
  const ctx = { kc, namespace, workloads: guards.workloads };
  const ctxFull = { ...ctx, seed: 0, progress: () => {}, clock: Date.now, pausedHpas: [] } satisfies ChaosContext;
  for (const c of chaos) {
    const s = c.step;
    if (!Number.isFinite(c.atS) || c.atS < 0) throw new ChaosError(c.id, `atS must be a number >= 0, got ${c.atS}`);
    switch (s.action) {
      case 'node-drain':
        if (guards.allowNodeDrain === false) throw new ChaosError(c.id, 'node-drain is not allowed on this cluster (pass --allow-node-drain for an existing cluster)');
        await drainTarget(ctxFull, c.id, s.target);
        break;
      case 'scale': {
        const t = await resolveWorkload(ctx, c.id, s.target);
        if (t.kind !== 'Deployment') throw new ChaosError(c.id, `scale needs a Deployment; ${t.kind}/${t.name} has one pod per node`);
        if (!Number.isInteger(s.replicas) || s.replicas < 0) throw new ChaosError(c.id, `replicas must be an integer >= 0, got ${s.replicas}`);
        if (s.pauseHpa && s.replicas === 0) throw new ChaosError(c.id, 'pauseHpa needs replicas >= 1 (an HPA cannot hold 0)');
        break;
      }
      case 'pod-kill': {
        const t = await resolveWorkload(ctx, c.id, s.target);
        if (s.count !== undefined && (!Number.isInteger(s.count) || s.count < 1)) throw new ChaosError(c.id, `count must be an integer >= 1, got ${s.count}`);
        if (s.percent !== undefined && !(s.percent > 0 && s.percent <= 100)) throw new ChaosError(c.id, `percent must be in (0, 100], got ${s.percent}`);
        const pods = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace, labelSelector: t.selector });
        if (pods.items.length === 0) throw new ChaosError(c.id, `target ${t.kind}/${t.name} has no pods (selector ${t.selector})`);
        break;
      }
      case 'rollout':
        await resolveWorkload(ctx, c.id, s.target);
        break;
      case 'node-fail':
        await nodeFailTarget(ctx, c.id, s.target, guards.allowNodeFail);
        break;
      case 'network-fault': {
        // Every pod it may hit must sit on a node chaos can reach (kind), and the peer must resolve.
        const core = kc.makeApiClient(k8s.CoreV1Api);
        const victims = await faultVictims(ctxFull, c, s);
        for (const node of new Set(victims.pods.map((p) => p.spec?.nodeName ?? ''))) kindNodeOf(c.id, await core.readNode({ name: node }));
        if (s.peer) await peerAddresses(ctxFull, c.id, s.peer);
        break;
      }
    }
  }
}

export interface ChaosScheduleOptions extends ChaosGuards {
  namespace: string;
  chaos: PlannedChaos[];
  /** t = 0 of the schedule (epoch ms). */
  loadStartedAt: number;
  seed: number;
  signal?: AbortSignal;
  progress?: ProgressSink;
  allowNodeDrain: boolean;
  allowedNamespaces: string[];
  clock?: () => number;
  /** Keep HPAs paused by scale actions until this settles (e.g. the load's end); default: the last action's end. */
  restoreHpasAfter?: Promise<unknown>;
}

/** Fire every action at its planned time; resolves with the marks once all have ended. */
export async function runChaosSchedule(kc: k8s.KubeConfig, opts: ChaosScheduleOptions): Promise<ChaosMark[]> {
  await guardNamespace(kc, opts.namespace, opts.allowedNamespaces);
  const drains = opts.chaos.filter((c) => c.step.action === 'node-drain');
  if (drains.length && !opts.allowNodeDrain) {
    throw new ChaosError(drains[0]!.id, 'node-drain refused: node drain is not allowed on this cluster (kind allows it; an existing cluster needs --allow-node-drain)');
  }
  const clock = opts.clock ?? Date.now;
  const ctx: ChaosContext = {
    kc,
    namespace: opts.namespace,
    seed: opts.seed,
    progress: opts.progress ?? (() => {}),
    signal: opts.signal,
    clock,
    workloads: opts.workloads,
    pausedHpas: [],
  };
  const namespaces = [...new Set([opts.namespace, ...opts.allowedNamespaces])];
  const marks = await Promise.all(
    [...opts.chaos]
      .sort((a, b) => a.atS - b.atS)
      .map(async (c): Promise<ChaosMark | undefined> => {
        const plannedAt = opts.loadStartedAt + c.atS * 1000;
        if (!(await sleepUntil(plannedAt, clock, opts.signal))) return undefined;
        const mark: ChaosMark = { id: c.id, action: c.step.action, target: c.step.target, plannedAt, startedAt: clock(), endedAt: 0, outcome: 'ok', pods: [], detail: '' };
        ctx.progress(`[chaos] ${c.id}: ${c.step.action} ${c.step.target} (planned +${c.atS} s, late ${mark.startedAt - plannedAt} ms)`);
        try {
          const s = c.step;
          if (s.action === 'pod-kill') await podKill(ctx, c, s, mark);
          else if (s.action === 'rollout') await rollout(ctx, c, s, mark);
          else if (s.action === 'scale') await scale(ctx, c, s, mark);
          else if (s.action === 'node-fail') await nodeFail(ctx, c, s, mark, opts.allowNodeFail);
          else if (s.action === 'network-fault') Object.assign(mark, await networkFault(ctx, c, s));
          else await nodeDrain(ctx, c, s, mark, namespaces);
        } catch (err) {
          mark.outcome = 'failed';
          mark.detail = `${mark.detail ? `${mark.detail}; ` : ''}${err instanceof ChaosError ? err.message : apiMessage(err)}`;
        }
        mark.endedAt = clock();
        ctx.progress(`[chaos] ${c.id}: ${mark.outcome} — ${mark.detail}`);
        return mark;
      }),
  );
  if (ctx.pausedHpas.length) {
    if (opts.restoreHpasAfter) await opts.restoreHpasAfter.catch(() => undefined);
    for (const line of await restoreHpas(ctx)) ctx.progress(`[chaos] ${line}`);
  }
  return marks.filter((m): m is ChaosMark => m !== undefined);
}
