// pod-kill: delete pods of a workload, chosen oldest / newest / at random with the run's seed,
// gracefully (the pod's own grace period), with a given grace, or forced (grace 0).
import * as k8s from '@kubernetes/client-node';
import type { PlannedChaos } from '../plan/types.ts';
import type { ChaosMark } from '../timeline/types.ts';
import { apiMessage } from '../kube/api-error.ts';
import { toEpoch } from '../kube/time.ts';
import { type ChaosContext, resolveWorkload } from './context.ts';
import { isHarnessPod } from '../load/in-cluster/labels.ts';
import { actionSeed, pickVictims, seededRandom, victimCount } from './seeded-random.ts';

type PodKillStep = Extract<PlannedChaos['step'], { action: 'pod-kill' }>;

export function graceLabel(graceS: PodKillStep['graceS']): string {
  return graceS === undefined ? "pod's own grace period" : graceS === 'force' ? 'forced (grace 0)' : `grace ${graceS} s`;
}

export async function podKill(ctx: ChaosContext, planned: PlannedChaos, step: PodKillStep, mark: ChaosMark): Promise<void> {
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const target = await resolveWorkload(ctx, planned.id, step.target);
  const pods = await core.listNamespacedPod({ namespace: ctx.namespace, labelSelector: target.selector });
  // The harness's own pods (k6 runners, the run's Prometheus) are never victims, whatever the selector.
  const alive = pods.items.filter((p) => !isHarnessPod(p.metadata?.labels) && !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  const n = victimCount(alive.length, step);
  const victims = pickVictims(
    alive.map((p) => ({ name: p.metadata?.name ?? '', createdAt: toEpoch(p.metadata?.creationTimestamp) ?? 0 })),
    n,
    step.pick ?? 'random',
    seededRandom(actionSeed(ctx.seed, planned.id)),
  );
  if (victims.length === 0) {
    mark.outcome = 'failed';
    mark.detail = `no live pod of ${target.kind}/${target.name} (selector ${target.selector}) to kill`;
    return;
  }
  const grace = step.graceS === 'force' ? 0 : step.graceS;
  ctx.progress(`[chaos] ${planned.id}: deleting ${victims.join(', ')} of ${target.kind}/${target.name} (${graceLabel(step.graceS)})`);
  const answers: string[] = [];
  let failed = 0;
  for (const name of victims) {
    try {
      const res = await core.deleteNamespacedPod({ name, namespace: ctx.namespace, ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}) });
      mark.pods.push(name);
      const g = res.metadata?.deletionGracePeriodSeconds;
      answers.push(`${name}: deleting${g !== undefined ? ` (grace ${g} s)` : ''}`);
    } catch (err) {
      failed++;
      answers.push(`${name}: ${apiMessage(err)}`);
    }
  }
  mark.outcome = failed === 0 ? 'ok' : 'failed';
  mark.detail = `${target.kind}/${target.name}: ${step.pick ?? 'random'} ${victims.length} of ${alive.length}, ${graceLabel(step.graceS)}; ${answers.join('; ')}`;
}
