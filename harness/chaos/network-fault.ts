// network-fault: latency (± jitter), packet loss or a partition from a peer workload, in the
// network namespace of a workload's pods, for durationS. Applied from the pod's kind node
// (engine exec → crictl finds the sandbox pid → nsenter + iptables); before anything is applied a
// dead-man's switch is armed in the same node, so the fault goes even if the harness dies. The
// harness undoes it at the end of the window, on failure and on abort.
import * as k8s from '@kubernetes/client-node';
import type { PlannedChaos } from '../plan/types.ts';
import type { ChaosMark } from '../timeline/types.ts';
import { toEpoch } from '../kube/time.ts';
import { type ChaosContext, ChaosError, resolveWorkload, seconds, sleepUntil } from './context.ts';
import { DEAD_MAN_GRACE_S, faultTag, type NetworkFaultPlan, planNetworkFault } from './fault-plan.ts';
import { type KindNode, kindNodeOf, nodeExec, podSandboxPid } from './kind-node.ts';
import { installNfqDelay } from './nfq-delay.ts';
import { actionSeed, pickVictims, seededRandom } from './seeded-random.ts';

type NetworkFaultStep = Extract<PlannedChaos['step'], { action: 'network-fault' }>;

export function describeFault(step: NetworkFaultStep): string {
  const f = step.fault;
  const what = f.kind === 'latency' ? `latency ${f.delayMs}±${f.jitterMs ?? 0} ms` : f.kind === 'loss' ? `loss ${f.percent}%` : 'partition';
  return `${what}${step.peer ? ` toward ${step.peer}` : ''}`;
}

function live(p: k8s.V1Pod): boolean {
  return !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' && !!p.status?.podIP && !!p.spec?.nodeName;
}

/** Pod IPs and Service ClusterIPs of the peer workload (the addresses its clients dial). */
export async function peerAddresses(ctx: ChaosContext, id: string, peer: string): Promise<{ ips: string[]; shown: string }> {
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const t = await resolveWorkload(ctx, id, peer);
  const pods = (await core.listNamespacedPod({ namespace: ctx.namespace, labelSelector: t.selector })).items.filter(live);
  const services = (await core.listNamespacedService({ namespace: ctx.namespace })).items.filter((s) => {
    const sel = Object.entries(s.spec?.selector ?? {});
    return sel.length > 0 && pods.some((p) => sel.every(([k, v]) => p.metadata?.labels?.[k] === v));
  });
  const clusterIps = services.map((s) => s.spec?.clusterIP).filter((ip): ip is string => !!ip && ip !== 'None');
  const ips = [...pods.map((p) => p.status!.podIP!), ...clusterIps];
  if (ips.length === 0) throw new ChaosError(id, `peer ${peer} (${t.kind}/${t.name}) has no running pod and no Service address`);
  return { ips, shown: `${peer}: ${pods.length} pod IPs + ${clusterIps.length} Service IPs (${services.map((s) => s.metadata?.name).join(', ') || 'none'})` };
}

/** The pods a fault hits: all running pods of the target, or `count` of them picked with the run's seed. */
export async function faultVictims(ctx: ChaosContext, planned: PlannedChaos, step: NetworkFaultStep): Promise<{ pods: k8s.V1Pod[]; of: number; target: string }> {
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const t = await resolveWorkload(ctx, planned.id, step.target);
  const pods = (await core.listNamespacedPod({ namespace: ctx.namespace, labelSelector: t.selector })).items.filter(live);
  if (pods.length === 0) throw new ChaosError(planned.id, `target ${t.kind}/${t.name} has no running pod (selector ${t.selector})`);
  const n = Math.min(step.count ?? pods.length, pods.length);
  const names = pickVictims(
    pods.map((p) => ({ name: p.metadata?.name ?? '', createdAt: toEpoch(p.metadata?.creationTimestamp) ?? 0 })),
    n,
    'random',
    seededRandom(actionSeed(ctx.seed, planned.id)),
  );
  return { pods: pods.filter((p) => names.includes(p.metadata?.name ?? '')), of: pods.length, target: `${t.kind}/${t.name}` };
}

interface Applied {
  pod: string;
  node: KindNode;
  plan: NetworkFaultPlan;
}

async function waitDelayLine(k: KindNode, tag: string, id: string): Promise<void> {
  const pidFile = `/run/kch-fault-${tag}.pid`;
  // Bound: the delay line binds its queue within milliseconds; give it 5 s.
  for (let i = 0; i < 25; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const r = await nodeExec(k, ['sh', '-c', `test -s ${pidFile} && kill -0 "$(cat ${pidFile})"`], { nothrow: true });
    if (r.code === 0 && i >= 1) return; // alive 400 ms after start: its queue is bound (it exits at once when binding fails)
  }
  throw new ChaosError(id, `nfq-delay did not stay up in node ${k.node} (pid file ${pidFile})`);
}

async function undoAll(applied: Applied[]): Promise<string[]> {
  const problems = await Promise.all(
    applied.map(async (a) => {
      const out: string[] = [];
      const r = await nodeExec(a.node, ['sh', '-c', a.plan.undo], { nothrow: true, timeoutMs: 30_000 }).catch((e: Error) => e);
      if (r instanceof Error || r.code !== 0) out.push(`${a.pod}: undo failed (${r instanceof Error ? r.message : r.stderr.trim()})`);
      const left = await nodeExec(a.node, ['sh', '-c', a.plan.check], { nothrow: true }).catch(() => null);
      if (left && left.code === 0) out.push(`${a.pod}: chain ${a.plan.chain} still present after undo`);
      return out;
    }),
  );
  return problems.flat();
}

export async function networkFault(ctx: ChaosContext, planned: PlannedChaos, step: NetworkFaultStep): Promise<Pick<ChaosMark, 'fault' | 'outcome' | 'detail'>> {
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const started = ctx.clock();
  const victims = await faultVictims(ctx, planned, step);
  const peer = step.peer ? await peerAddresses(ctx, planned.id, step.peer) : null;
  const fault = {
    what: `${describeFault(step)} on ${victims.pods.length}/${victims.of} pods of ${victims.target}`,
    pods: victims.pods.map((p) => p.metadata!.name!),
    nodes: [...new Set(victims.pods.map((p) => p.spec!.nodeName!))].sort(),
    appliedAt: null as number | null,
    undoneAt: null as number | null,
    deadManAt: started + (Math.ceil(step.durationS) + DEAD_MAN_GRACE_S) * 1000,
  };
  const notes: string[] = [fault.what];
  if (peer) notes.push(peer.shown);
  const applied: Applied[] = [];
  const nodes = new Map<string, KindNode>();
  let outcome: ChaosMark['outcome'] = 'ok';
  try {
    // Prepare every pod first (node, sandbox pid, delay line binary), in parallel and without
    // touching the network, so the pods' faults start within moments of each other.
    const install = new Map<string, Promise<string>>();
    const prepared = await Promise.all(
      victims.pods.map(async (p) => {
        const pod = p.metadata!.name!;
        const nodeName = p.spec!.nodeName!;
        let k = nodes.get(nodeName);
        if (!k) {
          k = kindNodeOf(planned.id, await core.readNode({ name: nodeName }));
          nodes.set(nodeName, k);
        }
        const node = k;
        const pid = await podSandboxPid(node, planned.id, ctx.namespace, pod);
        if (step.fault.kind === 'latency' && !install.has(nodeName)) install.set(nodeName, installNfqDelay(node, ctx.progress));
        const delayBinary = step.fault.kind === 'latency' ? await install.get(nodeName)! : '';
        const plan = planNetworkFault({ tag: faultTag(`${planned.id}/${pod}`, started), fault: step.fault, peerIps: peer?.ips ?? [], durationS: step.durationS, pid, delayBinary });
        return { pod, nodeName, node, pid, plan };
      }),
    );
    const applyFrom = ctx.clock();
    const results = await Promise.allSettled(
      prepared.map(async ({ pod, nodeName, node, pid, plan }) => {
        // The dead-man's switch first: from here on, whatever happens to the harness, the fault ends.
        await nodeExec(node, ['sh', '-c', plan.deadMan], { detach: true });
        fault.deadManAt = Math.max(fault.deadManAt, ctx.clock() + plan.deadManAfterS * 1000);
        applied.push({ pod, node, plan });
        if (plan.delayLine) {
          await nodeExec(node, ['sh', '-c', plan.delayLine], { detach: true });
          await waitDelayLine(node, plan.chain.slice(4), planned.id);
        }
        const r = await nodeExec(node, ['sh', '-c', plan.apply], { nothrow: true });
        if (r.code !== 0) throw new ChaosError(planned.id, `applying ${plan.chain} to ${pod} on ${nodeName}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
        ctx.progress(`[chaos] ${planned.id}: ${pod} on ${nodeName}: chain ${plan.chain} in netns of pid ${pid}${plan.queue ? `, queue ${plan.queue}` : ''}; dead-man in ${plan.deadManAfterS} s`);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    notes.push(`applied to ${prepared.length} pods within ${seconds(ctx.clock() - applyFrom)}`);
    fault.appliedAt = ctx.clock();
    const full = await sleepUntil(fault.appliedAt + step.durationS * 1000, ctx.clock, ctx.signal);
    if (!full) {
      outcome = 'failed';
      notes.push(`aborted after ${seconds(ctx.clock() - fault.appliedAt)}`);
    }
  } catch (err) {
    outcome = 'failed';
    notes.push(err instanceof Error ? err.message : String(err));
  } finally {
    // The fault ends when the undo starts (its first commands unhook the chains): the window's end.
    const undoFrom = ctx.clock();
    const problems = await undoAll(applied);
    if (problems.length === 0) fault.undoneAt = undoFrom;
    else {
      outcome = 'failed';
      notes.push(...problems, `the dead-man's switch removes what is left by ${new Date(fault.deadManAt).toISOString()}`);
    }
  }
  if (fault.appliedAt !== null && fault.undoneAt !== null) notes.push(`held ${seconds(fault.undoneAt - fault.appliedAt)}, undone`);
  return { fault, outcome, detail: notes.join('; ') };
}
