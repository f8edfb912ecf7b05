// The observers: what Kubernetes did, recorded on the run's clock. Watches on pods,
// EndpointSlices, Deployments, ReplicaSets, DaemonSets, HPAs and Events in the run's namespace;
// metrics API samples; the workload containers' JSON log lines. Only transitions are recorded.
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeRecord } from '../timeline/types.ts';
import { collectionPath, kubeWatchSource, type ObservedResource } from './kube-source.ts';
import { ResumableWatch, type ChangeHandler, type RawObject, type WatchStats } from './resumable-watch.ts';
import { podTransitions, workloadOf, type RawPod } from './pod-transitions.ts';
import { EndpointView, type RawEndpointSlice } from './endpoint-transitions.ts';
import { rolloutRecords, type RawWorkload } from './rollout-records.ts';
import { hpaRecords, type RawHpa } from './hpa-records.ts';
import { eventRecords, type RawEvent } from './event-records.ts';
import { PodMetricsSampler } from './pod-metrics.ts';
import { WorkloadLogs } from './workload-logs.ts';

export interface ObserverOptions {
  namespace: string;
  /** The run's clock (epoch ms); default Date.now. */
  clock?: () => number;
  /** Metrics API sampling interval; default 5000 ms; 0 turns sampling off. */
  metricsIntervalMs?: number;
  /** Follow the workload containers' logs (default true). */
  followLogs?: boolean;
  signal?: AbortSignal;
  /** Where observer problems are said (metrics API missing, reconnects). Default: silent. */
  progress?: (line: string) => void;
}

export interface Observers {
  /** Everything recorded so far, in the order received. */
  records(): KubeRecord[];
  /** Stop every watch, stream and sampler; the final records. */
  stop(): Promise<KubeRecord[]>;
  /** Per-watch counters (events, resumes, relists, errors). */
  stats(): Record<string, WatchStats>;
  /** Test hook: drop every watch connection (`expire`: also forget resourceVersions, as after 410 Gone). */
  dropConnections(opts?: { expire?: boolean }): void;
}

export async function startObservers(kc: KubeConfig, opts: ObserverOptions): Promise<Observers> {
  const { namespace } = opts;
  const clock = opts.clock ?? Date.now;
  const say = opts.progress ?? (() => {});
  const out: KubeRecord[] = [];
  const emit = (records: KubeRecord[]) => {
    for (const r of records) out.push(r);
  };

  const watches: ResumableWatch<RawObject>[] = [];
  const add = <T extends RawObject>(resource: ObservedResource, handler: ChangeHandler<T>): ResumableWatch<T> => {
    const w = new ResumableWatch<T>(resource, kubeWatchSource<T>(kc, collectionPath(resource, namespace)), handler, { log: say });
    watches.push(w as unknown as ResumableWatch<RawObject>);
    return w;
  };

  let logs: WorkloadLogs | undefined;
  const pods = add<RawPod>('pods', (prev, next, deleted) => {
    emit(podTransitions(prev, next, deleted, clock()));
    if (!deleted) logs?.onPod(next);
  });
  const currentPod = (name: string) => pods.objects().find((p) => p.metadata?.name === name);
  if (opts.followLogs !== false) {
    logs = new WorkloadLogs(kc, namespace, clock, currentPod, (r) => out.push(r), say);
  }
  const endpoints = new EndpointView(namespace);
  add<RawEndpointSlice>('endpointslices', (prev, next, deleted) => emit(endpoints.change(prev, next, deleted, clock())));
  add<RawWorkload>('deployments', (prev, next, deleted) => emit(rolloutRecords('Deployment', prev, next, deleted, clock())));
  add<RawWorkload>('replicasets', (prev, next, deleted) => emit(rolloutRecords('ReplicaSet', prev, next, deleted, clock())));
  add<RawWorkload>('daemonsets', (prev, next, deleted) => emit(rolloutRecords('DaemonSet', prev, next, deleted, clock())));
  add<RawHpa>('horizontalpodautoscalers', (prev, next, deleted) => emit(hpaRecords(prev, next, deleted, clock())));
  add<RawEvent>('events', (prev, next, deleted) => emit(eventRecords(prev, next, deleted, clock())));

  try {
    await Promise.all(watches.map((w) => w.start()));
  } catch (err) {
    for (const w of watches) w.stop();
    throw new Error(`observe ${namespace}: ${(err as Error).message}`);
  }
  for (const p of pods.objects()) logs?.onPod(p);

  const interval = opts.metricsIntervalMs ?? 5000;
  const workloadFor = (pod: string, labels?: Record<string, string>) => workloadOf(labels ?? currentPod(pod)?.metadata?.labels);
  const metrics = interval > 0 ? new PodMetricsSampler(kc, namespace, interval, clock, workloadFor, (r) => out.push(r), say) : undefined;
  metrics?.start();

  let stopping: Promise<KubeRecord[]> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const w of watches) w.stop();
      await Promise.all([metrics?.stop(), logs?.stop()]);
      return [...out];
    })();
    return stopping;
  };
  opts.signal?.addEventListener('abort', () => void stop(), { once: true });

  return {
    records: () => [...out],
    stop,
    stats: () => Object.fromEntries(watches.map((w) => [w.name, { ...w.stats, errors: [...w.stats.errors] }])),
    dropConnections: (o) => {
      for (const w of watches) w.dropConnection(o);
    },
  };
}
