// The real WatchSource: a raw JSON list, then k8s.Watch from its resourceVersion.
import * as k8s from '@kubernetes/client-node';
import { kubeGetJson } from '../kube/raw.ts';
import type { ListAnswer, RawObject, WatchHandle, WatchSource } from './resumable-watch.ts';

/** Collection paths, by what the observers watch. */
export function collectionPath(resource: ObservedResource, namespace: string): string {
  const ns = encodeURIComponent(namespace);
  switch (resource) {
    case 'pods':
      return `/api/v1/namespaces/${ns}/pods`;
    case 'events':
      return `/api/v1/namespaces/${ns}/events`;
    case 'endpointslices':
      return `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`;
    case 'deployments':
    case 'replicasets':
    case 'daemonsets':
      return `/apis/apps/v1/namespaces/${ns}/${resource}`;
    case 'horizontalpodautoscalers':
      return `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`;
  }
}

export type ObservedResource = 'pods' | 'events' | 'endpointslices' | 'deployments' | 'replicasets' | 'daemonsets' | 'horizontalpodautoscalers';

export function kubeWatchSource<T extends RawObject>(kc: k8s.KubeConfig, path: string): WatchSource<T> {
  const watch = new k8s.Watch(kc);
  return {
    async list(): Promise<ListAnswer<T>> {
      const l = await kubeGetJson<{ items?: T[]; metadata?: { resourceVersion?: string } }>(kc, path, { timeoutMs: 30_000 });
      return { items: l.items ?? [], resourceVersion: l.metadata?.resourceVersion ?? '' };
    },
    async watch(resourceVersion, onEvent, onDone): Promise<WatchHandle> {
      const controller = await watch.watch(
        path,
        // The server closes after timeoutSeconds; we then resume from the last resourceVersion.
        { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 },
        (type, obj) => onEvent(type, obj),
        (err) => onDone(err),
      );
      return { abort: () => controller.abort() };
    },
  };
}
