// Pod CPU/memory from the metrics API (metrics.k8s.io PodMetrics), sampled at a fixed interval.
// metrics-server refreshes each pod every --metric-resolution; a sample is recorded only when
// its own timestamp moved, so polling faster than that adds no duplicate points.
import type { KubeConfig } from '@kubernetes/client-node';
import type { PodMetricsRecord } from '../timeline/types.ts';
import { kubeGetJson } from '../kube/raw.ts';
import { toEpoch } from '../kube/time.ts';
import { parseQuantity } from './quantity.ts';
import { workloadOf } from './pod-transitions.ts';

export interface RawPodMetrics {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  timestamp?: string;
  containers?: { name: string; usage?: { cpu?: string; memory?: string } }[];
}

/** New samples in a PodMetrics list; `lastSeen` (pod -> timestamp) is updated. */
export function podMetricsRecords(
  items: RawPodMetrics[],
  lastSeen: Map<string, string>,
  workloadFor: (pod: string, labels?: Record<string, string>) => string,
  at: number,
  namespace: string,
): PodMetricsRecord[] {
  const out: PodMetricsRecord[] = [];
  for (const m of items) {
    const pod = m.metadata?.name ?? '';
    const ts = m.timestamp ?? '';
    if (lastSeen.get(pod) === ts) continue;
    lastSeen.set(pod, ts);
    let cpu = 0;
    let mem = 0;
    for (const c of m.containers ?? []) {
      cpu += parseQuantity(c.usage?.cpu ?? '0');
      mem += parseQuantity(c.usage?.memory ?? '0');
    }
    const r: PodMetricsRecord = {
      kind: 'podMetrics',
      at,
      namespace: m.metadata?.namespace ?? namespace,
      pod,
      workload: workloadFor(pod, m.metadata?.labels),
      cpuMillis: Math.round(cpu * 1000 * 1000) / 1000,
      memoryBytes: Math.round(mem),
    };
    const t = toEpoch(ts);
    if (t !== undefined) r.objectTime = t;
    out.push(r);
  }
  return out;
}

export class PodMetricsSampler {
  private timer: NodeJS.Timeout | undefined;
  private readonly lastSeen = new Map<string, string>();
  private inFlight: Promise<void> | undefined;
  lastError: string | undefined;
  samples = 0;

  constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly intervalMs: number,
    private readonly clock: () => number,
    private readonly workloadFor: (pod: string, labels?: Record<string, string>) => string,
    private readonly emit: (r: PodMetricsRecord) => void,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    const tick = () => {
      if (!this.inFlight) this.inFlight = this.sample().finally(() => (this.inFlight = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private async sample(): Promise<void> {
    const path = `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(this.namespace)}/pods`;
    try {
      const l = await kubeGetJson<{ items?: RawPodMetrics[] }>(this.kc, path, { timeoutMs: Math.max(2000, Math.min(this.intervalMs, 10_000)) });
      for (const r of podMetricsRecords(l.items ?? [], this.lastSeen, this.workloadFor, this.clock(), this.namespace)) {
        this.samples++;
        this.emit(r);
      }
      this.lastError = undefined;
    } catch (err) {
      const msg = (err as Error).message;
      // The metrics API may come up after the run starts (metrics-server rollout): say it once.
      if (msg !== this.lastError) this.log(`[observe] metrics API: ${msg}`);
      this.lastError = msg;
    }
  }
}
