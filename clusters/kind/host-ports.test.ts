import { describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { busyLoopbackPorts } from './host-ports.ts';

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
