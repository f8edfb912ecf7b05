// Service traffic that kube-proxy has not rewritten yet must not leave the node. A connection to a
// ClusterIP opened before kube-proxy has written that Service's rules is routed out of the node
// like any other address; on a machine whose egress is intercepted (the sandbox here answers every
// port-443 connection with a 404) the API server's aggregator then kept an HTTP/2 connection to
// the interceptor and marked KEDA's APIService unavailable for minutes. A reject for the service
// subnet after NAT turns that into a refused connection the client retries, and keeps every
// in-cluster request addressed to a Service inside the cluster (the traffic rule).
import { exec } from '../../harness/base/exec.ts';
import type { EngineName } from '../engine/engine.ts';

const CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
// Only new connections: a packet conntrack finds INVALID is not NATed either, and a reset for it
// would kill a live connection (kube-proxy drops those for that reason; its rule comes later).
const NEW = '-m conntrack --ctstate NEW';

/**
 * One shell line for a node: in OUTPUT (host-network processes such as the API server) and FORWARD
 * (pods), reject a new connection still addressed to the service subnet after kube-proxy's DNAT.
 * Idempotent (-C before -I), so a reused cluster gets it again without duplicates.
 */
export function serviceGuardScript(serviceSubnet: string): string {
  if (!CIDR.test(serviceSubnet)) throw new Error(`service subnet '${serviceSubnet}' is not an IPv4 CIDR`);
  const rules = [`-d ${serviceSubnet} -p tcp ${NEW} -j REJECT --reject-with tcp-reset`, `-d ${serviceSubnet} ${NEW} -j REJECT`];
  return ['OUTPUT', 'FORWARD']
    .flatMap((chain) => rules.map((rule, i) => `(iptables -C ${chain} ${rule} 2>/dev/null || iptables -I ${chain} ${i + 1} ${rule})`))
    .join(' && ');
}

/** The guard on every node at once (one exec each). */
export async function applyServiceGuard(engine: EngineName, nodes: readonly string[], serviceSubnet: string): Promise<void> {
  const script = serviceGuardScript(serviceSubnet);
  await Promise.all(nodes.map((node) => exec(engine, ['exec', node, 'sh', '-c', script], { timeoutMs: 30_000 })));
}
