// --load-from and the runner pods: default host, cluster sizes pods from a per-pod rate budget,
// shards follow the pods, the plan page says where load comes from and why.
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../scenarios/index.ts';
import { UsageError } from '../base/errors.ts';
import { formatPlan } from './format.ts';
import { MAX_RUNNER_PODS, RUNNER_BUDGET, chooseLoadFrom, planRunners, resolvePlan, runnerCpu, type ResolveOptions } from './resolve.ts';

const KIND: ResolveOptions = { provider: { name: 'kind', reason: 'test' }, cores: 2 };

describe('--load-from', () => {
  it('defaults to host on kind and to cluster on an existing cluster, saying why', () => {
    expect(chooseLoadFrom(undefined, 'kind')).toMatchObject({ loadFrom: 'host', reason: expect.stringMatching(/NodePorts on 127\.0\.0\.1/) });
    expect(chooseLoadFrom(undefined, 'existing')).toMatchObject({ loadFrom: 'cluster', reason: expect.stringMatching(/only to loopback/) });
    expect(chooseLoadFrom('cluster', 'kind')).toEqual({ loadFrom: 'cluster', reason: '--load-from cluster' });
    expect(() => chooseLoadFrom('pods' as 'host', 'kind')).toThrow(/--load-from 'pods'; valid: host, cluster/);
  });

  it('sizes runner pods as ceil(peak / per-pod rate), at least 1, with the provider budget', () => {
    expect(planRunners(784, 'kind')).toEqual({
      pods: 1,
      perPodRate: RUNNER_BUDGET.kind.perPodRate,
      perPodRateReason: expect.stringMatching(/kind default/),
      requests: { cpu: '200m', memory: '256Mi' },
      cpuReason: '250m per 1,000 req/s × 784 req/s carried',
      limits: { memory: '1Gi' },
    });
    expect(planRunners(0, 'kind').pods).toBe(1);
    expect(planRunners(2001, 'kind', 1000)).toMatchObject({ pods: 3, perPodRate: 1000, perPodRateReason: '--per-pod-rate 1000' });
    expect(planRunners(100_000, 'existing')).toMatchObject({ pods: 20, requests: { cpu: '1000m', memory: '512Mi' } });
    expect(() => planRunners(100, 'kind', 0)).toThrow(UsageError);
    expect(() => planRunners(100_000, 'kind', 10)).toThrow(new RegExp(`at most ${MAX_RUNNER_PODS}`));
  });

  it("asks for CPU in proportion to the rate a runner carries, rounded up to 10m, at least 100m", () => {
    expect(runnerCpu('1', 5000, 800)).toBe('160m');
    expect(runnerCpu('1', 5000, 5000)).toBe('1000m');
    expect(runnerCpu('250m', 1000, 784)).toBe('200m');
    expect(runnerCpu('250m', 1000, 300)).toBe('100m');
    expect(runnerCpu('1', 5000, 0)).toBe('100m');
    expect(runnerCpu('1', 5000, 20_000)).toBe('4000m');
    // an 800 req/s runner on an existing cluster: what the KEDA test's one worker can still fit beside 6 proxy pods
    expect(planRunners(800, 'existing')).toMatchObject({ pods: 1, requests: { cpu: '160m' }, cpuReason: '1 core per 5,000 req/s × 800 req/s carried' });
    expect(planRunners(800, 'existing', 200)).toMatchObject({ pods: 4, requests: { cpu: '100m' }, cpuReason: expect.stringMatching(/at least 100m$/) });
  });

  it('host plans keep their shards; cluster plans have one shard per runner pod, split exactly', async () => {
    const s = (await loadCatalogue()).get('proxy-rollout')!;
    const host = resolvePlan(s, KIND);
    expect(host.loadFrom).toBe('host');
    expect(host.runners).toBeNull();
    const cluster = resolvePlan(s, { ...KIND, loadFrom: 'cluster', perPodRate: 300 });
    expect(cluster.runners!.pods).toBe(Math.ceil(cluster.load.peakRate / 300));
    expect(cluster.shards).toBe(cluster.runners!.pods);
    expect(cluster.load.http!.perShardPeak * cluster.shards).toBeCloseTo(host.load.http!.perShardPeak * host.shards, 9);
    expect(() => resolvePlan(s, { ...KIND, perPodRate: 300 })).toThrow(/--per-pod-rate .* goes with --load-from cluster/);
  });

  it('the plan page says where load comes from, why, and what each runner pod asks for', async () => {
    const s = (await loadCatalogue()).get('proxy-rollout')!;
    const text = formatPlan(resolvePlan(s, { ...KIND, loadFrom: 'cluster', perPodRate: 300 }));
    expect(text).toMatch(/load from cluster — --load-from cluster/);
    expect(text).toMatch(/k6 runner pod\(s\) in the run's namespace \(peak [\d,]+ req\/s ÷ 300 req\/s per pod, rounded up; --per-pod-rate 300\); each requests cpu 100m \(250m per 1,000 req\/s × 267 req\/s carried, at least 100m\), memory 256Mi, memory limit 1Gi/);
    expect(formatPlan(resolvePlan(s, KIND))).toMatch(/load from host — default on kind/);
  });
});
