import { describe, expect, it } from 'vitest';
import { hpaRecords, type RawHpa } from './hpa-records.ts';
import { eventRecords, type RawEvent } from './event-records.ts';
import { rolloutRecords, type RawWorkload } from './rollout-records.ts';
import { parseQuantity } from './quantity.ts';
import { podMetricsRecords } from './pod-metrics.ts';
import { jsonLine, splitTimestamp, followedContainer } from './workload-logs.ts';

const hpa = (rv: string, current: number, desired: number, cpu: number): RawHpa => ({
  metadata: { name: 'web', namespace: 'kch-t', resourceVersion: rv },
  status: {
    currentReplicas: current,
    desiredReplicas: desired,
    lastScaleTime: '2026-11-25T12:00:10Z',
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cpu, averageValue: '180m' } } }],
    conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', lastTransitionTime: '2026-11-25T12:00:20Z' }],
  },
});

describe('hpaRecords', () => {
  it('records replicas, metric percent, conditions and lastScaleTime; a resync adds nothing', () => {
    const [r] = hpaRecords(undefined, hpa('1', 2, 4, 93), false, 5);
    expect(r).toMatchObject({ kind: 'hpa', name: 'web', currentReplicas: 2, desiredReplicas: 4, metrics: { cpu: 93 }, lastScaleTime: Date.parse('2026-11-25T12:00:10Z'), objectTime: Date.parse('2026-11-25T12:00:20Z') });
    expect(r!.conditions).toEqual([{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }]);
    expect(hpaRecords(hpa('1', 2, 4, 93), hpa('2', 2, 4, 93), false, 6)).toEqual([]);
    expect(hpaRecords(hpa('2', 2, 4, 93), hpa('3', 4, 4, 61), false, 7)).toHaveLength(1);
  });
  it('pods metrics are read as quantities', () => {
    const h: RawHpa = { metadata: { name: 'x' }, status: { currentMetrics: [{ type: 'Pods', pods: { metric: { name: 'rps' }, current: { averageValue: '1500m' } } }] } };
    expect(hpaRecords(undefined, h, false, 1)[0]!.metrics).toEqual({ rps: 1.5 });
  });
});

describe('eventRecords', () => {
  const ev = (rv: string, count: number): RawEvent => ({
    metadata: { name: 'web.1', namespace: 'kch-t', resourceVersion: rv },
    reason: 'SuccessfulRescale', message: 'New size: 4; reason: cpu resource utilization (percentage of request) above target', type: 'Normal', count,
    involvedObject: { kind: 'HorizontalPodAutoscaler', name: 'web' }, lastTimestamp: '2026-11-25T12:00:10Z',
  });
  it('a new event and each repeat are recorded; an update that does not repeat is not', () => {
    expect(eventRecords(undefined, ev('1', 1), false, 1)[0]).toMatchObject({ reason: 'SuccessfulRescale', involved: { kind: 'HorizontalPodAutoscaler', name: 'web' }, objectTime: Date.parse('2026-11-25T12:00:10Z') });
    expect(eventRecords(ev('1', 1), ev('2', 2), false, 2)).toHaveLength(1);
    expect(eventRecords(ev('2', 2), ev('3', 2), false, 3)).toEqual([]);
    expect(eventRecords(ev('3', 2), ev('3', 2), true, 4)).toEqual([]);
  });
});

describe('rolloutRecords', () => {
  const dep = (rv: string, updated: number, ready: number, gen = 2): RawWorkload => ({
    metadata: { name: 'web', namespace: 'kch-t', resourceVersion: rv, generation: gen },
    spec: { replicas: 3 },
    status: { updatedReplicas: updated, readyReplicas: ready, availableReplicas: ready, observedGeneration: gen },
  });
  it('records when counts move, not on resync', () => {
    expect(rolloutRecords('Deployment', undefined, dep('1', 1, 3), false, 1)[0]).toMatchObject({ object: 'Deployment', desired: 3, updated: 1, ready: 3, available: 3, generation: 2 });
    expect(rolloutRecords('Deployment', dep('1', 1, 3), dep('2', 1, 3), false, 2)).toEqual([]);
    expect(rolloutRecords('Deployment', dep('2', 1, 3), dep('3', 2, 3), false, 3)).toHaveLength(1);
  });
  it('reads DaemonSet counts from their own fields', () => {
    const ds: RawWorkload = { metadata: { name: 'tr', generation: 1 }, status: { desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberReady: 2, numberAvailable: 2 } };
    expect(rolloutRecords('DaemonSet', undefined, ds, false, 1)[0]).toMatchObject({ desired: 3, updated: 1, ready: 2, available: 2 });
  });
});

describe('parseQuantity', () => {
  it.each([['250m', 0.25], ['12345678n', 0.012345678], ['64Mi', 64 * 2 ** 20], ['1G', 1e9], ['2', 2], ['1.5Ki', 1536], ['3e3', 3000]])('%s', (q, v) => {
    expect(parseQuantity(q)).toBeCloseTo(v, 9);
  });
  it('names a bad quantity', () => expect(() => parseQuantity('12 parsecs')).toThrow(/12 parsecs/));
});

describe('podMetricsRecords', () => {
  it('sums containers, and records a pod again only when its sample timestamp moved', () => {
    const seen = new Map<string, string>();
    const items = [{ metadata: { name: 'web-1', namespace: 'kch-t', labels: { 'app.kubernetes.io/name': 'web' } }, timestamp: '2026-11-25T12:00:15Z', containers: [{ name: 'web', usage: { cpu: '150000000n', memory: '10Mi' } }, { name: 'side', usage: { cpu: '5m', memory: '1Mi' } }] }];
    const wl = (_p: string, l?: Record<string, string>) => l?.['app.kubernetes.io/name'] ?? '';
    const [r] = podMetricsRecords(items, seen, wl, 1, 'kch-t');
    expect(r).toMatchObject({ kind: 'podMetrics', pod: 'web-1', workload: 'web', cpuMillis: 155, memoryBytes: 11 * 2 ** 20, objectTime: Date.parse('2026-11-25T12:00:15Z') });
    expect(podMetricsRecords(items, seen, wl, 2, 'kch-t')).toEqual([]);
  });
});

describe('workload log lines', () => {
  it('splits the kubelet timestamp at nanosecond precision', () => {
    const t = splitTimestamp('2026-11-25T12:00:15.000123456Z {"event":"exit","served":10}')!;
    expect(t.sec).toBe(Date.parse('2026-11-25T12:00:15Z') / 1000);
    expect(t.nanos).toBe(123456);
    expect(jsonLine(t.text)).toEqual({ event: 'exit', served: 10 });
    expect(splitTimestamp('2026-11-25T12:00:15.5Z x')!.nanos).toBe(500_000_000);
    expect(jsonLine('plain text')).toBeUndefined();
    expect(jsonLine('[1,2]')).toBeUndefined();
  });
  it('follows the container named like the workload, else the first', () => {
    expect(followedContainer({ metadata: { labels: { 'app.kubernetes.io/name': 'web' } }, spec: { containers: [{ name: 'side' }, { name: 'web' }] } })).toBe('web');
    expect(followedContainer({ metadata: { labels: {} }, spec: { containers: [{ name: 'side' }] } })).toBe('side');
  });
});
