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
  // Numeric code ('0', '14'): String() of k6's status would give the Go name ('OK').
  calls.add(1, { grpc_status: String(Number(res.status)) });
  const ok = res.status === grpc.StatusOK;
  checked('grpc ok', ok);
  // A broken channel (UNAVAILABLE) is rebuilt on the next iteration; other statuses are answers.
  if (res.status === grpc.StatusUnavailable) {
    client.close();
    connected = false;
  }
}
