// A free TCP port on 127.0.0.1, asked of the kernel (bind to 0). Another process may take it
// before the caller binds; callers that spawn servers retry on "address in use".
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('freePort: the kernel gave no port'))));
    });
  });
}
