// Deleting a finished run's namespace against a fake API server on 127.0.0.1: the namespace
// first (Terminating stops replacements), then its pods with gracePeriodSeconds=0, then a
// bounded wait for it to be gone; on a second Ctrl-C no wait at all.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteRunNamespace } from './apply.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A namespace with two pods that is gone `goneAfter` reads after the pods were deleted. */
async function fakeApi(goneAfter: number): Promise<{ kc: KubeConfig; calls: string[] }> {
  const calls: string[] = [];
  let reads = 0;
  let podsDeleted = false;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const q = [...url.searchParams].map(([k, v]) => `${k}=${v}`).join('&');
      calls.push(`${req.method} ${url.pathname}${q ? `?${q}` : ''}${body ? ` ${body}` : ''}`);
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && url.pathname.endsWith('/pods')) {
        res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }] }));
      } else if (req.method === 'DELETE' && url.pathname.endsWith('/pods')) {
        podsDeleted = true;
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Success' }));
      } else if (req.method === 'GET' && podsDeleted && ++reads > goneAfter) {
        res.statusCode = 404;
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', code: 404, reason: 'NotFound', message: 'namespaces "kch-r1" not found' }));
      } else {
        res.end(JSON.stringify({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'kch-r1' }, status: { phase: 'Terminating' } }));
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'u' }],
    currentContext: 'fake',
  });
  return { kc, calls };
}

describe('deleteRunNamespace', () => {
  it('deletes the namespace, then its pods without grace, then waits until it is gone', async () => {
    const { kc, calls } = await fakeApi(1);
    const r = await deleteRunNamespace(kc, 'kch-r1', { waitMs: 10_000 });
    expect(r).toMatchObject({ gone: true, forcedPods: 2 });
    expect(calls[0]).toBe('DELETE /api/v1/namespaces/kch-r1?propagationPolicy=Background');
    expect(calls[1]).toBe('GET /api/v1/namespaces/kch-r1/pods');
    expect(calls[2]).toMatch(/^DELETE \/api\/v1\/namespaces\/kch-r1\/pods\?gracePeriodSeconds=0/);
    expect(calls.slice(3)).toEqual(['GET /api/v1/namespaces/kch-r1', 'GET /api/v1/namespaces/kch-r1']);
  });

  it('does not wait when hurried (a second Ctrl-C), and does not fail on a slow namespace', async () => {
    const hurried = await fakeApi(1000);
    const hurry = new AbortController();
    hurry.abort();
    expect(await deleteRunNamespace(hurried.kc, 'kch-r1', { waitMs: 10_000, hurry: hurry.signal })).toMatchObject({ gone: false, forcedPods: 2 });
    expect(hurried.calls).toHaveLength(3);
    const slow = await fakeApi(1000);
    const lines: string[] = [];
    expect(await deleteRunNamespace(slow.kc, 'kch-r1', { waitMs: 600, progress: (l) => lines.push(l) })).toMatchObject({ gone: false });
    expect(lines.join('\n')).toContain('still Terminating');
  });
});
