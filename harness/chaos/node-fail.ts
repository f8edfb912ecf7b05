// node-fail: a worker vanishes without a drain. On kind its node container is paused (kubelet,
// container runtime and every pod on it freeze; the API server sees a silent node), then
// unpaused after durationS. The pods stay bound to the node and keep their endpoints until the
// node controller marks the node NotReady: that delay is what this action makes visible. The
// control-plane node is never touched. Before pausing, a dead-man's switch is armed on the host
// (where the node container lives): a detached shell that unpauses it after durationS + grace
// even if the harness is killed.
import { spawn } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import type { PlannedChaos } from '../plan/types.ts';
import type { ChaosMark, FaultWindow, NodeStateRecord } from '../timeline/types.ts';
import { exec } from '../base/exec.ts';
import { type ChaosContext, ChaosError, seconds, sleepUntil } from './context.ts';
import { planNodeFail } from './fault-plan.ts';
import { isControlPlane, kindNodeOf, type KindNode } from './kind-node.ts';
import { busiestWorker, harnessPodsOn } from './node-choice.ts';

type NodeFailStep = Extract<PlannedChaos['step'], { action: 'node-fail' }>;

/** After the node is back, watch its Ready condition at most this long. */
const RETURN_WATCH_MS = 90_000;
const POLL_MS = 1000;

/** Which nodes a guard lets fail: true = any worker (a kind cluster the run made), a list = those. */
export type NodeFailAllowance = boolean | string[] | undefined;

export function nodeFailAllowed(allow: NodeFailAllowance, node: string): boolean {
  return allow === true || (Array.isArray(allow) && allow.includes(node));
}

/** Pure: the Ready status and taints of a node, as one record. */
export function nodeState(n: k8s.V1Node, at: number): NodeStateRecord {
  return {
    at,
    node: n.metadata?.name ?? '',
    ready: n.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown',
    taints: (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort(),
  };
}

export function sameState(a: NodeStateRecord | undefined, b: NodeStateRecord): boolean {
  return !!a && a.ready === b.ready && a.taints.join() === b.taints.join();
}

/**
 * The node a step names, as a kind node: a worker by name, or for 'worker' the worker hosting
 * the most workload pods of the run's namespace and none of the harness's own (ties: by name).
 * The control plane, and a node hosting the harness's own pods, are refused.
 */
export async function nodeFailTarget(ctx: Pick<ChaosContext, 'kc' | 'namespace'>, id: string, target: string, allow: NodeFailAllowance): Promise<KindNode> {
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const nodes = (await core.listNode()).items;
  const pods = (await core.listNamespacedPod({ namespace: ctx.namespace })).items;
  let chosen: k8s.V1Node | undefined;
  if (target === 'worker') {
    const workers = nodes.filter((n) => !isControlPlane(n));
    if (workers.length === 0) throw new ChaosError(id, `node-fail needs a worker node; this cluster has none (nodes: ${nodes.map((n) => n.metadata?.name).join(', ')})`);
    const pick = busiestWorker(workers.map((n) => n.metadata?.name ?? ''), pods, true);
    if (pick === null) {
      const held = workers.map((n) => `${n.metadata?.name}: ${harnessPodsOn(n.metadata?.name ?? '', pods).join(', ')}`).join('; ');
      throw new ChaosError(id, `node-fail refused: every worker hosts the run's own pods, which a frozen node would freeze too (${held}); run the load from the host (--load-from host) or name a node`);
    }
    chosen = workers.find((n) => n.metadata?.name === pick);
  } else {
    chosen = nodes.find((n) => n.metadata?.name === target);
    if (!chosen) throw new ChaosError(id, `node-fail target not found: no node "${target}" (has: ${nodes.map((n) => n.metadata?.name).join(', ')})`);
    const held = harnessPodsOn(target, pods);
    if (held.length > 0) throw new ChaosError(id, `node-fail of ${target} refused: it hosts the run's own pods (${held.join(', ')}), which would freeze with it`);
  }
  const name = chosen!.metadata?.name ?? '';
  if (isControlPlane(chosen!)) throw new ChaosError(id, `refusing node-fail of ${name}: it is a control-plane node`);
  if (!nodeFailAllowed(allow, name)) {
    throw new ChaosError(id, `node-fail of ${name} refused: node failure is allowed only on a kind cluster the run made, or for nodes named by --allow-node-fail`);
  }
  return kindNodeOf(id, chosen!);
}

/** Arm the host-side dead-man's switch: a detached shell in its own session; returns its pid. */
function armDeadMan(script: string): number {
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  if (!child.pid) throw new Error('could not start the dead-man\'s switch (sh)');
  return child.pid;
}

function disarm(pid: number): void {
  try {
    process.kill(-pid, 'SIGTERM'); // its own process group: the shell and its sleep
  } catch {
    /* already gone */
  }
}

export async function nodeFail(ctx: ChaosContext, planned: PlannedChaos, step: NodeFailStep, mark: ChaosMark, allow: NodeFailAllowance): Promise<void> {
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const k = await nodeFailTarget(ctx, planned.id, step.target, allow);
  const plan = planNodeFail(k.engine, k.container, step.durationS);
  const onNode = (await core.listNamespacedPod({ namespace: ctx.namespace, fieldSelector: `spec.nodeName=${k.node}` })).items.filter(
    (p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
  );
  const fault: FaultWindow = {
    what: `${step.mode ?? 'pause'} node ${k.node} (${k.engine} container ${k.container}) for ${step.durationS} s`,
    pods: onNode.map((p) => p.metadata?.name ?? ''),
    nodes: [k.node],
    appliedAt: null,
    undoneAt: null,
    deadManAt: ctx.clock() + plan.deadManAfterS * 1000,
  };
  mark.fault = fault;
  // mark.pods stays empty: the lost pods do not go away (the node returns before their eviction);
  // the drain scorer would look for their deletion. They are in fault.pods.
  const states: NodeStateRecord[] = [];
  mark.nodeStates = states;
  const poll = async () => {
    const n = await core.readNode({ name: k.node }).catch(() => null);
    if (!n) return;
    const s = nodeState(n, ctx.clock());
    if (!sameState(states.at(-1), s)) {
      states.push(s);
      ctx.progress(`[chaos] ${planned.id}: node ${k.node} Ready=${s.ready}${s.taints.length ? ` taints ${s.taints.join(', ')}` : ''}`);
    }
  };
  const notes: string[] = [fault.what, `${fault.pods.length} pods of the run on it`];
  await poll();
  const deadMan = armDeadMan(plan.deadMan);
  let restored = false;
  try {
    await exec(k.engine, plan.fail, { timeoutMs: 60_000 });
    fault.appliedAt = ctx.clock();
    ctx.progress(`[chaos] ${planned.id}: ${k.node} paused; ${fault.pods.length} pods on it (${fault.pods.join(', ') || 'none'}); dead-man in ${plan.deadManAfterS} s`);
    const end = fault.appliedAt + step.durationS * 1000;
    while (ctx.clock() < end) {
      await poll();
      if (!(await sleepUntil(Math.min(end, ctx.clock() + POLL_MS), ctx.clock, ctx.signal))) {
        mark.outcome = 'failed';
        notes.push(`aborted after ${seconds(ctx.clock() - fault.appliedAt)}`);
        break;
      }
    }
  } catch (err) {
    mark.outcome = 'failed';
    notes.push(err instanceof Error ? err.message.split('\n')[0]! : String(err));
  } finally {
    if (fault.appliedAt !== null) {
      const r = await exec(k.engine, plan.restore, { timeoutMs: 60_000, nothrow: true });
      if (r.code === 0) {
        fault.undoneAt = ctx.clock();
        restored = true;
        disarm(deadMan);
      } else {
        mark.outcome = 'failed';
        notes.push(`unpause failed (${r.stderr.trim()}); the dead-man's switch unpauses it by ${new Date(fault.deadManAt).toISOString()}`);
      }
    } else {
      disarm(deadMan);
    }
  }
  if (restored) {
    // Watch the node come back (bounded; not on abort: teardown must not wait).
    const until = ctx.clock() + RETURN_WATCH_MS;
    while (!ctx.signal?.aborted && ctx.clock() < until && states.at(-1)?.ready !== 'True') {
      await poll();
      await sleepUntil(ctx.clock() + POLL_MS, ctx.clock, ctx.signal);
    }
    const notReady = states.find((s) => s.ready !== 'True' && fault.appliedAt !== null && s.at >= fault.appliedAt);
    const back = states.find((s) => s.ready === 'True' && fault.undoneAt !== null && s.at >= fault.undoneAt);
    notes.push(notReady ? `NotReady (${notReady.ready}) seen ${seconds(notReady.at - fault.appliedAt!)} after the pause` : 'never seen NotReady');
    notes.push(`unpaused after ${seconds(fault.undoneAt! - fault.appliedAt!)}`);
    notes.push(back ? `Ready again ${seconds(back.at - fault.undoneAt!)} after` : `not Ready within ${RETURN_WATCH_MS / 1000} s after`);
  }
  mark.detail = notes.join('; ');
}
