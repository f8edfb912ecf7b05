// Real kind with the KEDA add-on: `up` with addons ['keda'] installs it (cached images, each step
// timed), a second `up` finds it and skips the install, and the seed HPA's ScaledObject (the pure
// translation in deploy/keda-scaled-object.ts) makes an HPA by the seed's name whose External
// metrics come from a real Prometheus in the cluster through KEDA's metrics API server.
// Bounded: every wait has a deadline; no traffic leaves the cluster.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KindProvider } from '../kind-provider.ts';
import { kubectl } from '../kubectl.ts';
import type { ImageLoader, RunningCluster } from '../provider.ts';
import { NODE_VERSIONS } from '../node-image/versions.ts';
import { scaledObjectFromHpa, type SeedHpa } from '../../deploy/keda-scaled-object.ts';
import { buildPrometheusImage, buildRunnerImage, RUNNER_ENTRY } from '../../harness/load/in-cluster/images.ts';
import { buildStandinImage } from '../../deploy/image.ts';
import { ensureK6 } from '../../harness/tools/k6.ts';
import { SHAPE_ENV, type LoadShape } from '../../scenarios/k6/shape.ts';
import { prometheusManifests, prometheusServiceUrl, PROMETHEUS_NAME } from '../../harness/load/in-cluster/manifests.ts';
import { readJson, runScenarioCli } from '../../test/cluster/scenario-cli.ts';
import type { EventRecord, HpaRecord, Timeline } from '../../harness/timeline/types.ts';
import type { Scorecard } from '../../harness/score/scorecard.ts';

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
    // 1–2 replicas for the seed's 5–50 multiply the per-pod targets by 50/2 (rangeFactor): at scale
    // 0.0006 that is 30 req/s and 15 connections per pod
    const { scaledObject, externalMetrics, perPodTargets } = scaledObjectFromHpa(seed, { prometheusUrl: prometheusServiceUrl(NS), namespace: NS, scale: 0.0006, minReplicas: 1, maxReplicas: 2 });
    expect(perPodTargets).toEqual({ http_requests_per_second: 30, active_connections: 15 });
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

  it('under load from a k6 pod in the namespace, the request-rate metric reads it and the HPA scales on it', async () => {
    // The target becomes the stand-in (ROLE upstream answers every path; http_requests_total on
    // :9090, scraped every second by the run's Prometheus through its annotations).
    const standin = await buildStandinImage(progress);
    const k6 = await ensureK6(progress);
    const runner = await buildRunnerImage(k6, progress);
    await cluster.loadImages([standin.archive, runner.archive], progress);
    await kc(['-n', NS, 'patch', 'deploy', 'aenebris', '--type=json', '-p', JSON.stringify([
      { op: 'replace', path: '/spec/template/metadata/annotations', value: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090', 'prometheus.io/path': '/metrics' } },
      { op: 'replace', path: '/spec/template/spec/containers/0', value: { name: 'standin', image: standin.ref, imagePullPolicy: 'Never', env: [{ name: 'ROLE', value: 'upstream' }], ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 }, resources: { requests: { cpu: '50m', memory: '128Mi' } } } },
    ])]);
    await kc(['-n', NS, 'rollout', 'status', 'deploy/aenebris', '--timeout=180s'], { timeoutMs: 190_000 });
    await apply([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'aenebris', namespace: NS }, spec: { selector: { 'app.kubernetes.io/name': 'aenebris' }, ports: [{ name: 'http', port: 8080 }] } }]);
    // 60 req/s for 75 s against the pod this test made: twice the ScaledObject's 30 per pod (2,000 × 0.0006 × 50/2).
    // At most 6 VUs, so at most 6 keep-alive connections: under the 15 per pod of active_connections
    // (seen with 10–30 VUs: the connection metric scaled first), so only the request rate explains a scale-up.
    const shape: LoadShape = {
      testId: 'keda-itest',
      http: { url: `http://aenebris.${NS}.svc:8080/`, startS: 0, startRate: 60, stages: [{ name: 'steady', durationS: 75, target: 60 }], timeoutS: 5, preAllocatedVUs: 3, maxVUs: 6 },
      ws: null,
      grpc: null,
    };
    await apply([
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'k6-load', namespace: NS },
        spec: {
          restartPolicy: 'Never',
          activeDeadlineSeconds: 150,
          automountServiceAccountToken: false,
          containers: [{ name: 'k6', image: runner.ref, imagePullPolicy: 'Never', command: ['/k6'], args: ['run', '--quiet', '--no-usage-report', RUNNER_ENTRY], env: [{ name: SHAPE_ENV, value: JSON.stringify(shape) }, { name: 'K6_NO_USAGE_REPORT', value: 'true' }] }],
        },
      },
    ]);
    const started = Date.now();
    type Hpa = { status?: { desiredReplicas?: number; currentMetrics?: { type: string; external?: { metric: { name: string }; current: { averageValue?: string } } }[] } };
    let rate = 0;
    let desired = 0;
    for (let i = 0; i < 60 && !(rate > 0 && desired >= 2); i++) {
      await sleep(2000);
      const r = await kc(['-n', NS, 'get', 'hpa', 'aenebris', '-o', 'json'], { nothrow: true });
      if (r.code !== 0) continue;
      const h = JSON.parse(r.stdout) as Hpa;
      const v = h.status?.currentMetrics?.find((m) => m.external?.metric.name === 's2-prometheus')?.external?.current.averageValue ?? '0';
      rate = v.endsWith('m') ? Number(v.slice(0, -1)) / 1000 : Number(v);
      desired = h.status?.desiredReplicas ?? 0;
    }
    progress(`under 60 req/s: s2-prometheus (http_requests_per_second) ${rate} per pod, desired ${desired}, ${((Date.now() - started) / 1000).toFixed(1)} s after the load pod was created`);
    if (!(rate > 0)) {
      // say where the chain broke: the pods, the load pod's output, what Prometheus holds
      progress((await kc(['-n', NS, 'get', 'pods', '-o', 'wide'], { nothrow: true })).stdout);
      progress((await kc(['-n', NS, 'logs', 'k6-load', '--tail=20'], { nothrow: true })).stdout);
      const q = encodeURIComponent(`sum by (pod) (http_requests_total{namespace="${NS}"})`);
      progress((await kc(['get', '--raw', `/api/v1/namespaces/${NS}/services/${PROMETHEUS_NAME}:9090/proxy/api/v1/query?query=${q}`], { nothrow: true })).stdout.slice(0, 2000));
    }
    const events = await kc(['-n', NS, 'get', 'events', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
    progress(`HPA events: ${events.stdout.trim()}`);
    expect(rate).toBeGreaterThan(0);
    expect(desired).toBe(2);
    expect(events.stdout).toMatch(/New size: 2; reason: external metric s2-prometheus/);
    await kc(['-n', NS, 'delete', 'pod', 'k6-load', '--wait=false']);
  }, 900_000);
});

// The KEDA scenarios as a user runs them, on this cluster through the existing provider (it has no
// NodePorts, so the load comes from runner pods), with the kind overlay turned into ScaledObjects.
// Short versions (--duration): what is checked is which metric drove the scale-up, not the SLOs of a long run.
describe('KEDA scenarios through the CLI', () => {
  const out = mkdtempSync(join(tmpdir(), 'kch-keda-runs-'));
  const run = (args: string[]) =>
    runScenarioCli([...args, '--provider', 'existing', '--name', cluster.context, '--set', 'proxy.overlay=kind', '--set', 'upstream.overlay=kind', '--out', out], {
      timeoutMs: 900_000,
      env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath },
    });
  // Every new replica found room at once: "Ready" times the pods, not a runner pod's end freeing its CPU.
  const unscheduled = (t: Timeline) => t.kube.filter((x): x is EventRecord => x.kind === 'event' && x.reason === 'FailedScheduling').map((e) => `${e.involved.name}: ${e.message}`);
  const scored = (runDir: string) => ({ t: readJson<Timeline>(join(runDir, 'timeline.json')), card: readJson<{ scorecard: Scorecard }>(join(runDir, 'report.json')).scorecard });

  beforeAll(async () => {
    // the earlier tests' namespace holds a scaled Deployment: free its CPU for the runs
    await kc(['delete', 'namespace', NS, '--wait=true', '--timeout=120s'], { timeoutMs: 130_000, nothrow: true });
  }, 200_000);

  it('proxy-ws-spike-hpa: a wave of WS sessions scales the proxy on active_connections while CPU stays under its target', async () => {
    // scales pinned: the existing provider's machine-fit assumes k6 runs elsewhere, here it shares the 2 cores
    const r = await run(['proxy-ws-spike-hpa', '--duration', '75', '--scale', '0.01']);
    expect(r.runDir, r.output.slice(-3000)).not.toBe('');
    const { t, card } = scored(r.runDir);
    expect(t.plan.addons).toEqual(['keda']);
    expect(t.plan.loadFrom).toBe('cluster');
    expect(card.hpa?.steps.length, r.output.slice(-3000)).toBe(1);
    const step = card.hpa!.steps[0]!;
    progress(`ws wave: ${step.fromTarget} → ${step.toTarget} sessions; first increase ${JSON.stringify(step.firstIncrease)}; reaction ${step.reactionS} s`);
    expect(step.unit).toBe('sessions');
    expect(card.checks.find((c) => c.id === `hpa.driven-by/${step.stage}`)?.status, step.firstIncrease?.eventMessage ?? 'no event').toBe('pass');
    // CPU never explained it: every status the observer saw read CPU under the seed's 70 %
    const cpu = t.kube.filter((x): x is HpaRecord => x.kind === 'hpa' && x.name === 'aenebris').map((x) => x.metrics.cpu).filter((v): v is number => typeof v === 'number');
    expect(cpu.length).toBeGreaterThan(0);
    expect(Math.max(...cpu)).toBeLessThan(70);
    expect(unscheduled(t)).toEqual([]);
    expect(t.load!.totals.requests).toBe(t.witnesses.k6Summaries.reduce((a, s) => a + s.requests, 0));
    expect(r.code, r.output.slice(-3000)).toBe(0);
  }, 900_000);

  it('proxy-spike-hpa with KEDA: the request rate drives the step, and the reaction is the SuccessfulRescale event', async () => {
    // no CPU cost per request: the seed's CPU target would otherwise share the step with the rate
    const r = await run(['proxy-spike-hpa', '--duration', '75', '--scale', '0.008', '--set', 'needs.keda=true', '--set', 'proxy.cpuCostMicros=0', '--set', 'scoring.hpa.expectDrivenBy=http_requests_per_second']);
    expect(r.runDir, r.output.slice(-3000)).not.toBe('');
    const { t, card } = scored(r.runDir);
    expect(t.plan.addons).toEqual(['keda']);
    expect(card.hpa?.steps.length, r.output.slice(-3000)).toBe(1);
    const step = card.hpa!.steps[0]!;
    progress(`spike: ${step.fromTarget} → ${step.toTarget} req/s; first increase ${JSON.stringify(step.firstIncrease)}; reaction ${step.reactionS} s`);
    expect(card.checks.find((c) => c.id === `hpa.driven-by/${step.stage}`)?.status, step.firstIncrease?.eventMessage ?? 'no event').toBe('pass');
    // the reaction is timed to the status change its event witnesses (within 1 s)
    expect(step.firstIncrease!.eventAt).not.toBeNull();
    expect(Math.abs(step.firstIncrease!.eventAt! - step.firstIncrease!.at)).toBeLessThanOrEqual(1000);
    expect(unscheduled(t)).toEqual([]);
    expect(r.code, r.output.slice(-3000)).toBe(0);
  }, 900_000);
});
