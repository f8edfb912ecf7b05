// Through the API server only: runner pods' k6 REST API by the pod proxy, the run's Prometheus by
// the service proxy, pod logs. Nothing is port-forwarded, nothing outside the cluster is reached.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { promQueries, type RunningPrometheus } from '../../tools/prometheus.ts';
import { PROMETHEUS_NAME, PROMETHEUS_PORT, RUNNER_API_PORT, prometheusServiceUrl } from './manifests.ts';

export interface ApiAnswer {
  status: number;
  body: string;
}

/** One request to the API server (`path` starts with /api); bounded by timeoutMs. Never throws on HTTP status. */
export async function apiRequest(kc: KubeConfig, method: string, path: string, opts: { body?: string; timeoutMs: number; signal?: AbortSignal }): Promise<ApiAnswer> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig: no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const options: https.RequestOptions = { method, headers };
  await kc.applyToHTTPSOptions(options);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise<ApiAnswer>((resolve, reject) => {
    const req = lib.request(url, { ...options, signal: opts.signal, timeout: opts.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Path of a runner's k6 REST API through the pod proxy. */
export function runnerApiPath(namespace: string, pod: string, apiPath: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}:${RUNNER_API_PORT}/proxy${apiPath}`;
}

// k6's lib.ExecutionStatus: 4 = PausedBeforeRun (VUs initialised, waiting for the resume).
export const PAUSED_BEFORE_RUN = 4;

/** The body of k6's resume call (PATCH /v1/status), as harness/load/shard.ts sends it on the host. */
export const RESUME_BODY = JSON.stringify({ data: { type: 'status', id: 'default', attributes: { paused: false } } });

/** k6's execution status of a runner, or null when its API does not answer (yet). */
export async function runnerStatus(kc: KubeConfig, namespace: string, pod: string): Promise<number | null> {
  const a = await apiRequest(kc, 'GET', runnerApiPath(namespace, pod, '/v1/status'), { timeoutMs: 5000 }).catch(() => null);
  if (!a || a.status !== 200) return null;
  try {
    return (JSON.parse(a.body) as { data: { attributes: { status: number } } }).data.attributes.status;
  } catch {
    return null;
  }
}

/** Resume one paused runner; resolves with the instant its k6 answered. */
export async function resumeRunner(kc: KubeConfig, namespace: string, pod: string): Promise<number> {
  const a = await apiRequest(kc, 'PATCH', runnerApiPath(namespace, pod, '/v1/status'), { body: RESUME_BODY, timeoutMs: 10_000 });
  if (a.status !== 200) throw new Error(`runner pod ${pod}: resume answered HTTP ${a.status}: ${a.body.slice(0, 300)}`);
  return Date.now();
}

/** A container's whole log as text (null when the pod is gone). */
export async function podLog(kc: KubeConfig, namespace: string, pod: string, container: string): Promise<string | null> {
  const a = await apiRequest(kc, 'GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log?container=${container}`, { timeoutMs: 30_000 });
  return a.status === 200 ? a.body : null;
}

/** The host Prometheus's interface (query, queryRange, stop), reached through the service proxy; `url` names the in-cluster Service. */
export type ProxiedPrometheus = RunningPrometheus;

export function proxiedPrometheus(kc: KubeConfig, namespace: string): ProxiedPrometheus {
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${PROMETHEUS_NAME}:${PROMETHEUS_PORT}/proxy`;
  const call = async <T>(apiPath: string, what: string): Promise<T> => {
    const a = await withTransientRetry(() => apiRequest(kc, 'GET', base + apiPath, { timeoutMs: 30_000 }));
    const body = (() => {
      try {
        return JSON.parse(a.body) as { status?: string; data?: T; error?: string };
      } catch {
        return null;
      }
    })();
    if (a.status !== 200 || body?.status !== 'success' || body.data === undefined) {
      throw new Error(`Prometheus (service proxy) ${what}: HTTP ${a.status} ${body?.error ?? a.body.slice(0, 200)}`.trim());
    }
    return body.data;
  };
  const url = prometheusServiceUrl(namespace);
  return {
    url,
    writeUrl: `${url}/api/v1/write`,
    ...promQueries(call),
    // The pod is deleted with the run's objects (or its namespace).
    stop: async () => undefined,
  };
}

/** HTTP statuses of a proxy or a busy API server that a second try can cure. */
const TRANSIENT = new Set([429, 500, 502, 503, 504]);

/**
 * Up to `attempts` tries, 1 s, 2 s, 4 s apart, while the answer is a transient status or the
 * request itself failed (reset, no answer): on a loaded 2-core node the service proxy drops one
 * of a burst of range queries now and then, and losing the whole series to that is a false red.
 */
export async function withTransientRetry(request: () => Promise<ApiAnswer>, attempts = 4, baseDelayMs = 1000): Promise<ApiAnswer> {
  for (let i = 1; ; i++) {
    try {
      const a = await request();
      if (!TRANSIENT.has(a.status) || i >= attempts) return a;
    } catch (err) {
      if (i >= attempts) throw err;
    }
    await new Promise((r) => setTimeout(r, baseDelayMs * 2 ** (i - 1)));
  }
}
