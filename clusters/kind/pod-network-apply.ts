// Lay the bridge pod network (pod-network.ts) onto running kind nodes: write each node's
// conflist and its routes to the other nodes' pod CIDRs. Idempotent (re-run on reuse: routes do
// not survive a node restart).
import { exec } from '../../harness/base/exec.ts';
import type { EngineName } from '../engine/engine.ts';
import { kubectl, type KubeTarget } from '../kubectl.ts';
import { CONFLIST_PATH, podNetworkPlan, type PodNetworkNode } from './pod-network.ts';

interface NodeList {
  items: {
    metadata: { name: string };
    spec: { podCIDR?: string };
    status: { addresses?: { type: string; address: string }[] };
  }[];
}

export function podNetworkNodes(list: NodeList): PodNetworkNode[] {
  return list.items.map((n) => ({
    name: n.metadata.name,
    podCIDR: n.spec.podCIDR ?? '',
    internalIP: n.status.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
  }));
}

/** Wait (bounded) until every node has a podCIDR and an InternalIP. */
export async function waitForPodCIDRs(target: KubeTarget, expectedNodes: number, deadlineMs: number): Promise<PodNetworkNode[]> {
  const until = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < until) {
    const r = await kubectl(target, ['get', 'nodes', '-o', 'json'], { timeoutMs: 20_000, nothrow: true });
    if (r.code === 0) {
      const nodes = podNetworkNodes(JSON.parse(r.stdout) as NodeList);
      if (nodes.length >= expectedNodes && nodes.every((n) => n.podCIDR && n.internalIP)) return nodes;
      last = `${nodes.length}/${expectedNodes} nodes, podCIDRs: ${nodes.map((n) => `${n.name}=${n.podCIDR || '-'}`).join(' ')}`;
    } else last = r.stderr.trim().split('\n').pop() ?? '';
    await new Promise((res) => setTimeout(res, 1000));
  }
  throw new Error(`nodes did not get pod CIDRs within ${deadlineMs / 1000} s (${last})`);
}

/** An address or CIDR as the API gives it: safe to put in a shell line. */
const ADDRESS = /^[0-9A-Fa-f.:]+(\/\d{1,3})?$/;

/** One node's conflist and routes in a single exec, the nodes at once (nine execs in a row took about 2 s of `up`). */
export async function applyPodNetwork(engine: EngineName, nodes: PodNetworkNode[]): Promise<void> {
  await Promise.all(
    podNetworkPlan(nodes).map((plan) => {
      for (const r of plan.routes) {
        if (!ADDRESS.test(r.dst) || !ADDRESS.test(r.via)) throw new Error(`node ${plan.node}: route ${r.dst} via ${r.via} is not an address`);
      }
      const routes = plan.routes.map((r) => ` && ip route replace ${r.dst} via ${r.via}`).join('');
      return exec(engine, ['exec', '-i', plan.node, 'sh', '-c', `mkdir -p /etc/cni/net.d && cat > ${CONFLIST_PATH}${routes}`], { input: plan.conflist, timeoutMs: 30_000 });
    }),
  );
}
