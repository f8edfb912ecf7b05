// The pod network without kindnetd (its image cannot be obtained here): each node gets a bridge
// on its own spec.podCIDR and a route to every other node's podCIDR through that node's IP (all
// nodes share one engine network). Pure computation here; applying it is a few `exec`s.

export interface PodNetworkNode {
  name: string;
  podCIDR: string;
  internalIP: string;
}

export interface NodeNetworkPlan {
  node: string;
  /** Written to /etc/cni/net.d/10-bridge.conflist inside the node. */
  conflist: string;
  routes: { dst: string; via: string }[];
}

export const CONFLIST_PATH = '/etc/cni/net.d/10-bridge.conflist';

function parseIPv4(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`'${ip}' is not an IPv4 address`);
  let n = 0;
  for (const part of parts) {
    const octet = Number(part);
    if (!/^\d{1,3}$/.test(part) || octet > 255) throw new Error(`'${ip}' is not an IPv4 address`);
    n = n * 256 + octet;
  }
  return n;
}

function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** The bridge's gateway: the first host address of the CIDR (10.244.1.0/24 -> 10.244.1.1). */
export function gatewayOf(cidr: string): string {
  const [addr, lenText] = cidr.split('/');
  const len = Number(lenText);
  if (addr === undefined || !Number.isInteger(len) || len < 8 || len > 30)
    throw new Error(`podCIDR '${cidr}' must be an IPv4 CIDR with a prefix of 8..30`);
  const size = 2 ** (32 - len);
  const network = parseIPv4(addr) - (parseIPv4(addr) % size);
  return formatIPv4(network + 1);
}

export function bridgeConflist(podCIDR: string): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'kind-bridge',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: podCIDR, gateway: gatewayOf(podCIDR) }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    1,
  );
}

export function podNetworkPlan(nodes: PodNetworkNode[]): NodeNetworkPlan[] {
  for (const n of nodes) {
    if (!n.podCIDR) throw new Error(`node ${n.name} has no spec.podCIDR yet (controller-manager not running?)`);
    if (!n.internalIP) throw new Error(`node ${n.name} has no InternalIP address`);
    parseIPv4(n.internalIP);
  }
  return nodes.map((n) => ({
    node: n.name,
    conflist: bridgeConflist(n.podCIDR),
    routes: nodes.filter((o) => o.name !== n.name).map((o) => ({ dst: o.podCIDR, via: o.internalIP })),
  }));
}
