// Pure: where runner pods send load — the entry workload's Service by its cluster DNS name
// (<service>.<namespace>.svc, which every pod's resolver search list completes on any cluster
// domain) and the named port's Service port. The hosts returned are exactly the ones the
// loopback guard may allow in cluster mode; nothing else.
import type { V1Service } from '@kubernetes/client-node';
import type { Plan } from '../../plan/types.ts';
import type { LoadEntry } from '../../../scenarios/model.ts';
import type { LoadTargets } from '../shape.ts';

export interface ClusterTargets {
  targets: LoadTargets;
  /** The in-cluster Service host names the targets use (the guard's allow-list). */
  hosts: string[];
}

function serviceFor(services: readonly V1Service[], plan: Plan, entry: LoadEntry, field: string): { host: string; port: number } {
  const workload = plan.workloads.find((w) => w.name === entry.workload);
  if (!workload) throw new Error(`${field}: load entry names workload '${entry.workload}', not in the plan's workloads (${plan.workloads.map((w) => w.name).join(', ')})`);
  const object = workload.object.name;
  const selecting = services.filter((s) => {
    const sel = s.spec?.selector ?? {};
    return sel['app.kubernetes.io/name'] === object || sel['app'] === object || s.metadata?.name === object;
  });
  for (const s of selecting) {
    const p = (s.spec?.ports ?? []).find((x) => x.name === entry.port);
    if (p && s.metadata?.name && s.metadata.namespace) return { host: `${s.metadata.name}.${s.metadata.namespace}.svc`, port: p.port };
  }
  const seen = selecting.map((s) => `${s.metadata?.name}(${(s.spec?.ports ?? []).map((p) => `${p.name}:${p.port}`).join(',')})`).join('; ');
  throw new Error(`${field}: no port named '${entry.port}' on a Service of ${object}; services seen: ${seen || 'none'}`);
}

/** The in-cluster targets of every stream of the plan, from the live Services of the run's namespace. */
export function clusterTargets(services: readonly V1Service[], plan: Plan): ClusterTargets {
  const targets: LoadTargets = {};
  const hosts = new Set<string>();
  const { http, ws, grpc } = plan.load;
  if (http) {
    const s = serviceFor(services, plan, http.entry, 'load.http');
    targets.http = `http://${s.host}:${s.port}${http.entry.path ?? '/'}`;
    hosts.add(s.host);
  }
  if (ws) {
    const s = serviceFor(services, plan, ws.entry, 'load.ws');
    targets.ws = `ws://${s.host}:${s.port}${ws.entry.path ?? '/ws'}`;
    hosts.add(s.host);
  }
  if (grpc) {
    const s = serviceFor(services, plan, grpc.entry, 'load.grpc');
    targets.grpc = `${s.host}:${s.port}`;
    hosts.add(s.host);
  }
  return { targets, hosts: [...hosts] };
}
