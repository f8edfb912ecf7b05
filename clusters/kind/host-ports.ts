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
