// `--registry` for real: a registry we run ourselves on this machine (Debian's docker-registry in
// the container kch-registry on the kind network, 127.0.0.1:5001 here), the shared kind cluster
// reached through the existing provider, and a short scenario whose every image is pushed there
// and pulled by the nodes through containerd's mirror (clusters/kind/kind-config.ts) — even
// though kind load would reach them: the flag wins, and the run says which path it took. Both
// providers: `existing` on the shared cluster's context (load from runner pods), and `kind` itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { exec } from '../base/exec.ts';
import { kubeFromFile } from '../kube/client.ts';
import type { Timeline } from '../timeline/types.ts';
import { LOCAL_REGISTRY_HOST_PORT, startLocalRegistry, type RunningLocalRegistry } from '../../clusters/registry/local-registry.ts';
import { SHARED_CLUSTER, sharedCluster } from '../../test/cluster/shared-cluster.ts';
import { readJson, runScenarioCli } from '../../test/cluster/scenario-cli.ts';

const out = mkdtempSync(join(tmpdir(), 'kch-registry-'));
const log = (l: string) => process.stdout.write(`[registry test] ${l}\n`);

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.setTimeout(1000);
    s.on('connect', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
    s.on('timeout', () => (s.destroy(), resolve(false)));
  });
}

describe('--registry: images pushed to a local registry, pulled by the nodes', () => {
  let registry: RunningLocalRegistry | null = null;

  beforeAll(async () => {
    await sharedCluster((l) => process.stdout.write(`[cluster] ${l}\n`));
    // The mirror is what lets a node pull localhost:5001/…: every node of the shared cluster must have it.
    const nodes = (await exec('podman', ['ps', '--filter', `label=io.x-k8s.kind.cluster=${SHARED_CLUSTER}`, '--format', '{{.Names}}'], { timeoutMs: 30_000 })).stdout.split('\n').filter(Boolean);
    for (const node of nodes) {
      const config = (await exec('podman', ['exec', node, 'cat', '/etc/containerd/config.toml'], { timeoutMs: 30_000 })).stdout;
      expect(config, `${node}: containerd mirror`).toContain('registry.mirrors."localhost:5001"');
      expect(config, `${node}: config_path would disable the mirrors`).not.toMatch(/^\s*config_path\s*=/m);
    }
    registry = await startLocalRegistry(log);
  });

  afterAll(async () => {
    await registry?.stop();
    // The registry's port is free again: nothing of the test is left listening.
    expect(await portAnswers(LOCAL_REGISTRY_HOST_PORT)).toBe(false);
  });

  it('proxy-rollout through the existing provider with --registry localhost:5001/kch passes; every pod pulls from the registry', async () => {
    const cluster = await sharedCluster(() => undefined);
    const core = kubeFromFile(cluster.kubeconfigPath, cluster.context).makeApiClient(k8s.CoreV1Api);
    let pods: { name: string; images: string[]; policies: string[] }[] = [];
    const run = await runScenarioCli(
      [
        'proxy-rollout', '--provider', 'existing', '--name', cluster.context, '--registry', registry!.name,
        '--set', 'proxy.overlay=kind', '--set', 'upstream.overlay=kind', '--scale', '0.004', '--per-pod-rate', '250', '--duration', '15', '--out', out,
      ],
      {
        env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath },
        timeoutMs: 420_000,
        // Once the runners were resumed: the pods as the API server has them (the namespace goes at teardown).
        whenStarted: async (output) => {
          const namespace = /namespace (kch-[a-z0-9-]+)/.exec(output)?.[1];
          if (!namespace) throw new Error('no namespace in the output');
          pods = (await core.listNamespacedPod({ namespace })).items.map((p) => ({
            name: p.metadata?.name ?? '?',
            images: (p.spec?.containers ?? []).map((c) => c.image ?? ''),
            policies: (p.spec?.containers ?? []).map((c) => c.imagePullPolicy ?? ''),
          }));
        },
      },
    );
    expect(run.code, run.output.slice(-3000)).toBe(0);
    // The run says which path it took, and kind load was not it (though it would have reached these nodes).
    expect(run.output).toMatch(/images: pushed to localhost:5001\/kch \(--registry\), not loaded with kind load/);
    expect(run.output).not.toMatch(/kind load image-archive/);
    const pushTimes = [...run.output.matchAll(/pushed (\S+) → (\S+) \((\w+), ([\d.]+) s/g)].map((m) => `${m[2]}: ${m[4]} s`);
    log(`push times: ${pushTimes.join(', ')}`);
    expect(pushTimes.length).toBe(3);

    // The registry holds what was pushed: the stand-in, the k6 runner, Prometheus.
    const catalog = (await (await fetch(`${registry!.url}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories).toEqual(expect.arrayContaining(['kch/standin', 'kch/k6-runner', 'kch/prometheus']));

    // Every pod of the run — workloads, runners, Prometheus — named the registry's image and pulled it.
    const workloads = pods.filter((p) => !/^kch-(k6-runner|prometheus)/.test(p.name));
    expect(workloads.length, JSON.stringify(pods)).toBeGreaterThan(0);
    expect(pods.some((p) => p.name.startsWith('kch-k6-runner'))).toBe(true);
    for (const p of pods) {
      for (const image of p.images) expect(image, p.name).toMatch(/^localhost:5001\/kch\//);
      for (const policy of p.policies) expect(policy, p.name).toBe('IfNotPresent');
    }
    const t = readJson<Timeline>(join(run.runDir, 'timeline.json'));
    expect(t.plan.registry).toBe('localhost:5001/kch');
    expect(t.load!.totals.requests).toBe(t.witnesses.k6Summaries.reduce((a, s) => a + s.requests, 0));
  });

  it('the kind provider takes --registry too: pushed, not kind-loaded, and the run passes (load from the host)', async () => {
    const run = await runScenarioCli(
      ['proxy-rollout', '--provider', 'kind', '--name', SHARED_CLUSTER, '--keep-cluster', '--registry', registry!.name, '--scale', '0.004', '--duration', '20', '--out', out],
      { timeoutMs: 420_000 },
    );
    expect(run.code, run.output.slice(-3000)).toBe(0);
    expect(run.output).toMatch(/^images {4}pushed to localhost:5001\/kch — --registry/m);
    expect(run.output).toMatch(/images: pushed to localhost:5001\/kch \(--registry\), not loaded with kind load/);
    expect(run.output).not.toMatch(/kind load image-archive/);
    // The workloads as applied: the registry's names, pulled when missing.
    const manifests = readJson<{ kind: string; spec?: { template?: { spec: { containers: { image: string; imagePullPolicy?: string }[] } } } }[]>(join(run.runDir, 'manifests.json'));
    const containers = manifests.flatMap((m) => m.spec?.template?.spec.containers ?? []);
    expect(containers.length).toBeGreaterThan(0);
    for (const c of containers) expect([c.image, c.imagePullPolicy]).toEqual([expect.stringMatching(/^localhost:5001\/kch\/standin:/), 'IfNotPresent']);
  });
});
