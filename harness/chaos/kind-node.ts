// A kind node as chaos reaches it: its container (named like the node) in the engine kind used,
// both read from the node's providerID ("kind://podman/<cluster>/<node>"), so chaos needs no
// handle from the cluster provider. Nodes of other clusters (no kind providerID) are refused.
import * as k8s from '@kubernetes/client-node';
import { exec, type ExecResult } from '../base/exec.ts';
import { ChaosError } from './context.ts';

export type NodeEngine = 'docker' | 'podman';

export interface KindNode {
  /** Kubernetes node name, also the node container's name. */
  node: string;
  container: string;
  engine: NodeEngine;
  cluster: string;
  controlPlane: boolean;
}

const CONTROL_PLANE = 'node-role.kubernetes.io/control-plane';

/** Parse kind's providerID; null when the node is not a kind node. */
export function parseKindProviderId(providerId: string | undefined): { engine: NodeEngine; cluster: string; node: string } | null {
  const m = /^kind:\/\/(docker|podman)\/([^/]+)\/([^/]+)$/.exec(providerId ?? '');
  return m ? { engine: m[1] as NodeEngine, cluster: m[2]!, node: m[3]! } : null;
}

export function isControlPlane(n: k8s.V1Node): boolean {
  return CONTROL_PLANE in (n.metadata?.labels ?? {}) || (n.spec?.taints ?? []).some((t) => t.key === CONTROL_PLANE);
}

/** The kind node behind a Kubernetes node, or a ChaosError that says why chaos cannot reach it. */
export function kindNodeOf(id: string, n: k8s.V1Node): KindNode {
  const name = n.metadata?.name ?? '';
  const p = parseKindProviderId(n.spec?.providerID);
  if (!p) {
    throw new ChaosError(id, `node ${name} is not a kind node (providerID ${JSON.stringify(n.spec?.providerID ?? '')}): node and network faults reach nodes only through kind's container engine; no cloud hook is supported`);
  }
  return { node: name, container: p.node, engine: p.engine, cluster: p.cluster, controlPlane: isControlPlane(n) };
}

export async function readKindNode(kc: k8s.KubeConfig, id: string, name: string): Promise<KindNode> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let n: k8s.V1Node;
  try {
    n = await core.readNode({ name });
  } catch (err) {
    throw new ChaosError(id, `reading node ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return kindNodeOf(id, n);
}

/** Run a command inside the node container (bounded; throws with stderr unless nothrow). */
export function nodeExec(k: KindNode, args: string[], opts: { timeoutMs?: number; nothrow?: boolean; detach?: boolean } = {}): Promise<ExecResult> {
  return exec(k.engine, ['exec', ...(opts.detach ? ['-d'] : []), k.container, ...args], { timeoutMs: opts.timeoutMs ?? 30_000, nothrow: opts.nothrow });
}

/** Host PID-namespace-free handle on a pod's network namespace: the pid of its sandbox, as the node sees it. */
export async function podSandboxPid(k: KindNode, id: string, namespace: string, pod: string): Promise<number> {
  const ids = (await nodeExec(k, ['crictl', 'pods', '--namespace', namespace, '--name', `^${pod}$`, '--state', 'ready', '-q'])).stdout.trim().split('\n').filter(Boolean);
  if (ids.length !== 1) throw new ChaosError(id, `pod ${namespace}/${pod}: expected 1 ready sandbox on node ${k.node}, crictl found ${ids.length}`);
  const info = JSON.parse((await nodeExec(k, ['crictl', 'inspectp', '-o', 'json', ids[0]!])).stdout) as { info?: { pid?: number } };
  const pid = info.info?.pid;
  if (!pid || !Number.isInteger(pid)) throw new ChaosError(id, `pod ${namespace}/${pod}: crictl inspectp gave no sandbox pid`);
  return pid;
}
