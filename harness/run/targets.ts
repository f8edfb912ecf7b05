// Where the load goes: the entry workload's Service port, published as a NodePort on 127.0.0.1
// (kind maps the harness's NodePorts there). Read from the live Service, not from the manifests,
// so the URL is what the API server actually allocated.
import { connect } from 'node:net';
import { CoreV1Api, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import type { Plan } from '../plan/types.ts';
import type { LoadEntry } from '../../scenarios/model.ts';

export interface LoadTargets {
  http?: string;
  ws?: string;
  grpc?: string;
}

export async function resolveTargets(kc: KubeConfig, namespace: string, plan: Plan, loopbackPorts: number[]): Promise<LoadTargets> {
  const core = kc.makeApiClient(CoreV1Api);
  const services = (await core.listNamespacedService({ namespace })).items;
  const targets: LoadTargets = {};
  const find = (entry: LoadEntry) => nodePortFor(services, plan, entry, loopbackPorts);
  if (plan.load.http) targets.http = `http://127.0.0.1:${find(plan.load.http.entry)}${plan.load.http.entry.path ?? '/'}`;
  if (plan.load.ws) targets.ws = `ws://127.0.0.1:${find(plan.load.ws.entry)}${plan.load.ws.entry.path ?? '/ws'}`;
  if (plan.load.grpc) targets.grpc = `127.0.0.1:${find(plan.load.grpc.entry)}`;
  return targets;
}

/** Pure: pick the Service of the entry's workload that has the named port with a NodePort. */
export function nodePortFor(services: V1Service[], plan: Plan, entry: LoadEntry, loopbackPorts: number[]): number {
  const workload = plan.workloads.find((w) => w.name === entry.workload);
  if (!workload) throw new Error(`load entry names workload '${entry.workload}', not in the plan's workloads (${plan.workloads.map((w) => w.name).join(', ')})`);
  const object = workload.object.name;
  const selecting = services.filter((s) => {
    const sel = s.spec?.selector ?? {};
    return sel['app.kubernetes.io/name'] === object || sel['app'] === object || s.metadata?.name === object;
  });
  const candidates = selecting.flatMap((s) => (s.spec?.ports ?? []).filter((p) => p.name === entry.port && p.nodePort).map((p) => ({ svc: s, port: p })));
  const seen = selecting.map((s) => `${s.metadata?.name}(${(s.spec?.ports ?? []).map((p) => `${p.name}:${p.nodePort ?? '-'}`).join(',')})`).join('; ');
  const hit = candidates[0];
  if (!hit) throw new Error(`no NodePort named '${entry.port}' on a Service of ${object}; services seen: ${seen || 'none'}`);
  const nodePort = hit.port.nodePort!;
  if (!loopbackPorts.includes(nodePort)) {
    throw new Error(
      `Service ${hit.svc.metadata?.name} port '${entry.port}' is NodePort ${nodePort}, which this cluster does not publish on 127.0.0.1 ` +
        `(published: ${loopbackPorts.length ? loopbackPorts.join(', ') : 'none'}); load only goes to loopback`,
    );
  }
  return nodePort;
}

/** host:port of a loopback target URL (http://, ws://, or bare host:port for gRPC). */
export function targetAddress(target: string): { host: string; port: number } {
  const u = new URL(/^[a-z]+:\/\//.test(target) ? target : `tcp://${target}`);
  return { host: u.hostname, port: Number(u.port) };
}

/**
 * Wait (bounded) until every NodePort target accepts `inARow` TCP connects in a row: pods Ready
 * is not kube-proxy's rules programmed, and a run whose first second is refused connections
 * measured the cluster's start, not the workload. Connects only (no request reaches the
 * workload), to loopback only; returns the targets that never settled (the load will show them).
 */
export async function waitTargetsAccept(targets: LoadTargets, opts: { boundMs: number; inARow?: number }): Promise<string[]> {
  const inARow = opts.inARow ?? 5;
  const tryOnce = ({ host, port }: { host: string; port: number }) =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host, port, timeout: 1000 });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.once('connect', () => done(true));
      socket.once('timeout', () => done(false));
      socket.once('error', () => done(false));
    });
  const until = Date.now() + opts.boundMs;
  const unsettled: string[] = [];
  for (const target of Object.values(targets).filter((t): t is string => typeof t === 'string')) {
    const address = targetAddress(target);
    if (!address.host.startsWith('127.')) throw new Error(`waitTargetsAccept: ${target} is not on loopback`);
    let streak = 0;
    while (streak < inARow && Date.now() < until) {
      streak = (await tryOnce(address)) ? streak + 1 : 0;
      if (streak < inARow) await new Promise((r) => setTimeout(r, 100));
    }
    if (streak < inARow) unsettled.push(target);
  }
  return unsettled;
}
