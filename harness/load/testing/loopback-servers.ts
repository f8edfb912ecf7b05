// Real servers on 127.0.0.1 for the load tests: an HTTP + WebSocket echo server run as a child
// process (so a test can SIGKILL it like a crashed pod), with scripted WebSocket closes.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVER_SCRIPT = fileURLToPath(new URL('./echo-server.mjs', import.meta.url));

export interface EchoServerOptions {
  port: number;
  /** Every Nth WebSocket session (1-based: n % every === 1) is closed by the server with 1001 after closeAfterMs. */
  wsGoingAwayEvery?: number;
  /** Every Nth session (n % every === 2) has its TCP socket destroyed (client sees 1006) after closeAfterMs. */
  wsDropEvery?: number;
  closeAfterMs?: number;
  /** Also serve gRPC EchoService on this port (cleartext HTTP/2). */
  grpcPort?: number;
  /** Every Nth gRPC call answers INTERNAL (13). */
  grpcFailEvery?: number;
  /** Hard lifetime (s): the child exits on its own even if the test dies. */
  lifetimeS: number;
}

export interface EchoServerCounts {
  requests: number;
  wsSessions: number;
  wsGoingAway: number;
  wsDropped: number;
  grpcOk: number;
  grpcFailed: number;
}

export interface RunningEchoServer {
  port: number;
  /** SIGKILL: no FIN for in-flight requests, the port refuses at once. */
  kill(): Promise<void>;
  /** SIGTERM and wait; returns the server's own counters. */
  stop(): Promise<EchoServerCounts | null>;
  child: ChildProcess;
}

export function startEchoServer(o: EchoServerOptions): Promise<RunningEchoServer> {
  const child = spawn(process.execPath, [SERVER_SCRIPT], {
    env: {
      ...process.env,
      PORT: String(o.port),
      WS_GOING_AWAY_EVERY: String(o.wsGoingAwayEvery ?? 0),
      WS_DROP_EVERY: String(o.wsDropEvery ?? 0),
      CLOSE_AFTER_MS: String(o.closeAfterMs ?? 1500),
      LIFETIME_S: String(o.lifetimeS),
      GRPC_PORT: String(o.grpcPort ?? 0),
      GRPC_FAIL_EVERY: String(o.grpcFailEvery ?? 0),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`echo server on 127.0.0.1:${o.port} did not start in 10 s`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('"event":"listening"')) {
        clearTimeout(timer);
        resolve({
          port: o.port,
          child,
          async kill() {
            child.kill('SIGKILL');
            await exited;
          },
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            await exited;
            const line = out.split('\n').find((l) => l.includes('"event":"exit"'));
            return line ? (JSON.parse(line) as EchoServerCounts) : null;
          },
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`echo server exited ${code} before listening: ${out}`));
    });
  });
}
