import { describe, expect, it } from 'vitest';
import { actionSeed, pickVictims, seededRandom, victimCount } from './seeded-random.ts';
import { evictWithRetry, evictionAnswer, type EvictionAnswer, type EvictionClock } from './eviction.ts';
import { rolloutPatch, RESTARTED_AT } from './rollout.ts';
import { drainable, isWorker } from './node-drain.ts';
import { busiestWorker, harnessPodsOn } from './node-choice.ts';
import type { V1Node, V1Pod } from '@kubernetes/client-node';

const pods = ['p-x', 'p-a', 'p-q', 'p-m', 'p-c'].map((name, i) => ({ name, createdAt: 1000 + i * 10 }));

describe('victim selection', () => {
  it('same seed and id, same victims; names do not matter, creation order does', () => {
    const a = pickVictims(pods, 2, 'random', seededRandom(actionSeed(42, 'kill@60s')));
    const b = pickVictims(pods, 2, 'random', seededRandom(actionSeed(42, 'kill@60s')));
    expect(a).toEqual(b);
    // Same positions in a rerun whose pods got new names.
    const renamed = pods.map((p, i) => ({ ...p, name: `r-${'edcba'[i]}` }));
    const c = pickVictims(renamed, 2, 'random', seededRandom(actionSeed(42, 'kill@60s')));
    expect(c.map((n) => renamed.findIndex((p) => p.name === n))).toEqual(a.map((n) => pods.findIndex((p) => p.name === n)));
  });
  it('another seed picks otherwise for at least one of several seeds', () => {
    const base = pickVictims(pods, 2, 'random', seededRandom(actionSeed(1, 'k'))).join();
    const others = [2, 3, 4, 5, 6].map((s) => pickVictims(pods, 2, 'random', seededRandom(actionSeed(s, 'k'))).join());
    expect(others.some((o) => o !== base)).toBe(true);
  });
  it('oldest and newest by creation time', () => {
    expect(pickVictims(pods, 2, 'oldest', () => 0)).toEqual(['p-x', 'p-a']);
    expect(pickVictims(pods, 1, 'newest', () => 0)).toEqual(['p-c']);
  });
  it('count, percent (rounded up), default one, capped at what exists', () => {
    expect(victimCount(5, { count: 2 })).toBe(2);
    expect(victimCount(5, { percent: 30 })).toBe(2);
    expect(victimCount(5, {})).toBe(1);
    expect(victimCount(1, { count: 3 })).toBe(1);
  });
  it('random draws are in [0,1) and deterministic', () => {
    const r = seededRandom(7);
    const xs = Array.from({ length: 1000 }, r);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom(7)()).toBe(xs[0]);
  });
});

function fakeClock(start = 0): EvictionClock & { t: number } {
  const c = { t: start, now: () => c.t, sleep: async (ms: number) => { c.t += ms; } };
  return c;
}

describe('evictWithRetry', () => {
  it('records every PDB refusal with its time and retries every 5 s until accepted', async () => {
    const clock = fakeClock(1000);
    const answers: Record<string, EvictionAnswer[]> = {
      a: [{ kind: 'evicted' }],
      b: [evictionAnswer(429, 'Cannot evict pod as it would violate the pod\'s disruption budget.'), evictionAnswer(429, 'again'), { kind: 'evicted' }],
    };
    const out = await evictWithRetry(['a', 'b'], async (p) => answers[p]!.shift()!, { deadlineAt: 60_000, clock });
    expect(out.evicted.sort()).toEqual(['a', 'b']);
    expect(out.refused.map((r) => [r.pod, r.at])).toEqual([['b', 1000], ['b', 6000]]);
    expect(out.refused[0]!.message).toMatch(/disruption budget/);
    expect(out.pending).toEqual([]);
  });
  it('gives up at the deadline and says which pods are still refused', async () => {
    const clock = fakeClock(0);
    const out = await evictWithRetry(['b'], async () => evictionAnswer(429, 'pdb'), { deadlineAt: 12_000, clock });
    expect(out.refused.map((r) => r.at)).toEqual([0, 5000, 10000]);
    expect(out.pending).toEqual(['b']);
  });
  it('404 is gone, other errors fail without retry', async () => {
    const clock = fakeClock(0);
    const out = await evictWithRetry(['g', 'f'], async (p) => (p === 'g' ? evictionAnswer(404, 'not found') : evictionAnswer(500, 'multiple PDBs')), { deadlineAt: 1e6, clock });
    expect(out.gone).toEqual(['g']);
    expect(out.failed).toEqual([{ pod: 'f', message: '500: multiple PDBs' }]);
  });
});

describe('rollout patches', () => {
  it('restart sets the template annotation kubectl sets', () => {
    const { patch } = rolloutPatch('restart', 'web', Date.parse('2026-11-25T12:00:00Z'));
    expect(patch).toEqual({ spec: { template: { metadata: { annotations: { [RESTARTED_AT]: '2026-11-25T12:00:00.000Z' } } } } });
  });
  it('env and image change the named container', () => {
    expect(rolloutPatch({ env: { A: '1' } }, 'web', 0).patch).toEqual({ spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'A', value: '1' }] }] } } } });
    expect(rolloutPatch({ image: 'x:2' }, 'web', 0).patch).toEqual({ spec: { template: { spec: { containers: [{ name: 'web', image: 'x:2' }] } } } });
  });
});

describe('drain selection', () => {
  it('evicts only live pods of allowed namespaces, never DaemonSet or mirror pods', () => {
    const p = (name: string, ns: string, extra: Partial<V1Pod['metadata']> = {}, phase = 'Running'): V1Pod => ({ metadata: { name, namespace: ns, ...extra }, status: { phase } });
    const list = [
      p('web-1', 'kch-a'),
      p('dns', 'kube-system'),
      p('ds-1', 'kch-a', { ownerReferences: [{ kind: 'DaemonSet', name: 'ds', apiVersion: 'apps/v1', uid: 'x' }] }),
      p('mirror', 'kch-a', { annotations: { 'kubernetes.io/config.mirror': 'abc' } }),
      p('done', 'kch-a', {}, 'Succeeded'),
      p('kch-k6-runner-0', 'kch-a', { labels: { 'kube-chaos-harness/role': 'load-runner' } }),
    ];
    expect(drainable(list, ['kch-a']).map((x) => x.metadata?.name)).toEqual(['web-1']);
  });
  it('a node failure picks the busiest worker without the harness\'s pods; a drain weighs only workload pods', () => {
    const on = (name: string, node: string, role?: string): V1Pod => ({
      metadata: { name, labels: role ? { 'kube-chaos-harness/role': role } : {} },
      spec: { nodeName: node, containers: [] },
      status: { phase: 'Running' },
    });
    const pods = [on('web-1', 'w1'), on('web-2', 'w1'), on('web-3', 'w2'), on('kch-k6-runner-0', 'w1', 'load-runner'), on('r1', 'w2', 'load-runner'), on('r2', 'w2', 'load-runner')];
    expect(busiestWorker(['w1', 'w2'], pods, false)).toBe('w1');
    expect(busiestWorker(['w1', 'w2', 'w3'], pods, true)).toBe('w3');
    expect(busiestWorker(['w1', 'w2'], pods, true)).toBeNull();
    expect(harnessPodsOn('w2', pods)).toEqual(['r1', 'r2']);
    expect(busiestWorker(['w2', 'w1'], [on('a', 'w1'), on('b', 'w2')], false)).toBe('w1');
  });
  it('control-plane nodes are not workers', () => {
    const n = (labels: Record<string, string>): V1Node => ({ metadata: { name: 'n', labels } });
    expect(isWorker(n({ 'node-role.kubernetes.io/control-plane': '' }))).toBe(false);
    expect(isWorker(n({}))).toBe(true);
  });
});
