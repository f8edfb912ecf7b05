// The NodePort pre-check: which 127.0.0.1 ports are held, and the bounded wait after a delete.
import { describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { busyLoopbackPorts, waitForLoopbackPorts } from './host-ports.ts';

describe('busyLoopbackPorts', () => {
  it('names the ports something holds on 127.0.0.1 and only those', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, r));
    const held = (server.address() as AddressInfo).port;
    try {
      const probe = createServer();
      await new Promise<void>((r) => probe.listen({ host: '127.0.0.1', port: 0 }, r));
      const freed = (probe.address() as AddressInfo).port;
      await new Promise<void>((r) => probe.close(() => r()));
      expect(await busyLoopbackPorts([held, freed])).toEqual([held]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('waitForLoopbackPorts', () => {
  it('waits until the deleted cluster releases its ports, re-checking only those still busy', async () => {
    const answers = [[30080, 30081], [30081], []];
    const asked: number[][] = [];
    const r = await waitForLoopbackPorts([30080, 30081, 30082], {
      timeoutMs: 5_000,
      pollMs: 1,
      busy: async (ports) => {
        asked.push([...ports]);
        return answers.shift() ?? [];
      },
    });
    expect(r.busy).toEqual([]);
    expect(asked).toEqual([[30080, 30081, 30082], [30080, 30081], [30081]]);
  });

  it('gives up after its bound and names the ports still held', async () => {
    const r = await waitForLoopbackPorts([30080], { timeoutMs: 30, pollMs: 5, busy: async (ports) => [...ports] });
    expect(r.busy).toEqual([30080]);
    expect(r.waitedMs).toBeGreaterThanOrEqual(30);
  });

  it('returns at once when the ports are free', async () => {
    const r = await waitForLoopbackPorts([30080], { timeoutMs: 10_000, busy: async () => [] });
    expect(r).toMatchObject({ busy: [] });
    expect(r.waitedMs).toBeLessThan(1000);
  });
});
