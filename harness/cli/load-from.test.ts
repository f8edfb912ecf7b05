// `--load-from` and `--per-pod-rate` as a user meets them: a real process, --plan only (never
// touches a cluster); a wrong value exits 2 naming the flag.
import { describe, expect, it } from 'vitest';
import { scenarioCli as cli } from '../../test/cli/scenario-cli.ts';

describe('npm run scenario --load-from', { timeout: 60_000 }, () => {
  it('cluster: the plan says where load comes from and sizes the runner pods', () => {
    const r = cli('proxy-rollout', '--plan', '--provider', 'kind', '--load-from', 'cluster', '--per-pod-rate', '300');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^load from cluster — --load-from cluster$/m);
    expect(r.stdout).toMatch(/^shards: 3 k6 runner pod\(s\) in the run's namespace \(peak 800 req\/s ÷ 300 req\/s per pod/m);
    const json = JSON.parse(cli('proxy-rollout', '--plan', '--json', '--provider', 'kind', '--load-from', 'cluster').stdout) as { loadFrom: string; shards: number; runners: { pods: number } };
    expect([json.loadFrom, json.shards, json.runners.pods]).toEqual(['cluster', 1, 1]);
  });

  it('default host, unchanged shards; bad values exit 2 naming the flag', () => {
    const host = cli('proxy-rollout', '--plan', '--provider', 'kind');
    expect(host.stdout).toMatch(/^load from host — default on kind/m);
    expect(host.stdout).toMatch(/^shards: 1 k6 process\(es\)/m);
    const bad = cli('proxy-rollout', '--plan', '--load-from', 'pods');
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/unknown --load-from 'pods'; valid: host, cluster/)]);
    const rate = cli('proxy-rollout', '--plan', '--load-from', 'cluster', '--per-pod-rate', '0');
    expect([rate.code, rate.stderr]).toEqual([2, expect.stringMatching(/--per-pod-rate 0: must be > 0/)]);
    const alone = cli('proxy-rollout', '--plan', '--per-pod-rate', '300');
    expect([alone.code, alone.stderr]).toEqual([2, expect.stringMatching(/--per-pod-rate sizes runner pods: it goes with --load-from cluster/)]);
  });
});
