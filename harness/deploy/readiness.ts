// Wait until the applied workloads serve: Deployments and DaemonSets fully rolled out and
// Ready, Services with ready endpoints. Bounded; progress says what is awaited; the error on
// the deadline names what was not Ready and why (pod conditions, container states, last events).
// A pod state that no wait can fix (an image the node may not pull, a bad image name, a config
// the kubelet cannot build, a crash loop) ends the wait at once with the same diagnosis.
import * as k8s from '@kubernetes/client-node';
import type { ProgressSink } from '../../clusters/provider.ts';
import { apiMessage, isNotFound } from '../kube/api-error.ts';
import { toEpoch } from '../kube/time.ts';
import type { KubeObject } from '../kube/objects.ts';

export interface Readiness {
  ready: boolean;
  /** e.g. "1/2 updated, 0/2 ready" */
  detail: string;
}

export function deploymentReadiness(d: k8s.V1Deployment): Readiness {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const gen = d.metadata?.generation ?? 0;
  if ((s.observedGeneration ?? 0) < gen) return { ready: false, detail: `generation ${gen} not yet observed` };
  const updated = s.updatedReplicas ?? 0;
  const ready = s.readyReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const total = s.replicas ?? 0;
  const ok = updated === want && ready === want && available === want && total === want;
  return { ready: ok, detail: `${updated}/${want} updated, ${ready}/${want} ready, ${available}/${want} available${total > want ? `, ${total - want} old pods left` : ''}` };
}

export function daemonSetReadiness(d: k8s.V1DaemonSet): Readiness {
  const s = d.status;
  const gen = d.metadata?.generation ?? 0;
  if (!s || (s.observedGeneration ?? 0) < gen) return { ready: false, detail: `generation ${gen} not yet observed` };
  const want = s.desiredNumberScheduled;
  const updated = s.updatedNumberScheduled ?? 0;
  const ok = want > 0 && updated === want && s.numberReady === want && (s.numberAvailable ?? 0) === want;
  return { ready: ok, detail: `${updated}/${want} updated, ${s.numberReady}/${want} ready, ${s.numberAvailable ?? 0}/${want} available` };
}

export function serviceReadiness(slices: k8s.V1EndpointSlice[]): Readiness {
  const ready = slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready === true).length;
  return { ready: ready > 0, detail: `${ready} ready endpoints` };
}

/** Why the pods of a workload are not Ready, one line per pod. */
export function podDiagnosis(pods: k8s.V1Pod[]): string[] {
  const lines: string[] = [];
  for (const p of pods) {
    const conds = p.status?.conditions ?? [];
    if (conds.find((c) => c.type === 'Ready')?.status === 'True') continue;
    const parts: string[] = [`phase ${p.status?.phase ?? '?'}`];
    for (const c of conds) {
      if (c.status !== 'True') parts.push(`${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`);
    }
    for (const cs of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
      const w = cs.state?.waiting;
      const t = cs.state?.terminated ?? cs.lastState?.terminated;
      if (w) parts.push(`container ${cs.name} waiting ${w.reason ?? ''}${w.message ? `: ${w.message}` : ''}`);
      else if (t) parts.push(`container ${cs.name} terminated ${t.reason ?? ''} exit ${t.exitCode}`);
      if (cs.restartCount > 0) parts.push(`restarts ${cs.restartCount}`);
    }
    lines.push(`pod ${p.metadata?.name}: ${parts.join(', ')}`);
  }
  return lines;
}

/** Waiting reasons that only a change to the manifests or the image store can clear. */
export const UNRECOVERABLE_REASONS = ['ErrImageNeverPull', 'InvalidImageName', 'CreateContainerConfigError'] as const;
/** A container that restarted this often and is in back-off is crashing, not starting slowly. */
export const CRASH_LOOP_RESTARTS = 3;

/** Pure: the first pod whose state no wait can fix, as "pod x: container y ErrImageNeverPull: ...", else null. */
export function unrecoverable(pods: k8s.V1Pod[]): string | null {
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp) continue;
    for (const cs of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
      const w = cs.state?.waiting;
      const reason = w?.reason ?? '';
      const hopeless =
        (UNRECOVERABLE_REASONS as readonly string[]).includes(reason) || (reason === 'CrashLoopBackOff' && cs.restartCount >= CRASH_LOOP_RESTARTS);
      if (!hopeless) continue;
      const restarts = cs.restartCount > 0 ? ` (${cs.restartCount} restarts)` : '';
      return `pod ${p.metadata?.name}: container ${cs.name} ${reason}${restarts}${w?.message ? `: ${w.message}` : ''}`;
    }
  }
  return null;
}

interface Awaited {
  ref: string;
  check(): Promise<Readiness>;
  /** Pods whose state explains a failure. */
  selector?: string;
}

function selectorString(sel: k8s.V1LabelSelector | undefined): string | undefined {
  const m = sel?.matchLabels;
  if (!m || Object.keys(m).length === 0) return undefined;
  return Object.entries(m).map(([k, v]) => `${k}=${v}`).join(',');
}

export async function waitWorkloadsReady(
  kc: k8s.KubeConfig,
  namespace: string,
  objects: KubeObject[],
  opts: { deadlineMs: number; progress?: ProgressSink; signal?: AbortSignal },
): Promise<void> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const disc = kc.makeApiClient(k8s.DiscoveryV1Api);
  const awaited: Awaited[] = [];
  const selectors = new Map<string, string | undefined>();
  for (const o of objects) {
    const ns = o.metadata.namespace ?? namespace;
    const name = o.metadata.name;
    if (o.kind === 'Deployment') {
      awaited.push({
        ref: `Deployment/${name}`,
        check: async () => {
          const d = await apps.readNamespacedDeployment({ name, namespace: ns });
          selectors.set(`Deployment/${name}`, selectorString(d.spec?.selector));
          return deploymentReadiness(d);
        },
      });
    } else if (o.kind === 'DaemonSet') {
      awaited.push({
        ref: `DaemonSet/${name}`,
        check: async () => {
          const d = await apps.readNamespacedDaemonSet({ name, namespace: ns });
          selectors.set(`DaemonSet/${name}`, selectorString(d.spec?.selector));
          return daemonSetReadiness(d);
        },
      });
    } else if (o.kind === 'Service') {
      const spec = o.spec as { selector?: Record<string, string>; type?: string } | undefined;
      if (!spec?.selector || Object.keys(spec.selector).length === 0 || spec.type === 'ExternalName') continue;
      selectors.set(`Service/${name}`, Object.entries(spec.selector).map(([k, v]) => `${k}=${v}`).join(','));
      awaited.push({
        ref: `Service/${name}`,
        check: async () => {
          const l = await disc.listNamespacedEndpointSlice({ namespace: ns, labelSelector: `kubernetes.io/service-name=${name}` });
          return serviceReadiness(l.items);
        },
      });
    }
  }
  const deadline = opts.deadlineMs > 1e12 ? opts.deadlineMs : Date.now() + opts.deadlineMs;
  const started = Date.now();
  let lastSaid = 0;
  let state = new Map<string, Readiness>();
  for (;;) {
    if (opts.signal?.aborted) throw new Error(`wait Ready in ${namespace}: aborted`);
    state = new Map();
    for (const a of awaited) {
      try {
        state.set(a.ref, await a.check());
      } catch (err) {
        state.set(a.ref, { ready: false, detail: isNotFound(err) ? 'not found' : apiMessage(err) });
      }
    }
    const pending = awaited.filter((a) => !state.get(a.ref)?.ready);
    const now = Date.now();
    if (pending.length === 0) {
      opts.progress?.(`[deploy] ${awaited.length} objects Ready in ${namespace} (${((now - started) / 1000).toFixed(1)} s)`);
      return;
    }
    if (now >= deadline) {
      const why = await explain(core, namespace, pending.map((a) => a.ref), selectors, state);
      throw new Error(`wait Ready in ${namespace}: not Ready after ${Math.round((now - started) / 1000)} s:\n${why}`);
    }
    const hopeless = await firstUnrecoverable(core, namespace, pending.map((a) => selectors.get(a.ref)));
    if (hopeless) {
      const why = await explain(core, namespace, pending.map((a) => a.ref), selectors, state);
      throw new Error(
        `wait Ready in ${namespace}: cannot become Ready (${hopeless}); stopped after ${Math.round((now - started) / 1000)} s instead of waiting ${Math.round((deadline - now) / 1000)} s more:\n${why}`,
      );
    }
    if (opts.progress && now - lastSaid >= 3000) {
      lastSaid = now;
      const list = pending.map((a) => `${a.ref} (${state.get(a.ref)?.detail})`).join(', ');
      opts.progress(`[deploy] waiting for ${list} (${Math.round((now - started) / 1000)} s)`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The pods of the pending objects, checked for a state no wait can fix; API errors count as "not yet". */
async function firstUnrecoverable(core: k8s.CoreV1Api, namespace: string, pendingSelectors: (string | undefined)[]): Promise<string | null> {
  for (const sel of new Set(pendingSelectors.filter((x): x is string => x !== undefined))) {
    try {
      const found = unrecoverable((await core.listNamespacedPod({ namespace, labelSelector: sel })).items);
      if (found) return found;
    } catch {
      // the wait's own checks report API trouble; this check only ever shortens the wait
    }
  }
  return null;
}

async function explain(
  core: k8s.CoreV1Api,
  namespace: string,
  refs: string[],
  selectors: Map<string, string | undefined>,
  state: Map<string, Readiness>,
): Promise<string> {
  const lines: string[] = [];
  const podNames = new Set<string>();
  for (const ref of refs) {
    lines.push(`  ${ref}: ${state.get(ref)?.detail ?? '?'}`);
    const sel = selectors.get(ref);
    if (!sel) continue;
    try {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: sel });
      if (pods.items.length === 0) lines.push('    no pods match its selector');
      // A Service selects the pods its Deployment made: say each pod once.
      const fresh = pods.items.filter((p) => !podNames.has(p.metadata?.name ?? ''));
      if (fresh.length < pods.items.length) lines.push(`    (its pods: as above)`);
      for (const p of pods.items) podNames.add(p.metadata?.name ?? '');
      for (const l of podDiagnosis(fresh)) lines.push(`    ${l}`);
    } catch (err) {
      lines.push(`    (listing its pods failed: ${apiMessage(err)})`);
    }
  }
  try {
    const ev = await core.listNamespacedEvent({ namespace });
    const names = new Set([...podNames, ...refs.map((r) => r.split('/')[1] ?? '')]);
    const relevant = ev.items
      .filter((e) => e.type === 'Warning' || names.has(e.involvedObject.name ?? ''))
      .sort((a, b) => (eventTime(a) ?? 0) - (eventTime(b) ?? 0))
      .slice(-8);
    if (relevant.length) lines.push('  last events:');
    for (const e of relevant) lines.push(`    ${e.type} ${e.reason} ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.message ?? ''}`);
  } catch (err) {
    lines.push(`  (listing events failed: ${apiMessage(err)})`);
  }
  return lines.join('\n');
}

function eventTime(e: k8s.CoreV1Event): number | undefined {
  return toEpoch(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp);
}
