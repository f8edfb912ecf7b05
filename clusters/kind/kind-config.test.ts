import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { DEFAULT_NODE_PORTS, LOCAL_REGISTRY, SERVICE_SUBNET, kindConfig, localRegistryMirrorPatch, parseNodePorts, type KindConfigInput } from './kind-config.ts';

const base: KindConfigInput = {
  name: 'kch',
  workers: 2,
  nodeImage: 'localhost/kindest/node:v1.34.4-kch-abc',
  kubernetesVersion: 'v1.34.4',
  nodePorts: DEFAULT_NODE_PORTS,
  disableDefaultCNI: true,
};

interface Config {
  name: string;
  networking: { disableDefaultCNI?: boolean; serviceSubnet?: string };
  kubeadmConfigPatches?: string[];
  kubeadmConfigPatchesJSON6902?: { version: string; kind: string; patch: string }[];
  containerdConfigPatches?: string[];
  nodes: { role: string; image: string; extraPortMappings?: { containerPort: number; hostPort: number; listenAddress: string }[] }[];
}

const parsed = (input: KindConfigInput) => parse(kindConfig(input)) as Config;

describe('kindConfig', () => {
  it('has one control plane and N workers on the given image', () => {
    const c = parsed(base);
    expect(c.nodes.map((n) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
    expect(new Set(c.nodes.map((n) => n.image))).toEqual(new Set([base.nodeImage]));
    expect(parsed({ ...base, workers: 0 }).nodes).toHaveLength(1);
    expect(c.name).toBe('kch');
  });

  it('maps 127.0.0.1:30080-30099 to the same ports on the control plane only', () => {
    const c = parsed(base);
    const maps = c.nodes[0]?.extraPortMappings ?? [];
    expect(maps).toHaveLength(20);
    expect(maps[0]).toMatchObject({ containerPort: 30080, hostPort: 30080, listenAddress: '127.0.0.1' });
    expect(maps[19]).toMatchObject({ containerPort: 30099, hostPort: 30099 });
    expect(c.nodes[1]?.extraPortMappings).toBeUndefined();
  });

  it('maps no ports when asked (a second cluster beside the first)', () => {
    expect(parsed({ ...base, nodePorts: [] }).nodes[0]?.extraPortMappings).toBeUndefined();
  });

  it('sets the HPA sync period as a v1beta3 map patch below 1.36', () => {
    const c = parsed(base);
    const patch = parse(c.kubeadmConfigPatches?.[0] ?? '') as { kind: string; controllerManager: { extraArgs: Record<string, string> } };
    expect(patch.kind).toBe('ClusterConfiguration');
    expect(patch.controllerManager.extraArgs['horizontal-pod-autoscaler-sync-period']).toBe('15s');
    expect(c.kubeadmConfigPatchesJSON6902).toBeUndefined();
  });

  it('appends to the v1beta4 extraArgs list from 1.36 (kind renders v1beta4 there)', () => {
    const c = parsed({ ...base, kubernetesVersion: 'v1.37.0' });
    const p = c.kubeadmConfigPatchesJSON6902?.[0];
    expect(p?.version).toBe('v1beta4');
    const ops = parseAllDocuments(p?.patch ?? '')[0]?.toJSON() as { op: string; path: string; value: { name: string; value: string } }[];
    expect(ops[0]).toEqual({ op: 'add', path: '/controllerManager/extraArgs/-', value: { name: 'horizontal-pod-autoscaler-sync-period', value: '15s' } });
    expect(c.kubeadmConfigPatches).toBeUndefined();
  });

  it('disables kind\'s CNI only when the provider lays the pod network', () => {
    expect(parsed(base).networking.disableDefaultCNI).toBe(true);
    expect(parsed({ ...base, disableDefaultCNI: false }).networking.disableDefaultCNI).toBeUndefined();
  });

  it('names the service subnet the nodes\' service guard rejects un-rewritten traffic to', () => {
    expect(parsed(base).networking.serviceSubnet).toBe(SERVICE_SUBNET);
    expect(parsed({ ...base, disableDefaultCNI: false }).networking.serviceSubnet).toBe('10.96.0.0/16');
  });

  it("makes every node's containerd pull localhost:5001 from the local registry's container (kind's local-registry pattern)", () => {
    const patches = parsed(base).containerdConfigPatches ?? [];
    expect(patches).toHaveLength(1);
    expect(patches[0]).toBe('[plugins."io.containerd.grpc.v1.cri".registry.mirrors."localhost:5001"]\n  endpoint = ["http://kch-registry:5000"]\n');
    expect(patches[0]).toBe(localRegistryMirrorPatch());
    expect(LOCAL_REGISTRY.name).toBe('localhost:5001');
  });

  it('names the bad field', () => {
    expect(() => kindConfig({ ...base, name: 'Bad_Name' })).toThrow(/cluster name 'Bad_Name'/);
    expect(() => kindConfig({ ...base, workers: -1 })).toThrow(/workers/);
    expect(() => kindConfig({ ...base, nodePorts: [8080] })).toThrow(/nodePorts: 8080/);
    expect(() => kindConfig({ ...base, nodePorts: [30080, 30080] })).toThrow(/duplicate/);
  });
});

describe('parseNodePorts', () => {
  it('reads ranges, lists and none', () => {
    expect(parseNodePorts('30080-30082')).toEqual([30080, 30081, 30082]);
    expect(parseNodePorts('30080,30090')).toEqual([30080, 30090]);
    expect(parseNodePorts('none')).toEqual([]);
  });
  it('names the bad part', () => {
    expect(() => parseNodePorts('80')).toThrow(/80 is outside/);
    expect(() => parseNodePorts('30090-30080')).toThrow(/backwards/);
    expect(() => parseNodePorts('x')).toThrow(/'x' is not a port/);
  });
});
