import { describe, expect, it } from 'vitest';
import { bridgeConflist, gatewayOf, podNetworkPlan } from './pod-network.ts';
import { isNodeVolumeOf, parseContainerLines, parsePodmanPs } from './node-containers.ts';

describe('pod network plan', () => {
  const nodes = [
    { name: 'kch-control-plane', podCIDR: '10.244.0.0/24', internalIP: '10.89.0.2' },
    { name: 'kch-worker', podCIDR: '10.244.1.0/24', internalIP: '10.89.0.3' },
    { name: 'kch-worker2', podCIDR: '10.244.2.0/24', internalIP: '10.89.0.4' },
  ];

  it('gateway is the first host of the pod CIDR', () => {
    expect(gatewayOf('10.244.1.0/24')).toBe('10.244.1.1');
    expect(gatewayOf('10.244.1.77/24')).toBe('10.244.1.1');
    expect(gatewayOf('192.168.128.0/17')).toBe('192.168.128.1');
    expect(() => gatewayOf('fd00::/64')).toThrow(/IPv4/);
    expect(() => gatewayOf('10.0.0.0/31')).toThrow(/prefix/);
  });

  it('bridge conflist uses the node podCIDR with host-local IPAM and portmap', () => {
    const c = JSON.parse(bridgeConflist('10.244.2.0/24')) as { plugins: { type: string; ipam?: { ranges: { subnet: string; gateway: string }[][] } }[] };
    expect(c.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
    expect(c.plugins[0]?.ipam?.ranges[0]?.[0]).toEqual({ subnet: '10.244.2.0/24', gateway: '10.244.2.1' });
  });

  it('routes every other node\'s podCIDR via that node\'s IP, never its own', () => {
    const plan = podNetworkPlan(nodes);
    expect(plan).toHaveLength(3);
    expect(plan[1]?.routes).toEqual([
      { dst: '10.244.0.0/24', via: '10.89.0.2' },
      { dst: '10.244.2.0/24', via: '10.89.0.4' },
    ]);
    for (const p of plan) expect(p.routes.some((r) => r.dst === nodes.find((n) => n.name === p.node)?.podCIDR)).toBe(false);
  });

  it('refuses a node without podCIDR or IP, naming it', () => {
    expect(() => podNetworkPlan([{ name: 'n1', podCIDR: '', internalIP: '10.0.0.1' }])).toThrow(/node n1 has no spec.podCIDR/);
    expect(() => podNetworkPlan([{ name: 'n2', podCIDR: '10.244.0.0/24', internalIP: '' }])).toThrow(/node n2 has no InternalIP/);
  });
});

describe('kind leftovers', () => {
  it('recognises the node volumes of one cluster only', () => {
    expect(isNodeVolumeOf('kch', { 'kch-control-plane': 'true' })).toBe(true);
    expect(isNodeVolumeOf('kch', { 'kch-worker2': 'true' })).toBe(true);
    expect(isNodeVolumeOf('kch', { 'chaos-dev-worker': 'true' })).toBe(false);
    expect(isNodeVolumeOf('kch', { 'kch-x-worker': 'true' })).toBe(false);
    expect(isNodeVolumeOf('kch', null)).toBe(false);
  });

  it('parses engine ps lines', () => {
    expect(parseContainerLines('kch-control-plane\tRunning\tcontrol-plane\nkch-worker\texited\tworker\n')).toEqual([
      { name: 'kch-control-plane', state: 'running', role: 'control-plane' },
      { name: 'kch-worker', state: 'exited', role: 'worker' },
    ]);
  });

  it('parses podman ps JSON', () => {
    const json = JSON.stringify([{ Names: ['kch-worker'], State: 'exited', Labels: { 'io.x-k8s.kind.role': 'worker', 'io.x-k8s.kind.cluster': 'kch' } }]);
    expect(parsePodmanPs(json)).toEqual([{ name: 'kch-worker', state: 'exited', role: 'worker' }]);
    expect(parsePodmanPs('')).toEqual([]);
  });
});
