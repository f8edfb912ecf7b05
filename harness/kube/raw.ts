// Raw JSON GETs against the API server: lists for the observers stay plain JSON (timestamps as
// RFC 3339 strings), exactly what a watch delivers, so one set of pure extractors reads both.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export class KubeHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: string,
    path: string,
  ) {
    super(`GET ${path}: HTTP ${statusCode}: ${bodyMessage(body)}`);
    this.name = 'KubeHttpError';
  }
}

function bodyMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: string };
    if (parsed.message) return parsed.message;
  } catch {
    /* not JSON */
  }
  return body.slice(0, 200);
}

/** GET `path` (with query) and parse JSON. Bounded by `timeoutMs`. */
export async function kubeGetJson<T>(kc: KubeConfig, path: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig: no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  const options: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(options);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise<T>((resolve, reject) => {
    const req = lib.request(url, { ...options, signal: opts.signal, timeout: opts.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if ((res.statusCode ?? 0) >= 300) return reject(new KubeHttpError(res.statusCode ?? 0, body, path));
        try {
          resolve(JSON.parse(body) as T);
        } catch (err) {
          reject(new Error(`GET ${path}: response is not JSON: ${(err as Error).message}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * GET `path` as a stream of lines (pod logs with follow=true). Resolves when the server ends
 * the stream (the container exited) or the connection drops; rejects on an HTTP error.
 */
export async function kubeStreamLines(
  kc: KubeConfig,
  path: string,
  onLine: (line: string) => void,
  opts: { signal?: AbortSignal; connectTimeoutMs: number },
): Promise<'ended' | 'dropped'> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig: no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  const options: https.RequestOptions = { method: 'GET' };
  await kc.applyToHTTPSOptions(options);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (how: 'ended' | 'dropped') => {
      if (settled) return;
      settled = true;
      resolve(how);
    };
    const req = lib.request(url, { ...options, signal: opts.signal }, (res) => {
      req.setTimeout(0);
      if ((res.statusCode ?? 0) >= 300) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          settled = true;
          reject(new KubeHttpError(res.statusCode ?? 0, Buffer.concat(chunks).toString(), path));
        });
        return;
      }
      let partial = '';
      res.on('data', (c: Buffer) => {
        const parts = (partial + c.toString()).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) onLine(line);
      });
      res.on('end', () => {
        if (partial) onLine(partial);
        finish('ended');
      });
      res.on('aborted', () => finish('dropped'));
      res.on('error', () => finish('dropped'));
      res.on('close', () => finish('dropped'));
    });
    req.setTimeout(opts.connectTimeoutMs, () => req.destroy(new Error(`GET ${path}: no answer within ${opts.connectTimeoutMs} ms`)));
    req.on('error', (err) => {
      if (settled) return;
      settled = true;
      if (opts.signal?.aborted) resolve('dropped');
      else reject(err);
    });
    req.end();
  });
}
