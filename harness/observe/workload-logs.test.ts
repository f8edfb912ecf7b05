// The log follower against a fake API server on 127.0.0.1: following many pods at once (a
// rollout's old and new pods) must not pile listeners onto one AbortSignal (the
// MaxListenersExceededWarning seen mid-run), and stop() must end every stream.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkloadLogs } from './workload-logs.ts';
import type { RawPod } from './pod-transitions.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** Streams one JSON log line per pod, then holds the stream open (follow=true) until closed. */
async function fakeApi(): Promise<{ kc: KubeConfig; open: () => number }> {
  let open = 0;
  const server = http.createServer((req, res) => {
    open++;
    res.on('close', () => open--);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(`2026-12-04T17:00:00.000000001Z {"event":"start","path":"${req.url?.split('?')[0]}"}\n`);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'u' }],
    currentContext: 'fake',
  });
  return { kc, open: () => open };
}

const runningPod = (i: number): RawPod =>
  ({
    metadata: { name: `proxy-${i}`, uid: `uid-${i}`, labels: { 'app.kubernetes.io/name': 'proxy' } },
    spec: { containers: [{ name: 'proxy' }] },
    status: { containerStatuses: [{ name: 'proxy', restartCount: 0, state: { running: {} } }] },
  }) as unknown as RawPod;

describe('WorkloadLogs', () => {
  it('follows 15 pods at once without a MaxListenersExceededWarning, and stop() ends every stream', async () => {
    const { kc, open } = await fakeApi();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    const pods = new Map(Array.from({ length: 15 }, (_, i) => [`proxy-${i}`, runningPod(i)]));
    const lines: string[] = [];
    const logs = new WorkloadLogs(kc, 'ns', Date.now, (n) => pods.get(n), (r) => lines.push(r.pod), () => undefined);
    try {
      for (const p of pods.values()) logs.onPod(p);
      for (let i = 0; i < 100 && lines.length < 15; i++) await new Promise((r) => setTimeout(r, 20));
      expect(lines.length).toBe(15);
      expect(open()).toBe(15);
    } finally {
      await logs.stop();
      await new Promise((r) => setTimeout(r, 50));
      process.off('warning', onWarning);
    }
    expect(open()).toBe(0);
    expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
  });
});
