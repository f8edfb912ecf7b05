import { describe, expect, it } from 'vitest';
import { EndpointView, type RawEndpointSlice } from './endpoint-transitions.ts';

function slice(rv: string, eps: { pod: string; ip: string; ready?: boolean; serving?: boolean; terminating?: boolean }[], name = 'web-abc'): RawEndpointSlice {
  return {
    metadata: { name, namespace: 'kch-t', uid: `uid-${name}`, resourceVersion: rv, labels: { 'kubernetes.io/service-name': 'web' }, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2026-11-25T12:01:00Z' } },
    endpoints: eps.map((e) => ({ addresses: [e.ip], targetRef: { kind: 'Pod', name: e.pod }, conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating } })),
  };
}

describe('EndpointView', () => {
  it('records ready -> terminating -> removed for a killed pod, and nothing for the untouched one', () => {
    const v = new EndpointView('kch-t');
    const a = { pod: 'a', ip: '192.0.2.1', ready: true, serving: true, terminating: false };
    const b = { pod: 'b', ip: '192.0.2.2', ready: true, serving: true, terminating: false };
    const s1 = slice('1', [a, b]);
    const first = v.change(undefined, s1, false, 1);
    expect(first.map((r) => [r.pod, r.ready, r.removed])).toEqual([['a', true, false], ['b', true, false]]);
    const s2 = slice('2', [a, { ...b, ready: false, serving: true, terminating: true }]);
    const second = v.change(s1, s2, false, 2);
    expect(second).toEqual([{ kind: 'endpoint', at: 2, namespace: 'kch-t', service: 'web', pod: 'b', ip: '192.0.2.2', ready: false, serving: true, terminating: true, removed: false, objectTime: Date.parse('2026-11-25T12:01:00Z') }]);
    const s3 = slice('3', [a]);
    const third = v.change(s2, s3, false, 3);
    expect(third.map((r) => [r.pod, r.removed, r.terminating])).toEqual([['b', true, true]]);
    expect(v.change(s3, slice('4', [a]), false, 4)).toEqual([]);
  });

  it('reads nil conditions as the API defines them (ready nil = true, serving nil = ready)', () => {
    const v = new EndpointView('kch-t');
    const out = v.change(undefined, slice('1', [{ pod: 'a', ip: '192.0.2.1' }]), false, 1);
    expect(out[0]).toMatchObject({ ready: true, serving: true, terminating: false });
  });

  it('an endpoint moving between two slices of one Service is not reported removed', () => {
    const v = new EndpointView('kch-t');
    const a = { pod: 'a', ip: '192.0.2.1', ready: true };
    const s1 = slice('1', [a], 'one');
    v.change(undefined, s1, false, 1);
    const s2 = slice('2', [a], 'two');
    expect(v.change(undefined, s2, false, 2)).toEqual([]);
    expect(v.change(s1, s1, true, 3)).toEqual([]);
  });
});
