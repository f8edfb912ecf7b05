// Real kind: one cluster for the whole file (up cold or cached → checks → down). Bounded: every
// wait has a deadline; every request loop is capped in count and goes to 127.0.0.1 only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, copyFileSync, readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { connect } from 'node:net';
import { stringify } from 'yaml';
import { KindProvider } from './kind-provider.ts';
import { exec } from '../harness/base/exec.ts';
import { ExistingProvider } from './existing-provider.ts';
import { kubectl } from './kubectl.ts';
import { detectEngine } from './engine/detect.ts';
import { buildImage, saveImage } from './node-image/component-images.ts';
import { listNodeContainers, listNodeVolumes } from './kind/node-containers.ts';
import { SERVICE_SUBNET } from './kind/kind-config.ts';
import { canLoadImages, type ImageLoader, type RunningCluster } from './provider.ts';
import type { EngineName } from './engine/engine.ts';

const NAME = 'kch-itest';
// outside the default 30080-30099 so the test runs beside a developer's cluster
const PORT = 32090;
const NS = `kch-itest-${process.pid}`;
const APP = 'hello';
const IMAGE = 'localhost/kch-itest/hello:v1';
const lines: string[] = [];
const progress = (l: string) => {
  lines.push(l);
  process.stderr.write(`[cluster-test] ${l}\n`);
};
const timings: Record<string, string> = {};

const provider = new KindProvider();
let cluster: RunningCluster & ImageLoader;
let engine: EngineName;
let work: string;

const kc = (args: string[], timeoutMs = 60_000) => kubectl({ kubeconfigPath: cluster.kubeconfigPath }, args, { timeoutMs });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One request on a fresh connection (so kube-proxy picks a pod each time). */
function getOnce(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, timeout: 1000 });
    s.on('connect', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
    s.on('timeout', () => (s.destroy(), resolve(false)));
  });
}

async function podsByNode(): Promise<Map<string, string>> {
  const r = await kc(['-n', NS, 'get', 'pods', '-l', `app.kubernetes.io/name=${APP}`, '-o', 'json']);
  const list = JSON.parse(r.stdout) as { items: { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string } }[] };
  return new Map(list.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => [p.metadata.name, p.spec.nodeName ?? '']));
}

function manifests(): string {
  const labels = { 'app.kubernetes.io/name': APP };
  const docs = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: APP, namespace: NS, labels },
      spec: {
        replicas: 4,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 2,
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor', labelSelector: { matchLabels: labels } },
            ],
            containers: [
              {
                name: APP,
                image: IMAGE,
                imagePullPolicy: 'Never',
                ports: [{ containerPort: 8080 }],
                resources: { requests: { cpu: '20m', memory: '16Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
                readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 2 },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: APP, namespace: NS },
      spec: { type: 'NodePort', selector: labels, ports: [{ port: 80, targetPort: 8080, nodePort: PORT }] },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: APP, namespace: NS },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: APP },
        minReplicas: 4,
        maxReplicas: 6,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      },
    },
  ];
  return docs.map((d) => stringify(d)).join('---\n');
}

/** busybox httpd FROM scratch that answers with its pod name (busybox-static from Debian). */
async function buildHelloArchive(): Promise<string> {
  const ctx = join(work, 'hello');
  mkdirSync(ctx, { recursive: true });
  copyFileSync('/bin/busybox', join(ctx, 'busybox'));
  await buildImage(
    engine,
    IMAGE,
    ctx,
    'FROM scratch\nCOPY busybox /bin/busybox\nEXPOSE 8080\n' +
      'ENTRYPOINT ["/bin/busybox","sh","-c","/bin/busybox mkdir -p /www && /bin/busybox hostname > /www/index.html && exec /bin/busybox httpd -f -p 8080 -h /www"]\n',
  );
  const archive = join(work, 'hello.tar');
  await saveImage(engine, [IMAGE], archive);
  return archive;
}

describe('kind provider (real cluster)', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kch-itest-'));
    const d = await detectEngine({ setUp: true });
    if (!d.engine) throw new Error(`no engine: ${d.passedOver.join('; ')}`);
    engine = d.engine;
    const t0 = Date.now();
    cluster = await provider.up({ name: NAME, workers: 2, nodePorts: [PORT], progress });
    timings.upFirst = `${((Date.now() - t0) / 1000).toFixed(1)} s (${lines.some((l) => l.includes('built in')) ? 'node image built' : 'node image cached'})`;
  });

  afterAll(async () => {
    await provider.down(NAME, progress).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
    process.stderr.write(`[cluster-test] timings: ${JSON.stringify(timings)}\n`);
  });

  it('brings up 1 control plane + 2 workers, all Ready', async () => {
    expect(cluster.createdHere).toBe(true);
    expect(cluster.capabilities).toMatchObject({ nodes: 3, workers: 2, metricsApi: true, imageLoad: true, nodeDrain: true, nodePortsOnLoopback: [PORT] });
    const s = await provider.status(NAME);
    expect(s.healthy).toBe(true);
    expect(s.nodes.filter((n) => n.ready)).toHaveLength(3);
    expect(s.nodes.filter((n) => n.role === 'worker')).toHaveLength(2);
    const cm = await kc(['-n', 'kube-system', 'get', 'pod', '-l', 'component=kube-controller-manager', '-o', 'jsonpath={.items[0].spec.containers[0].command}']);
    expect(cm.stdout).toContain('--horizontal-pod-autoscaler-sync-period=15s');
  });

  it('runs a Deployment spread over both workers with an HPA', async () => {
    await cluster.loadImages([await buildHelloArchive()], progress);
    await kubectl({ kubeconfigPath: cluster.kubeconfigPath }, ['apply', '-f', '-'], { input: manifests(), timeoutMs: 60_000 });
    await kc(['-n', NS, 'rollout', 'status', `deploy/${APP}`, '--timeout=180s'], 190_000);
    const nodes = new Set((await podsByNode()).values());
    expect(nodes).toEqual(new Set([`${NAME}-worker`, `${NAME}-worker2`]));
  });

  it('answers on 127.0.0.1 NodePort from pods on both workers', async () => {
    // kube-proxy programs a Service once its EndpointSlice lists the Ready pods
    const until = Date.now() + 60_000;
    let ready = 0;
    while (Date.now() < until && ready < 4) {
      const r = await kc(['-n', NS, 'get', 'endpointslices', '-l', `kubernetes.io/service-name=${APP}`, '-o', 'jsonpath={range .items[*].endpoints[*]}{.conditions.ready}{"\\n"}{end}']);
      ready = r.stdout.split('\n').filter((l) => l === 'true').length;
      if (ready < 4) await sleep(1000);
    }
    expect(ready).toBe(4);
    // ...and the control plane's kube-proxy has programmed the NodePort (it lags under load)
    const answerBy = Date.now() + 30_000;
    while (Date.now() < answerBy && (await getOnce(PORT).catch(() => null))?.status !== 200) await sleep(500);
    const pods = await podsByNode();
    const seen = new Map<string, number>();
    const errors: string[] = [];
    let ok = 0;
    // At least 60 requests; up to 300 over at most 30 s until pods on both workers answered: seen
    // in CI, kube-proxy had programmed only one worker's endpoints when the first burst ran.
    const nodesOf = () => new Set([...seen.keys()].map((pod) => pods.get(pod)));
    const sampleUntil = Date.now() + 30_000;
    let i = 0;
    for (; i < 300 && (i < 60 || (nodesOf().size < 2 && Date.now() < sampleUntil)); i++) {
      const r = await getOnce(PORT).catch((e: Error) => ({ status: 0, body: e.message }));
      if (r.status === 200) {
        ok++;
        seen.set(r.body, (seen.get(r.body) ?? 0) + 1);
      } else errors.push(`#${i}: ${r.status} ${r.body}`);
      if (i >= 60) await sleep(100);
    }
    expect(errors).toEqual([]);
    expect(ok).toBe(i);
    const nodesAnswering = nodesOf();
    expect(nodesAnswering).toEqual(new Set([`${NAME}-worker`, `${NAME}-worker2`]));
  });

  it('has metrics: kubectl top pods shows CPU and the HPA reports utilisation', async () => {
    const until = Date.now() + 120_000;
    let top = '';
    let util = '';
    while (Date.now() < until && (!top || !util)) {
      const t = await kc(['-n', NS, 'top', 'pods', '--no-headers'], 30_000).catch(() => null);
      if (t && /\d+m/.test(t.stdout)) top = t.stdout;
      const h = await kc(['-n', NS, 'get', 'hpa', APP, '-o', 'jsonpath={.status.currentMetrics[0].resource.current.averageUtilization}']);
      if (/^\d+$/.test(h.stdout.trim())) util = h.stdout.trim();
      if (!top || !util) await sleep(5000);
    }
    expect(top).toMatch(/hello-\S+\s+\d+m/);
    expect(util).toMatch(/^\d+$/);
    timings.metrics = `top + HPA utilisation ${util}% seen`;
  });

  it('replaces a deleted pod', async () => {
    const before = await podsByNode();
    const victim = [...before.keys()][0]!;
    await kc(['-n', NS, 'delete', 'pod', victim, '--wait=false']);
    await sleep(1000);
    await kc(['-n', NS, 'rollout', 'status', `deploy/${APP}`, '--timeout=120s'], 130_000);
    const until = Date.now() + 60_000;
    let after = await podsByNode();
    while (Date.now() < until && (after.has(victim) || after.size < 4)) {
      await sleep(1000);
      after = await podsByNode();
    }
    expect(after.has(victim)).toBe(false);
    expect(after.size).toBeGreaterThanOrEqual(4);
  });

  it('drains a worker and uncordons it', async () => {
    const worker = `${NAME}-worker`;
    await kc(['drain', worker, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=120s'], 130_000);
    const spec = await kc(['get', 'node', worker, '-o', 'jsonpath={.spec.unschedulable}']);
    expect(spec.stdout).toBe('true');
    await kc(['-n', NS, 'rollout', 'status', `deploy/${APP}`, '--timeout=120s'], 130_000);
    const pods = await podsByNode();
    expect([...pods.values()].filter((n) => n === worker)).toHaveLength(0);
    await kc(['uncordon', worker]);
    const after = await kc(['get', 'node', worker, '-o', 'jsonpath={.spec.unschedulable}']);
    expect(after.stdout).toBe('');
    // the drain may have evicted metrics-server: the cluster is whole again once it is back
    await kc(['-n', 'kube-system', 'rollout', 'status', 'deploy/metrics-server', '--timeout=120s'], 130_000);
    await kc(['wait', '--for=condition=Available', 'apiservice/v1beta1.metrics.k8s.io', '--timeout=120s'], 130_000);
  });

  it('the existing provider runs against the kind kubeconfig', async () => {
    const existing = new ExistingProvider({ kubeconfig: cluster.kubeconfigPath });
    expect((await existing.available()).ok).toBe(true);
    const c = await existing.up({ name: cluster.context, progress });
    // A kind cluster this machine's engine runs takes images by `kind load`, even through `existing`.
    expect(c.capabilities).toMatchObject({ nodes: 3, workers: 2, metricsApi: true, imageLoad: true, nodeDrain: false, nodePortsOnLoopback: [] });
    expect(c.createdHere).toBe(false);
    const r = await kubectl({ kubeconfigPath: c.kubeconfigPath, context: c.context }, ['-n', NS, 'get', 'deploy', APP, '-o', 'jsonpath={.status.readyReplicas}']);
    expect(Number(r.stdout)).toBeGreaterThanOrEqual(4);
    // It says so by having loadImages (and the guard agrees with its capabilities), and says why.
    expect(canLoadImages(c)).toBe(true);
    expect(lines.some((l) => l.includes(`images: kind load reaches the nodes — the context is kind cluster '${NAME}'`))).toBe(true);
    expect(new ExistingProvider({ kubeconfig: cluster.kubeconfigPath, allowNodeDrain: true }).name).toBe('existing');
    const drainable = await new ExistingProvider({ kubeconfig: cluster.kubeconfigPath, allowNodeDrain: true }).up({ name: cluster.context, progress });
    expect(drainable.capabilities.nodeDrain).toBe(true);
    await existing.down(cluster.context, progress);
    expect((await provider.status(NAME)).healthy).toBe(true);
  });

  it('reuses a healthy cluster by name (warm up)', async () => {
    const t0 = Date.now();
    const again = await provider.up({ name: NAME, workers: 2, nodePorts: [PORT], progress });
    timings.upWarm = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    expect(again.createdHere).toBe(false);
    expect(lines.some((l) => l.includes(`cluster '${NAME}' exists and is healthy`))).toBe(true);
    expect((await getOnce(PORT)).status).toBe(200);
    // the service guard is on every node, once per chain and rule, after the create and this reuse
    const nodes = await listNodeContainers(engine, NAME);
    expect(nodes).toHaveLength(3);
    for (const n of nodes) {
      const rules = (await exec(engine, ['exec', n.name, 'iptables', '-S'], { timeoutMs: 30_000 })).stdout.split('\n').filter((l) => l.includes(`-d ${SERVICE_SUBNET} `));
      expect(rules.sort(), n.name).toEqual([
        `-A FORWARD -d ${SERVICE_SUBNET} -m conntrack --ctstate NEW -j REJECT --reject-with icmp-port-unreachable`,
        `-A FORWARD -d ${SERVICE_SUBNET} -p tcp -m conntrack --ctstate NEW -j REJECT --reject-with tcp-reset`,
        `-A OUTPUT -d ${SERVICE_SUBNET} -m conntrack --ctstate NEW -j REJECT --reject-with icmp-port-unreachable`,
        `-A OUTPUT -d ${SERVICE_SUBNET} -p tcp -m conntrack --ctstate NEW -j REJECT --reject-with tcp-reset`,
      ]);
    }
  });

  it('refuses, naming them, host ports another cluster holds', async () => {
    await expect(provider.up({ name: `${NAME}-b`, workers: 0, nodePorts: [PORT], progress })).rejects.toThrow(
      new RegExp(`port\\(s\\) ${PORT} of nodePorts are in use .*${NAME}`),
    );
    expect(await listNodeContainers(engine, `${NAME}-b`)).toEqual([]);
  });

  it('recreates a cluster whose node is stopped, saying so', async () => {
    await exec(engine, ['stop', '-t', '5', `${NAME}-worker2`], { timeoutMs: 60_000 });
    const broken = await provider.status(NAME);
    expect(broken).toMatchObject({ exists: true, healthy: false });
    expect(broken.detail).toContain(`${NAME}-worker2`);
    const mark = lines.length;
    const again = await provider.up({ name: NAME, workers: 2, nodePorts: [PORT], progress });
    expect(again.createdHere).toBe(true);
    expect(lines.slice(mark).some((l) => l.includes('is broken') && l.includes('deleting and recreating'))).toBe(true);
    const s = await provider.status(NAME);
    expect(s.healthy).toBe(true);
    expect(s.nodes.filter((n) => n.ready)).toHaveLength(3);
  });

  it('down leaves no container, volume, process or port; a second down is a no-op', async () => {
    await kc(['delete', 'namespace', NS, '--wait=false']).catch(() => undefined);
    if (engine === 'podman') {
      // what a create that died before its node started leaves behind: a labelled /var volume
      await exec('podman', ['volume', 'create', '--label', `${NAME}-worker3=true`], { timeoutMs: 30_000 });
      expect((await listNodeVolumes(engine, NAME)).length).toBeGreaterThan(0);
    }
    const t0 = Date.now();
    await provider.down(NAME, progress);
    timings.down = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    expect(await listNodeContainers(engine, NAME)).toEqual([]);
    expect(await listNodeVolumes(engine, NAME)).toEqual([]);
    expect(await portOpen(PORT)).toBe(false);
    const procs = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .map((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
        } catch {
          return '';
        }
      })
      .filter((c) => c.includes(`${NAME}-control-plane`) || c.includes(`${NAME}-worker`));
    expect(procs).toEqual([]);
    const mark = lines.length;
    const t1 = Date.now();
    await provider.down(NAME, progress);
    expect(Date.now() - t1).toBeLessThan(30_000);
    expect(lines.slice(mark).some((l) => l.includes('nothing to delete'))).toBe(true);
  });
});
