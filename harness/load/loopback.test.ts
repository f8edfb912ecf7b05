import { describe, expect, it } from 'vitest';
import { assertLoopbackTargets, isLoopbackHost } from './loopback.ts';

describe('loopback guard', () => {
  it('accepts 127.0.0.0/8, ::1 and localhost in URLs and host:port', () => {
    expect(() =>
      assertLoopbackTargets({ http: 'http://127.0.0.1:8080/', ws: 'ws://localhost:30085/ws', grpc: '127.3.2.1:30082', v6: 'http://[::1]:80/', v6grpc: '[::1]:9000' }),
    ).not.toThrow();
    expect(isLoopbackHost('127.255.255.254')).toBe(true);
  });
  it('refuses anything else, naming the field', () => {
    expect(() => assertLoopbackTargets({ '--target': 'http://192.0.2.5/' })).toThrow(/--target target 'http:\/\/192.0.2.5\/' is not on loopback/);
    expect(() => assertLoopbackTargets({ grpc: 'example.com:443' })).toThrow(/grpc target/);
    expect(() => assertLoopbackTargets({ http: 'http://128.0.0.1/' })).toThrow(/not on loopback/);
    expect(() => assertLoopbackTargets({ http: 'http://127.0.0.1.evil.test/' })).toThrow(/not on loopback/);
    expect(isLoopbackHost('::2')).toBe(false);
  });
  it('lets the caller vouch for its own hosts (pods of a cluster it manages)', () => {
    expect(() => assertLoopbackTargets({ http: 'http://198.51.100.7:8080/' }, ['198.51.100.7'])).not.toThrow();
  });
  it('says which field is malformed', () => {
    expect(() => assertLoopbackTargets({ grpc: 'no-port' })).toThrow(/grpc: 'no-port' is neither a URL nor host:port/);
  });
});
