// The run's own Prometheus: Debian's binary (or one on PATH), storage in the run folder, on a
// free loopback port, receiving k6's remote write with native histograms. Its lifetime is
// bounded twice: by `timeout` (so it dies even if Node is SIGKILLed) and by stop().
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { exec, tail, type ExecResult } from '../base/exec.ts';
import { freePort } from '../base/free-port.ts';

/** A native histogram as the HTTP API returns it; buckets are [boundary rule, lower, upper, count]. */
export interface PromHistogram {
  count: string;
  sum: string;
  buckets?: [number, string, string, string][];
}

export interface PromSample {
  metric: Record<string, string>;
  /** [unix seconds, value as text] pairs (float series; absent for native histograms). */
  values?: [number, string][];
  /** [unix seconds, histogram] pairs (native histogram series; `values` is then absent). */
  histograms?: [number, PromHistogram][];
}

export interface PromVectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusOptions {
  /** Folder for its TSDB, config and log (inside the run folder). */
  dir: string;
  /** Hard limit on its life (s); it is killed after that even if nobody stops it. */
  lifetimeS: number;
  /** Extra scrape jobs (e.g. the workloads' /metrics), as Prometheus's scrape_configs entries. */
  scrapeConfigs?: Record<string, unknown>[];
  binary?: string;
}

export interface RunningPrometheus {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Where k6 remote-writes. */
  writeUrl: string;
  query(promql: string, atS?: number): Promise<PromVectorSample[]>;
  queryRange(promql: string, startS: number, endS: number, stepS: number): Promise<PromSample[]>;
  /** SIGTERM (TSDB closes cleanly), SIGKILL after 5 s; resolves when it exited. */
  stop(): Promise<void>;
}

export function findPrometheus(): string | null {
  for (const dir of ['/usr/bin', ...(process.env.PATH ?? '').split(':').filter(Boolean)]) {
    const path = join(dir, 'prometheus');
    if (existsSync(path)) return path;
  }
  return null;
}

async function promApi<T>(url: string, what: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const body = (await res.json().catch(() => null)) as { status?: string; data?: T; error?: string } | null;
  if (!res.ok || body?.status !== 'success' || body.data === undefined) {
    throw new Error(`Prometheus ${what}: HTTP ${res.status} ${body?.error ?? ''}`.trim());
  }
  return body.data;
}

export async function startPrometheus(opts: PrometheusOptions): Promise<RunningPrometheus> {
  const binary = opts.binary ?? findPrometheus();
  if (!binary) throw new Error('prometheus not found in /usr/bin or PATH: install it (apt-get install prometheus)');
  mkdirSync(join(opts.dir, 'tsdb'), { recursive: true });
  const configFile = join(opts.dir, 'prometheus.yml');
  writeFileSync(configFile, stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: opts.scrapeConfigs ?? [] }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const stopper = new AbortController();
  const state: { exited: ExecResult | Error | null } = { exited: null };
  const args = [
    '--foreground', '-k', '5', `${Math.ceil(opts.lifetimeS)}s`, binary,
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(opts.dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-remote-write-receiver',
    '--enable-feature=native-histograms',
    '--storage.tsdb.retention.time=30d',
  ];
  const running = exec('timeout', args, { timeoutMs: (opts.lifetimeS + 15) * 1000, signal: stopper.signal, nothrow: true, outlivesStep: true }).then(
    (r) => {
      state.exited = r;
      writeFileSync(join(opts.dir, 'prometheus.log'), r.stderr);
    },
    (e: unknown) => {
      state.exited = e instanceof Error ? e : new Error(String(e));
    },
  );

  const deadline = Date.now() + 30_000;
  for (;;) {
    const exited = state.exited;
    if (exited) {
      const why = exited instanceof Error ? exited.message : `exited ${exited.code ?? exited.signal}\n${tail(exited.stderr, 10)}`;
      throw new Error(`prometheus on 127.0.0.1:${port} did not start: ${why}`);
    }
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      stopper.abort();
      await running;
      throw new Error(`prometheus on 127.0.0.1:${port} not ready within 30 s (log: ${join(opts.dir, 'prometheus.log')})`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    url,
    writeUrl: `${url}/api/v1/write`,
    ...promQueries((apiPath, what) => promApi(`${url}${apiPath}`, what)),
    async stop() {
      stopper.abort();
      await running;
    },
  };
}

/** query and queryRange over any way of GETting Prometheus's HTTP API (`apiPath` starts with /api/v1): direct, or through a proxy. */
export function promQueries(get: <T>(apiPath: string, what: string) => Promise<T>): Pick<RunningPrometheus, 'query' | 'queryRange'> {
  return {
    async query(promql, atS) {
      const params = new URLSearchParams({ query: promql });
      if (atS !== undefined) params.set('time', String(atS));
      return (await get<{ result: PromVectorSample[] }>(`/api/v1/query?${params}`, `query ${promql}`)).result;
    },
    async queryRange(promql, startS, endS, stepS) {
      const params = new URLSearchParams({ query: promql, start: String(startS), end: String(endS), step: String(stepS) });
      return (await get<{ result: PromSample[] }>(`/api/v1/query_range?${params}`, `range query ${promql}`)).result;
    },
  };
}
