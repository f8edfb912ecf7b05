// Real kind with the KEDA add-on: `up` with addons ['keda'] installs it (cached images, each step
// timed), a second `up` finds it and skips the install, and the seed HPA's ScaledObject (the pure
// translation in deploy/keda-scaled-object.ts) makes an HPA by the seed's name whose External
// metrics come from a real Prometheus in the cluster through KEDA's metrics API server.
// Bounded: every wait has a deadline; no traffic leaves the cluster.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KindProvider } from '../kind-provider.ts';
import { kubectl } from '../kubectl.ts';
import type { ImageLoader, RunningCluster } from '../provider.ts';
import { NODE_VERSIONS } from '../node-image/versions.ts';
import { scaledObjectFromHpa, type SeedHpa } from '../../deploy/keda-scaled-object.ts';
import { buildPrometheusImage } from '../../harness/load/in-cluster/images.ts';
import { prometheusManifests, prometheusServiceUrl, PROMETHEUS_NAME } from '../../harness/load/in-cluster/manifests.ts';

const NAME = 'kch-keda-itest';
const NS = 'kch-keda-t';
const lines: string[] = [];
const progress = (l: string) => {
  lines.push(l);
  process.stderr.write(`[keda-test] ${l}\n`);
};
const provider = new KindProvider();
let cluster: RunningCluster & ImageLoader;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kc = (args: string[], opts: { timeoutMs?: number; input?: string; nothrow?: boolean } = {}) =>
  kubectl({ kubeconfigPath: cluster.kubeconfigPath }, args, { timeoutMs: opts.timeoutMs ?? 60_000, input: opts.input, nothrow: opts.nothrow });
const apply = (objs: unknown[]) => kc(['apply', '--server-side', '--field-manager=kube-chaos-harness', '-f', '-'], { input: objs.map((o) => JSON.stringify(o)).join('\n') });

beforeAll(async () => {
  const started = Date.now();
  // no NodePorts: this test needs none, and only one cluster with NodePorts may exist here
  cluster = await provider.up({ name: NAME, workers: 1, nodePorts: [], addons: ['keda'], keep: false, progress });
  progress(`up with KEDA in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 3_600_000);

afterAll(async () => {
  await provider.down(NAME, progress).catch((e: Error) => progress(`down failed: ${e.message}`));
}, 600_000);

describe('KEDA add-on on kind', () => {
  it('runs KEDA: its three Deployments available, the external metrics API answering', async () => {
    expect(cluster.capabilities.externalMetricsApi).toBe(true);
    const deploys = JSON.parse((await kc(['-n', 'keda', 'get', 'deploy', '-o', 'json'])).stdout) as { items: { metadata: { name: string }; status: { readyReplicas?: number } }[] };
    expect(deploys.items.map((d) => [d.metadata.name, d.status.readyReplicas]).sort()).toEqual([
      ['keda-admission', 1],
      ['keda-metrics-apiserver', 1],
      ['keda-operator', 1],
    ]);
    expect((await kc(['get', '--raw', '/apis/external.metrics.k8s.io/v1beta1'])).code).toBe(0);
    expect(lines.some((l) => /KEDA v2\.21\.0 installed in/.test(l))).toBe(true);
  });

  it('a second up reuses the cluster and skips the install', async () => {
    const before = lines.length;
    const started = Date.now();
    cluster = await provider.up({ name: NAME, workers: 1, nodePorts: [], addons: ['keda'], keep: false, progress });
    const again = lines.slice(before);
    progress(`second up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(again.some((l) => /reusing it/.test(l))).toBe(true);
    expect(again.some((l) => /KEDA v2\.21\.0 present/.test(l))).toBe(true);
    expect(again.some((l) => /KEDA apply/.test(l))).toBe(false);
  }, 600_000);

  it("the seed HPA's ScaledObject: an HPA by the seed's name reading its external metrics from the run's Prometheus", async () => {
    await kc(['create', 'namespace', NS]);
    const prom = await buildPrometheusImage(progress);
    await cluster.loadImages([prom.archive], progress);
    await apply(prometheusManifests({ namespace: NS, image: prom.ref, lifetimeS: 900 }));
    await kc(['-n', NS, 'wait', '--for=condition=Ready', `pod/${PROMETHEUS_NAME}`, '--timeout=180s'], { timeoutMs: 190_000 });
    // The target: a pod that idles (the node's preloaded pause image), with requests for the
    // cpu/memory triggers (KEDA's webhook refuses those triggers on containers without requests).
    await apply([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'aenebris', namespace: NS },
        spec: {
          replicas: 1,
          selector: { matchLabels: { 'app.kubernetes.io/name': 'aenebris' } },
          template: {
            metadata: { labels: { 'app.kubernetes.io/name': 'aenebris' } },
            spec: {
              containers: [
                { name: 'idle', image: `registry.k8s.io/pause:${NODE_VERSIONS.pauseTags[0]}`, imagePullPolicy: 'Never', resources: { requests: { cpu: '10m', memory: '16Mi' } } },
              ],
            },
          },
        },
      },
    ]);
    const seed = parse(readFileSync(join(import.meta.dirname, '..', '..', 'deploy', 'aenebris', 'base', 'hpa.yaml'), 'utf8')) as SeedHpa;
    const { scaledObject, externalMetrics } = scaledObjectFromHpa(seed, { prometheusUrl: prometheusServiceUrl(NS), namespace: NS, scale: 0.015, minReplicas: 1, maxReplicas: 2 });
    const applied = Date.now();
    await apply([scaledObject]); // through KEDA's admission webhook
    type Hpa = { spec: { minReplicas: number; maxReplicas: number; behavior?: unknown }; status?: { currentMetrics?: { type: string; external?: { metric: { name: string }; current: { averageValue?: string } } }[] } };
    let hpa: Hpa | null = null;
    let reported: Record<string, string> = {};
    for (let i = 0; i < 90; i++) {
      const r = await kc(['-n', NS, 'get', 'hpa', 'aenebris', '-o', 'json'], { nothrow: true });
      if (r.code === 0) {
        hpa = JSON.parse(r.stdout) as Hpa;
        reported = Object.fromEntries(
          (hpa.status?.currentMetrics ?? []).flatMap((m) => (m.type === 'External' && m.external?.current.averageValue !== undefined ? [[m.external.metric.name, m.external.current.averageValue]] : [])),
        );
        if (Object.keys(externalMetrics).every((n) => n in reported)) break;
      }
      await sleep(2000);
    }
    progress(`HPA aenebris external metrics ${JSON.stringify(reported)} ${((Date.now() - applied) / 1000).toFixed(1)} s after the ScaledObject`);
    expect(hpa).not.toBeNull();
    expect([hpa!.spec.minReplicas, hpa!.spec.maxReplicas]).toEqual([1, 2]);
    expect(hpa!.spec.behavior).toMatchObject({ scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 300 } });
    // no request yet: the Prometheus answers with no series and KEDA reads 0 (ignoreNullValues)
    expect(Object.keys(reported).sort()).toEqual(Object.keys(externalMetrics).sort());
    const so = await kc(['-n', NS, 'get', 'scaledobject', 'aenebris', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    expect(so.stdout.trim()).toBe('True');
  }, 600_000);
});
