// gRPC stream: one unary Echo per arrival-rate iteration against ephemos.echo.v1.EchoService
// (proto/echo.proto, shared with the stand-in server). Every call is counted by its status so
// the per-second series has gRPC status codes; a failed connect counts as 'connect-error'.
import grpc from 'k6/net/grpc';
import { Counter } from 'k6/metrics';
import { checked } from './checks.ts';
import { readShape } from './load-shape-env.ts';

const shape = readShape().grpc;
const client = new grpc.Client();
// Protos load in the init context only; skip the parse when the plan has no gRPC stream.
if (shape) client.load(['proto'], 'echo.proto');

const calls = new Counter('grpc_reqs');
let connected = false;

export function grpcEcho(): void {
  if (!shape) return;
  const timeout = `${shape.timeoutS}s`;
  if (!connected) {
    try {
      client.connect(shape.addr, { plaintext: true, timeout });
      connected = true;
    } catch {
      calls.add(1, { grpc_status: 'connect-error' });
      checked('grpc ok', false);
      return;
    }
  }
  const res = client.invoke('ephemos.echo.v1.EchoService/Echo', { message: 'ping' }, { timeout });
  calls.add(1, { grpc_status: String(res.status) });
  const ok = res.status === grpc.StatusOK;
  checked('grpc ok', ok);
  // A broken channel is rebuilt on the next iteration.
  if (!ok) {
    client.close();
    connected = false;
  }
}
