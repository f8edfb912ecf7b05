// The run's Prometheus in the run's namespace (kch-prometheus:9090): started before the workloads
// are deployed, it scrapes their pods' own /metrics every second (by prometheus.io/* annotations
// or a port named `metrics`), receives the k6 runner pods' remote write with `--load-from cluster`
// (one Prometheus, not two) and is what KEDA's Prometheus triggers read. After the load, the raw
// scrapes are read back through the API server's service proxy into `workloadCounters` records.
import * as k8s from '@kubernetes/client-node';
import type { EpochMs, WorkloadCountersRecord, WorkloadScrapeInfo } from '../timeline/types.ts';
import { applyObjects, type KubeObject } from '../deploy/apply.ts';
import { pullFromRegistry } from '../kube/pulled-images.ts';
import { apiRequest, proxiedPrometheus, withTransientRetry, type ProxiedPrometheus } from '../load/in-cluster/api-proxy.ts';
import { waitPodsReady } from '../load/in-cluster/index.ts';
import { PROMETHEUS_NAME, PROMETHEUS_PORT, WORKLOAD_SCRAPE_INTERVAL_S, WORKLOAD_SCRAPE_JOBS, prometheusManifests } from '../load/in-cluster/manifests.ts';
import { workloadCountersFromMatrix, workloadCountersQuery, type PromMatrixAnswer } from './workload-counters.ts';

export interface WorkloadPrometheusOptions {
  namespace: string;
  /** The Prometheus image, loaded into the cluster (harness/load/in-cluster/images.ts). */
  image: string;
  /** Images pushed with --registry (local name → the registry's): the pod pulls that name. */
  pushed?: ReadonlyMap<string, string>;
  /** Hard bound on its pod's life (s); its TSDB retention covers it. */
  lifetimeS: number;
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface WorkloadPrometheus {
  /** Queries through the service proxy (the in-cluster load reads its series here). */
  prom: ProxiedPrometheus;
  /** Every scrape with a timestamp in [from, to] (one query; the pods' records and what was read). */
  readCounters(from: EpochMs, to: EpochMs): Promise<{ records: WorkloadCountersRecord[]; info: WorkloadScrapeInfo }>;
  /** Delete its pod (its Role, ServiceAccount and Service go with the namespace). */
  stop(): Promise<void>;
}

export async function startWorkloadPrometheus(kc: k8s.KubeConfig, o: WorkloadPrometheusOptions): Promise<WorkloadPrometheus> {
  const progress = o.progress ?? (() => undefined);
  const { namespace } = o;
  const pushed = o.pushed ?? new Map<string, string>();
  progress(`observe: the run's Prometheus ${PROMETHEUS_NAME}:${PROMETHEUS_PORT} in ${namespace}, scraping the workloads' /metrics every ${WORKLOAD_SCRAPE_INTERVAL_S} s (${pushed.get(o.image) ?? o.image})`);
  const manifests = pullFromRegistry(prometheusManifests({ namespace, image: o.image, lifetimeS: o.lifetimeS, retentionS: o.lifetimeS + 3600 }), pushed);
  await applyObjects(kc, manifests as unknown as KubeObject[], (line) => progress(`  ${line}`));
  await waitPodsReady(kc, namespace, [PROMETHEUS_NAME], Date.now() + 120_000, o.signal, progress, 'Prometheus');
  const prom = proxiedPrometheus(kc, namespace);
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${PROMETHEUS_NAME}:${PROMETHEUS_PORT}/proxy`;

  return {
    prom,
    async readCounters(from, to) {
      const info: WorkloadScrapeInfo = { intervalMs: WORKLOAD_SCRAPE_INTERVAL_S * 1000, from, to, pods: [] };
      const params = new URLSearchParams({ query: workloadCountersQuery(WORKLOAD_SCRAPE_JOBS, (to - from) / 1000 + 1), time: String(to / 1000) });
      try {
        const a = await withTransientRetry(() => apiRequest(kc, 'GET', `${base}/api/v1/query?${params}`, { timeoutMs: 60_000 }));
        let answer: PromMatrixAnswer;
        try {
          answer = JSON.parse(a.body) as PromMatrixAnswer;
        } catch {
          throw new Error(`HTTP ${a.status}: ${a.body.slice(0, 200)}`);
        }
        const records = workloadCountersFromMatrix(answer, namespace, { from, to });
        info.pods = [...new Set(records.map((r) => r.pod))].sort();
        return { records, info };
      } catch (err) {
        info.error = `reading the workloads' scrapes through the service proxy: ${err instanceof Error ? err.message : String(err)}`;
        return { records: [], info };
      }
    },
    async stop() {
      await kc
        .makeApiClient(k8s.CoreV1Api)
        .deleteNamespacedPod({ name: PROMETHEUS_NAME, namespace, gracePeriodSeconds: 0 })
        .catch(() => undefined);
    },
  };
}
