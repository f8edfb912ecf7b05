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
