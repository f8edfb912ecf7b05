// HTTP 200 + WebSocket echo on 127.0.0.1:$PORT, for the load tests. Prints JSON lines:
// {"event":"listening"} then, on SIGTERM, {"event":"exit", counters}. Exits by itself after LIFETIME_S.
import http from 'node:http';
import http2 from 'node:http2';
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT);
const goingAwayEvery = Number(process.env.WS_GOING_AWAY_EVERY ?? 0);
const dropEvery = Number(process.env.WS_DROP_EVERY ?? 0);
const closeAfterMs = Number(process.env.CLOSE_AFTER_MS ?? 1500);
const grpcPort = Number(process.env.GRPC_PORT ?? 0);
const grpcFailEvery = Number(process.env.GRPC_FAIL_EVERY ?? 0);
const counts = { requests: 0, wsSessions: 0, wsGoingAway: 0, wsDropped: 0, grpcOk: 0, grpcFailed: 0 };

const server = http.createServer((req, res) => {
  counts.requests += 1;
  res.end('ok');
});
const wss = new WebSocketServer({ server });
wss.on('connection', (ws, req) => {
  counts.wsSessions += 1;
  const n = counts.wsSessions;
  ws.on('message', (m, binary) => ws.send(binary ? m : m.toString()));
  if (goingAwayEvery > 0 && n % goingAwayEvery === 1 % goingAwayEvery) {
    setTimeout(() => {
      if (ws.readyState !== ws.OPEN) return;
      counts.wsGoingAway += 1;
      ws.close(1001, 'going away');
    }, closeAfterMs);
  } else if (dropEvery > 0 && n % dropEvery === 2 % dropEvery) {
    setTimeout(() => {
      if (ws.readyState !== ws.OPEN) return;
      counts.wsDropped += 1;
      req.socket.destroy();
    }, closeAfterMs);
  }
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ event: 'listening', port })}\n`));
// gRPC over cleartext HTTP/2 (prior knowledge), unary EchoService/Echo: the request's
// length-prefixed message comes back as is; every GRPC_FAIL_EVERY-th call answers INTERNAL (13).
if (grpcPort > 0) {
  const h2 = http2.createServer();
  h2.on('stream', (stream, headers) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      if (headers[':path'] !== '/ephemos.echo.v1.EchoService/Echo') {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
        return;
      }
      const n = counts.grpcOk + counts.grpcFailed + 1;
      if (grpcFailEvery > 0 && n % grpcFailEvery === 0) {
        counts.grpcFailed += 1;
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '13', 'grpc-message': 'injected' }, { endStream: true });
        return;
      }
      counts.grpcOk += 1;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.concat(chunks));
    });
  });
  h2.listen(grpcPort, '127.0.0.1');
}
const exit = () => {
  process.stdout.write(`${JSON.stringify({ event: 'exit', ...counts })}\n`);
  process.exit(0);
};
process.on('SIGTERM', exit);
setTimeout(exit, Number(process.env.LIFETIME_S ?? 120) * 1000).unref();
