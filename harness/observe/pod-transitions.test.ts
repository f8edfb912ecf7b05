import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { podTransitions, type RawPod } from './pod-transitions.ts';

const states = (JSON.parse(readFileSync(new URL('./fixtures/pod-kill-sequence.json', import.meta.url), 'utf8')) as { states: RawPod[] }).states;

describe('podTransitions', () => {
  it('turns a recorded graceful kill into the lifecycle, in order, with the object times', () => {
    const out = [];
    let prev: RawPod | undefined;
    for (const s of states) {
      out.push(...podTransitions(prev, s, false, 1));
      prev = s;
    }
    out.push(...podTransitions(prev, prev!, true, 2));
    expect(out.map((r) => r.transition)).toEqual(['created', 'scheduled', 'containerStarted', 'ready', 'deleting', 'notReady', 'containerTerminated', 'deleted']);
    const deleting = out.find((r) => r.transition === 'deleting')!;
    // deletionTimestamp 12:01:30 is the deadline; the request was 30 s before.
    expect(deleting.gracePeriodS).toBe(30);
    expect(deleting.objectTime).toBe(Date.parse('2026-11-25T12:01:00Z'));
    const term = out.find((r) => r.transition === 'containerTerminated')!;
    expect(term).toMatchObject({ container: 'web', exitCode: 0, reason: 'Completed', objectTime: Date.parse('2026-11-25T12:01:05Z'), node: 'w1', workload: 'web' });
    expect(out.find((r) => r.transition === 'ready')!.objectTime).toBe(Date.parse('2026-11-25T12:00:04Z'));
  });

  it('a resync of the same state records nothing', () => {
    expect(podTransitions(states[2], states[2]!, false, 1)).toEqual([]);
  });

  it('a jump over missed states (relist) still yields every transition between them', () => {
    const out = podTransitions(states[2], states[5]!, false, 1).map((r) => r.transition);
    expect(out).toEqual(['deleting', 'notReady', 'containerTerminated']);
  });

  it('a restart records the new start and the previous instance termination once', () => {
    const running = states[2]!;
    const restarted: RawPod = structuredClone(running);
    restarted.metadata!.resourceVersion = '300';
    restarted.status!.containerStatuses = [{
      name: 'web', restartCount: 1,
      state: { running: { startedAt: '2026-11-25T12:05:00Z' } },
      lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2026-11-25T12:00:02Z', finishedAt: '2026-11-25T12:04:59Z', containerID: 'containerd://aa' } },
    }];
    const out = podTransitions(running, restarted, false, 1);
    expect(out.map((r) => [r.transition, r.exitCode])).toEqual([['containerStarted', undefined], ['containerTerminated', 137]]);
    expect(podTransitions(restarted, { ...restarted, metadata: { ...restarted.metadata, resourceVersion: '301' } }, false, 1)).toEqual([]);
  });
});
