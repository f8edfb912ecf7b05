// Follows the log of each pod's workload container and records every JSON line (the stand-in's
// witness: start, sigterm, not-ready, listener-closed, drained, exit with counters).
// Lines carry the kubelet's timestamp (timestamps=true): a stream that drops while the container
// runs resumes with sinceTime and skips lines already read, so no line is lost or repeated.
import type { KubeConfig } from '@kubernetes/client-node';
import type { WorkloadLogRecord } from '../timeline/types.ts';
import { kubeStreamLines } from '../kube/raw.ts';
import { type RawPod, workloadOf } from './pod-transitions.ts';

/** "2026-11-25T13:12:15.123456789Z rest" -> [epoch seconds, nanos] and the rest. */
export function splitTimestamp(line: string): { sec: number; nanos: number; text: string; stamp: string } | undefined {
  const sp = line.indexOf(' ');
  if (sp < 0) return undefined;
  const stamp = line.slice(0, sp);
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(stamp);
  if (!m) return undefined;
  const sec = Date.parse(`${m[1]}${m[3]}`) / 1000;
  if (!Number.isFinite(sec)) return undefined;
  return { sec, nanos: Number((m[2] ?? '').padEnd(9, '0')), text: line.slice(sp + 1), stamp };
}

/** The JSON object a line holds, or undefined for plain text. */
export function jsonLine(text: string): Record<string, unknown> | undefined {
  const t = text.trim();
  if (!t.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(t) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The container to follow: the one named like the workload, else the first. */
export function followedContainer(pod: RawPod): string | undefined {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const w = workloadOf(pod.metadata?.labels);
  return names.includes(w) ? w : names[0];
}

function instance(pod: RawPod | undefined, container: string) {
  return pod?.status?.containerStatuses?.find((c) => c.name === container);
}

export class WorkloadLogs {
  private readonly followers = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  // One controller per follower: a rollout follows old and new pods at once, and more than ten
  // streams on one shared signal is what Node reports as MaxListenersExceededWarning.
  private readonly streams = new Set<AbortController>();
  lines = 0;

  constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly clock: () => number,
    /** The pod as the pod watch last saw it (undefined when gone). */
    private readonly currentPod: (name: string) => RawPod | undefined,
    private readonly emit: (r: WorkloadLogRecord) => void,
    private readonly log: (line: string) => void,
  ) {}

  /** Called on every pod change: start following a container instance once it has started. */
  onPod(pod: RawPod): void {
    if (this.abort.signal.aborted) return;
    const name = pod.metadata?.name;
    const container = followedContainer(pod);
    if (!name || !container) return;
    const cs = instance(pod, container);
    if (!cs || !(cs.state?.running || cs.state?.terminated)) return;
    const key = `${pod.metadata?.uid}/${container}/${cs.restartCount ?? 0}`;
    if (this.followers.has(key)) return;
    this.followers.set(key, this.follow(name, container, cs.restartCount ?? 0, workloadOf(pod.metadata?.labels)));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    for (const c of this.streams) c.abort();
    await Promise.allSettled([...this.followers.values()]);
  }

  private async follow(pod: string, container: string, restartCount: number, workload: string): Promise<void> {
    const stream = new AbortController();
    this.streams.add(stream);
    try {
      await this.followWith(stream.signal, pod, container, restartCount, workload);
    } finally {
      this.streams.delete(stream);
    }
  }

  private async followWith(signal: AbortSignal, pod: string, container: string, restartCount: number, workload: string): Promise<void> {
    let last: { sec: number; nanos: number; stamp: string } | undefined;
    const base = `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods/${encodeURIComponent(pod)}/log?container=${encodeURIComponent(container)}&timestamps=true`;
    const onLine = (line: string) => {
      const ts = splitTimestamp(line);
      if (!ts) return;
      if (last && (ts.sec < last.sec || (ts.sec === last.sec && ts.nanos <= last.nanos))) return;
      last = ts;
      const obj = jsonLine(ts.text);
      if (!obj) return;
      this.lines++;
      const r: WorkloadLogRecord = { kind: 'workloadLog', at: this.clock(), namespace: this.namespace, pod, workload, line: obj };
      r.objectTime = typeof obj.ts === 'number' ? obj.ts : Math.round(ts.sec * 1000 + ts.nanos / 1e6);
      this.emit(r);
    };
    const since = () => (last ? `&sinceTime=${encodeURIComponent(last.stamp)}` : '');
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      try {
        await kubeStreamLines(this.kc, `${base}&follow=true${since()}`, onLine, { signal, connectTimeoutMs: 15_000 });
      } catch (err) {
        // 400 "container not started yet" / 404 pod gone: retried below while the pod says it runs.
        if (attempt % 10 === 0) this.log(`[observe] logs of ${pod}/${container}: ${(err as Error).message}`);
      }
      if (this.abort.signal.aborted) return;
      const cs = instance(this.currentPod(pod), container);
      if (!cs || (cs.restartCount ?? 0) !== restartCount) return;
      if (!cs.state?.running) {
        // The container ended: one last read catches lines the follow stream did not deliver.
        try {
          await kubeStreamLines(this.kc, `${base}${since()}`, onLine, { signal, connectTimeoutMs: 10_000 });
        } catch {
          /* the pod went away meanwhile: nothing more to read */
        }
        return;
      }
      await new Promise((r) => setTimeout(r, Math.min(200 * (attempt + 1), 2000)));
    }
  }
}
