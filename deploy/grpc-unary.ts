// A minimal gRPC unary client over node:http2 for the contract tests: enough for
// EchoService/Echo and grpc.health.v1.Health/Check (messages with one field), no dependency.
import { connect } from 'node:http2';

/** Protobuf: field 1 as a length-delimited string. */
export function encodeStringField1(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([0x0a]), varint(body.length), body]);
}

/** Protobuf: field 1 as a varint (an enum), or 0 when absent. */
export function decodeVarintField1(b: Buffer): number {
  if (b.length === 0) return 0;
  if (b[0] !== 0x08) throw new Error(`field 1 varint expected, got tag 0x${b[0]?.toString(16)}`);
  return readVarint(b, 1).value;
}

export function decodeStringField1(b: Buffer): string {
  if (b.length === 0) return '';
  if (b[0] !== 0x0a) throw new Error(`field 1 string expected, got tag 0x${b[0]?.toString(16)}`);
  const { value: len, next } = readVarint(b, 1);
  return b.subarray(next, next + len).toString('utf8');
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n >>>= 7; }
  out.push(n);
  return Buffer.from(out);
}

function readVarint(b: Buffer, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  for (let i = at; i < b.length; i++) {
    value |= (b[i]! & 0x7f) << shift;
    if ((b[i]! & 0x80) === 0) return { value, next: i + 1 };
    shift += 7;
  }
  throw new Error('truncated varint');
}

export interface UnaryResult { status: number; message: string; body: Buffer }

/** One unary call; resolves with grpc-status and the response message bytes. */
export function grpcUnary(authority: string, method: string, message: Buffer, timeoutMs = 5000): Promise<UnaryResult> {
  return new Promise((resolve, reject) => {
    const session = connect(authority);
    const timer = setTimeout(() => { session.destroy(); reject(new Error(`${method}: no answer in ${timeoutMs} ms`)); }, timeoutMs);
    session.on('error', (e) => { clearTimeout(timer); reject(e); });
    const req = session.request({ ':method': 'POST', ':path': method, 'content-type': 'application/grpc', te: 'trailers' });
    const frame = Buffer.alloc(5 + message.length);
    frame.writeUInt8(0, 0);
    frame.writeUInt32BE(message.length, 1);
    message.copy(frame, 5);
    const chunks: Buffer[] = [];
    let trailers: Record<string, unknown> = {};
    let headers: Record<string, unknown> = {};
    req.on('response', (h) => { headers = h; });
    req.on('trailers', (t) => { trailers = t; });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      clearTimeout(timer);
      session.close();
      const all = Buffer.concat(chunks);
      const status = Number(trailers['grpc-status'] ?? headers['grpc-status'] ?? -1);
      const msg = String(trailers['grpc-message'] ?? headers['grpc-message'] ?? '');
      resolve({ status, message: msg, body: all.length >= 5 ? all.subarray(5, 5 + all.readUInt32BE(1)) : Buffer.alloc(0) });
    });
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.end(frame);
  });
}
