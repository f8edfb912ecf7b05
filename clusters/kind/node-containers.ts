// kind's node containers and the volumes they leave behind, found by kind's own labels, so that
// `down` also cleans up after a create that failed half-way (kind itself may not list it).
import { exec } from '../../harness/base/exec.ts';
import type { EngineName } from '../engine/engine.ts';

export const CLUSTER_LABEL = 'io.x-k8s.kind.cluster';
export const ROLE_LABEL = 'io.x-k8s.kind.role';

export interface NodeContainer {
  name: string;
  state: string;
  role: string;
}

export async function listNodeContainers(engine: EngineName, cluster: string): Promise<NodeContainer[]> {
  const filter = ['ps', '-a', '--filter', `label=${CLUSTER_LABEL}=${cluster}`];
  if (engine === 'podman') {
    // podman 4.3's Go template has no .Label; its JSON carries the labels as a map
    const r = await exec('podman', [...filter, '--format', 'json'], { timeoutMs: 30_000 });
    return parsePodmanPs(r.stdout);
  }
  const r = await exec('docker', [...filter, '--format', `{{.Names}}\t{{.State}}\t{{.Label "${ROLE_LABEL}"}}`], { timeoutMs: 30_000 });
  return parseContainerLines(r.stdout);
}

export function parseContainerLines(text: string): NodeContainer[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [name = '', state = '', role = ''] = l.split('\t');
      return { name, state: state.toLowerCase(), role };
    });
}

export function parsePodmanPs(json: string): NodeContainer[] {
  const list = JSON.parse(json.trim() || '[]') as { Names?: string[]; State?: string; Labels?: Record<string, string> | null }[];
  return list.map((c) => ({ name: c.Names?.[0] ?? '', state: (c.State ?? '').toLowerCase(), role: c.Labels?.[ROLE_LABEL] ?? '' }));
}

/** kind's Podman provider labels each node's /var volume `<node-name>=true`. */
export function isNodeVolumeOf(cluster: string, labels: Record<string, string> | null | undefined): boolean {
  if (!labels) return false;
  const escaped = cluster.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const node = new RegExp(`^${escaped}-(control-plane|worker|external-load-balancer)\\d*$`);
  return Object.entries(labels).some(([k, v]) => v === 'true' && node.test(k));
}

export async function listNodeVolumes(engine: EngineName, cluster: string): Promise<string[]> {
  if (engine !== 'podman') return []; // Docker's anonymous volumes go with `rm -v`
  const r = await exec('podman', ['volume', 'ls', '--format', 'json'], { timeoutMs: 30_000 });
  const volumes = JSON.parse(r.stdout || '[]') as { Name: string; Labels?: Record<string, string> }[];
  return volumes.filter((v) => isNodeVolumeOf(cluster, v.Labels)).map((v) => v.Name);
}

/** Remove node containers (with their volumes) and orphaned node volumes; returns what went. */
export async function removeLeftovers(engine: EngineName, cluster: string): Promise<string[]> {
  const removed: string[] = [];
  const containers = await listNodeContainers(engine, cluster);
  if (containers.length > 0) {
    await exec(engine, ['rm', '-f', '-v', ...containers.map((c) => c.name)], { timeoutMs: 120_000 });
    removed.push(...containers.map((c) => `container ${c.name}`));
  }
  const volumes = await listNodeVolumes(engine, cluster);
  if (volumes.length > 0) {
    await exec(engine, ['volume', 'rm', '-f', ...volumes], { timeoutMs: 120_000 });
    removed.push(...volumes.map((v) => `volume ${v.slice(0, 12)}`));
  }
  return removed;
}
