// The NodePort warm-up: connects only, to loopback only, bounded; a port that starts listening
// late settles once it accepts several connects in a row, a closed one is named after the bound.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../base/free-port.ts';
import { targetAddress, waitTargetsAccept } from './targets.ts';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

describe('waitTargetsAccept', () => {
  it('reads host and port from every target form', () => {
    expect(targetAddress('http://127.0.0.1:30080/')).toEqual({ host: '127.0.0.1', port: 30080 });
    expect(targetAddress('ws://127.0.0.1:30081/ws')).toEqual({ host: '127.0.0.1', port: 30081 });
    expect(targetAddress('127.0.0.1:30082')).toEqual({ host: '127.0.0.1', port: 30082 });
  });

  it('waits for a port that starts listening late, and names one that never does', async () => {
    const late = await freePort();
    const never = await freePort();
    setTimeout(() => {
      const s = createServer((c) => c.destroy()).listen(late, '127.0.0.1');
      servers.push(s);
    }, 500);
    const t0 = Date.now();
    expect(await waitTargetsAccept({ http: `http://127.0.0.1:${late}/` }, { boundMs: 5000 })).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    expect(await waitTargetsAccept({ grpc: `127.0.0.1:${never}` }, { boundMs: 800 })).toEqual([`127.0.0.1:${never}`]);
  });

  it('refuses a target off loopback', async () => {
    await expect(waitTargetsAccept({ http: 'http://198.51.100.7:80/' }, { boundMs: 100 })).rejects.toThrow(/not on loopback/);
  });
});
