import { describe, expect, it } from 'vitest';
import { mapFailureCause } from './failure-cause.ts';

describe('mapFailureCause', () => {
  it('a response status decides first', () => {
    expect(mapFailureCause('503', undefined)).toBe('http5xx');
    expect(mapFailureCause(500, '1000')).toBe('http5xx');
    expect(mapFailureCause('404', '')).toBe('http4xx');
    expect(mapFailureCause(429, undefined)).toBe('http4xx');
  });
  it('with no response, k6 error codes name the cause', () => {
    expect(mapFailureCause('0', '1212')).toBe('refused');
    expect(mapFailureCause(0, 1210)).toBe('refused');
    expect(mapFailureCause('0', '1220')).toBe('reset');
    expect(mapFailureCause('0', '1201')).toBe('reset');
    expect(mapFailureCause('0', '1050')).toBe('timeout');
    expect(mapFailureCause('0', '1211')).toBe('timeout');
    // "EOF": the server closed a kept-alive connection mid-request.
    expect(mapFailureCause('0', '1000')).toBe('reset');
  });
  it('anything else is other, never a guess', () => {
    expect(mapFailureCause('0', '1101')).toBe('other'); // DNS no such host
    expect(mapFailureCause('0', '1310')).toBe('other'); // x509
    expect(mapFailureCause(undefined, undefined)).toBe('other');
    expect(mapFailureCause('200', undefined)).toBe('other');
    expect(mapFailureCause('0', 'x')).toBe('other');
  });
});
