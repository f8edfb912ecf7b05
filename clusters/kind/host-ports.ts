// extraPortMappings bind 127.0.0.1:<port> on the host; a port another cluster (or anything else)
// holds makes `kind create` fail half-way. Check first, and name the ports.
import { createServer } from 'node:net';

function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Ports of `ports` already bound on 127.0.0.1. */
export async function busyLoopbackPorts(ports: readonly number[]): Promise<number[]> {
  const busy: number[] = [];
  for (const p of ports) if (!(await free(p))) busy.push(p);
  return busy;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * After deleting a cluster, its node containers may still be stopping and holding their
 * published ports for a few seconds (seen: all of 30080–30099 "in use" right after the delete).
 * Wait until none of `ports` is bound or `timeoutMs` passes; returns the ports still busy.
 */
export async function waitForLoopbackPorts(
  ports: readonly number[],
  opts: { timeoutMs: number; pollMs?: number; busy?: (ports: readonly number[]) => Promise<number[]> },
): Promise<{ busy: number[]; waitedMs: number }> {
  const check = opts.busy ?? busyLoopbackPorts;
  const started = Date.now();
  let busy = await check(ports);
  while (busy.length > 0 && Date.now() - started < opts.timeoutMs) {
    await sleep(opts.pollMs ?? 500);
    busy = await check(busy);
  }
  return { busy, waitedMs: Date.now() - started };
}
