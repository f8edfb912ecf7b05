import { describe, expect, it } from 'vitest';
import { decodeStringField1, decodeVarintField1, encodeStringField1 } from './grpc-unary.ts';

describe('grpc-unary protobuf framing', () => {
  it('encodes field 1 as a length-delimited string (protoc: 0a 05 68 65 6c 6c 6f)', () => {
    expect(encodeStringField1('hello').toString('hex')).toBe('0a0568656c6c6f');
  });
  it('round-trips strings longer than one varint byte', () => {
    const long = 'x'.repeat(300);
    expect(encodeStringField1(long).subarray(0, 3).toString('hex')).toBe('0aac02');
    expect(decodeStringField1(encodeStringField1(long))).toBe(long);
  });
  it('reads the health status enum (SERVING = 1) and empty messages as 0', () => {
    expect(decodeVarintField1(Buffer.from([0x08, 0x01]))).toBe(1);
    expect(decodeVarintField1(Buffer.alloc(0))).toBe(0);
    expect(() => decodeVarintField1(Buffer.from([0x0a, 0x00]))).toThrow(/field 1 varint expected/);
  });
});
