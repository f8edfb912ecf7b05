// The in-cluster load path, pure parts: runner pods and Prometheus objects from a plan, the
// in-cluster targets (and only their hosts pass the guard), the resume call through the pod
// proxy (against a fake API server on 127.0.0.1), summaries from a recorded runner log, the
// fail-fast reasons, the images' Containerfile and ldd parsing.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { KubeConfig, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../../scenarios/index.ts';
import { resolvePlan } from '../../plan/resolve.ts';
import { assertLoopbackTargets } from '../loopback.ts';
import { executionSegments } from '../segments.ts';
import { planToShape } from '../shape.ts';
import { summaryTotals } from '../summary.ts';
import { RESUME_BODY, resumeRunner, runnerApiPath, runnerStatus, withTransientRetry } from './api-proxy.ts';
import { lddLibraries, runnerScriptFiles, scratchContainerfile } from './images.ts';
import { hopeless, runnerEnd, runnerProblems } from './index.ts';
import { isHarnessPod } from './labels.ts';
import { HARNESS_ROLE_LABEL, RUNNER_ROLE, prometheusManifests, prometheusServiceUrl, runnerArgs, runnerPod, runnerPodName } from './manifests.ts';
import { summaryFromLog } from './summary-log.ts';
import { clusterTargets } from './targets.ts';

const NS = 'kch-run-1';

async function clusterPlan() {
  const s = (await loadCatalogue()).get('proxy-rollout')!;
  return resolvePlan(s, { provider: { name: 'kind', reason: 'test' }, cores: 2, loadFrom: 'cluster', perPodRate: 300, durationS: 30 });
}

function service(name: string, selector: Record<string, string>, ports: { name: string; port: number }[]): V1Service {
  return { metadata: { name, namespace: NS }, spec: { selector, ports } };
}

const SERVICES = [
  service('aenebris', { 'app.kubernetes.io/name': 'aenebris' }, [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }]),
  service('aenebris-upstream', { 'app.kubernetes.io/name': 'aenebris-upstream' }, [{ name: 'http', port: 8080 }]),
];

describe('in-cluster targets', () => {
  it('are the entry Service by its cluster DNS name and port, and only those hosts pass the guard', async () => {
    const plan = await clusterPlan();
    const t = clusterTargets(SERVICES, plan);
    expect(t.targets).toEqual({ http: 'http://aenebris.kch-run-1.svc:8080/', ws: 'ws://aenebris.kch-run-1.svc:8080/ws' });
    expect(t.hosts).toEqual(['aenebris.kch-run-1.svc']);
    expect(() => assertLoopbackTargets({ 'targets.http': t.targets.http, 'targets.ws': t.targets.ws }, t.hosts)).not.toThrow();
    expect(() => assertLoopbackTargets({ 'targets.http': 'http://aenebris-upstream.kch-run-1.svc:8080/' }, t.hosts)).toThrow(/targets.http .* is not on loopback/);
    expect(() => assertLoopbackTargets({ 'targets.http': 'http://example.com/' }, t.hosts)).toThrow(/not on loopback/);
  });

  it('name the missing port and the services seen', async () => {
    const plan = await clusterPlan();
    expect(() => clusterTargets([SERVICES[1]!], plan)).toThrow(/load.http: no port named 'http' on a Service of aenebris; services seen: none/);
  });
});

describe('runner pods from a plan', () => {
  it('one pod per shard: paused on 0.0.0.0:6565, its own segment, tags, remote write to the in-namespace Prometheus, summary on stdout', async () => {
    const plan = await clusterPlan();
    expect(plan.shards).toBe(3);
    const shape = planToShape(plan, clusterTargets(SERVICES, plan).targets, 'run-1');
    const segments = executionSegments(plan.shards);
    const pods = segments.map((segment, shard) => runnerPod({ namespace: NS, image: 'localhost/r:1', shard, segment, shape, testId: 'run-1', runners: plan.runners!, lifetimeS: 300 }));
    expect(pods.map((p) => p.metadata.name)).toEqual(['kch-k6-runner-0', 'kch-k6-runner-1', 'kch-k6-runner-2']);
    const pod = pods[1]! as unknown as V1Pod;
    const c = pod.spec!.containers[0]!;
    expect(c.args).toEqual([
      'run', '--quiet', '--no-usage-report', '--paused', '--address', '0.0.0.0:6565',
      '--tag', 'testid=run-1', '--tag', 'shard=1', '--summary-export', '/dev/stdout', '-o', 'experimental-prometheus-rw',
      '--execution-segment', '1/3:2/3', '--execution-segment-sequence', '0,1/3,2/3,1', '/scripts/main.ts',
    ]);
    const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value]));
    expect(env.K6_PROMETHEUS_RW_SERVER_URL).toBe('http://kch-prometheus.kch-run-1.svc:9090/api/v1/write');
    expect(env.K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM).toBe('true');
    expect(JSON.parse(env.HARNESS_LOAD!)).toEqual(shape);
    expect(c.resources).toEqual({ requests: { cpu: plan.runners!.requests.cpu, memory: '256Mi' }, limits: { memory: '1Gi' } });
    expect(plan.runners!.requests.cpu).toMatch(/^\d+0m$/);
    expect(c.imagePullPolicy).toBe('Never');
    expect(pod.spec!.restartPolicy).toBe('Never');
    expect(pod.spec!.activeDeadlineSeconds).toBe(300);
    expect(pod.metadata!.labels![HARNESS_ROLE_LABEL]).toBe(RUNNER_ROLE);
    expect(isHarnessPod(pod.metadata!.labels)).toBe(true);
    expect(isHarnessPod({ 'app.kubernetes.io/name': 'aenebris' })).toBe(false);
  });

  it('a single shard runs the whole test (no segment flags)', () => {
    expect(runnerArgs({ shard: 0, segment: null, testId: 't' })).not.toContain('--execution-segment');
    expect(runnerPodName(7)).toBe('kch-k6-runner-7');
  });

  it('the run\'s Prometheus: remote-write receiver and native histograms, a Service the runners name, chaos-protected', () => {
    const objects = prometheusManifests({ namespace: NS, image: 'localhost/p:1', lifetimeS: 600 });
    const [cm, pod, svc] = ['ConfigMap', 'Pod', 'Service'].map((k) => objects.find((o) => o.kind === k));
    expect(cm!.kind).toBe('ConfigMap');
    const c = (pod as unknown as V1Pod).spec!.containers[0]!;
    expect(c.args).toEqual(expect.arrayContaining(['--web.enable-remote-write-receiver', '--enable-feature=native-histograms', '--web.listen-address=0.0.0.0:9090']));
    expect(svc!.kind).toBe('Service');
    expect(prometheusServiceUrl(NS)).toBe(`http://${svc!.metadata.name}.${NS}.svc:9090`);
    expect(isHarnessPod(pod!.metadata.labels)).toBe(true);
  });
});

describe('summary from a runner pod log', () => {
  it('finds k6 summary export among its log lines and text summary (recorded from the runner image)', () => {
    const log = readFileSync(new URL('./fixtures/runner-pod-log.txt', import.meta.url), 'utf8');
    const doc = summaryFromLog(log);
    expect(doc).not.toBeNull();
    expect(summaryTotals(doc, 0, 'x')).toMatchObject({ shard: 0, requests: 6, failedRequests: 6 });
  });

  it('is null when k6 was killed before writing it, and skips a JSON block that is not a summary', () => {
    expect(summaryFromLog('time="x" level=info msg="starting"\n')).toBeNull();
    expect(summaryFromLog('{\n  "metrics": {"http_reqs": {"count": 3}}\n}\ntime="x" level=warning msg="late"\n{\n  "other": 1\n}\n')).toEqual({ metrics: { http_reqs: { count: 3 } } });
    expect(summaryFromLog('{\n  "metrics": {"http_reqs": {\ntime="x" level=error msg="cut"\n')).toBeNull();
  });
});

describe('resume through the API server\'s pod proxy', () => {
  it('PATCHes k6\'s /v1/status with paused:false on the runner\'s pod proxy path, and reads its status there', async () => {
    const seen: { method: string; url: string; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, body });
        res.setHeader('content-type', 'application/json');
        if (req.url!.includes('kch-k6-runner-9')) {
          res.statusCode = 503;
          res.end('{"kind":"Status","message":"no endpoints"}');
          return;
        }
        res.end(JSON.stringify({ data: { type: 'status', id: 'default', attributes: { status: 4, paused: true } } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const kc = new KubeConfig();
      const port = (server.address() as AddressInfo).port;
      kc.loadFromOptions({
        clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
        users: [{ name: 'u' }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
        currentContext: 'x',
      });
      expect(await runnerStatus(kc, NS, 'kch-k6-runner-0')).toBe(4);
      const before = Date.now();
      const at = await resumeRunner(kc, NS, 'kch-k6-runner-0');
      expect(at).toBeGreaterThanOrEqual(before);
      expect(seen[1]).toEqual({ method: 'PATCH', url: `/api/v1/namespaces/${NS}/pods/kch-k6-runner-0:6565/proxy/v1/status`, body: RESUME_BODY });
      expect(JSON.parse(RESUME_BODY)).toEqual({ data: { type: 'status', id: 'default', attributes: { paused: false } } });
      await expect(resumeRunner(kc, NS, 'kch-k6-runner-9')).rejects.toThrow(/runner pod kch-k6-runner-9: resume answered HTTP 503/);
      expect(await runnerStatus(kc, NS, 'kch-k6-runner-9')).toBeNull();
      expect(runnerApiPath(NS, 'p', '/v1/status')).toBe(`/api/v1/namespaces/${NS}/pods/p:6565/proxy/v1/status`);
    } finally {
      server.close();
    }
  });
});

describe('runner start-up fails fast', () => {
  const pod = (status: V1Pod['status']): V1Pod => ({ metadata: { name: 'kch-k6-runner-0' }, status });
  it('names the image, the scheduling reason, or an early exit', () => {
    expect(hopeless(pod({ phase: 'Pending', containerStatuses: [{ name: 'k6', image: 'localhost/r:1', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImageNeverPull', message: 'image not present' } } }] }))).toMatch(/ErrImageNeverPull/);
    expect(hopeless(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' }] }))).toBe(
      'pod kch-k6-runner-0: cannot be scheduled: 0/3 nodes are available: 3 Insufficient cpu.',
    );
    expect(hopeless(pod({ phase: 'Failed', containerStatuses: [{ name: 'k6', image: 'r', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 107, reason: 'Error' } } }] }))).toMatch(/container k6 exited 107 \(Error\) before the load started/);
    expect(hopeless(pod({ phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }] }))).toBeNull();
  });

  it('a runner ends by its exit code, or named when deleted mid-run (even after a clean exit on SIGTERM)', () => {
    const k6 = (state: NonNullable<V1Pod['status']>['containerStatuses']) => state;
    const done = (exitCode: number, deleting = false): V1Pod => ({
      metadata: { name: 'kch-k6-runner-1', ...(deleting ? { deletionTimestamp: new Date(5) } : {}) },
      status: { phase: exitCode === 0 ? 'Succeeded' : 'Failed', containerStatuses: k6([{ name: 'k6', image: 'r', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, finishedAt: new Date(1_000) } } }]) },
    });
    expect(runnerEnd('kch-k6-runner-1', done(0), 9)).toEqual({ code: 0, at: 1_000 });
    // finishedAt is truncated to the second: the end is the end of that second, if it has passed
    expect(runnerEnd('kch-k6-runner-1', done(0), 5_000)).toEqual({ code: 0, at: 1_999 });
    expect(runnerEnd('kch-k6-runner-1', done(0), 1_400)).toEqual({ code: 0, at: 1_400 });
    expect(runnerEnd('kch-k6-runner-1', done(99), 9)).toEqual({ code: 99, at: 1_000 });
    expect(runnerEnd('kch-k6-runner-1', done(0, true), 9)).toEqual({ code: 0, at: 1_000, error: 'runner pod kch-k6-runner-1 was deleted during the load (k6 exited 0)' });
    expect(runnerEnd('kch-k6-runner-1', undefined, 9)).toEqual({ code: null, at: 9, error: 'runner pod kch-k6-runner-1 was deleted during the load' });
    expect(runnerEnd('kch-k6-runner-1', { metadata: { name: 'x', deletionTimestamp: new Date(5) }, status: { phase: 'Running' } }, 9)).toBe('running');
    expect(runnerEnd('kch-k6-runner-1', { metadata: { name: 'x' }, status: { phase: 'Running' } }, 9)).toBe('running');
    expect(runnerEnd('kch-k6-runner-1', { metadata: { name: 'x' }, status: { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' } }, 9)).toMatchObject({
      code: null,
      error: 'runner pod kch-k6-runner-1 failed: DeadlineExceeded Pod was active on the node longer than the specified deadline',
    });
  });

  it('shard problems name the runner pod', () => {
    expect(runnerProblems(['k6 shard 1 failed: runner pod kch-k6-runner-1 was deleted during the load and left no --summary-export (log: x)'], ['kch-k6-runner-0', 'kch-k6-runner-1'])).toEqual([
      'k6 shard 1 (runner pod kch-k6-runner-1) failed: runner pod kch-k6-runner-1 was deleted during the load and left no --summary-export (log: x)',
    ]);
  });
});

describe('images FROM scratch', () => {
  it('copy each file to its path, run as nobody', () => {
    expect(scratchContainerfile([{ src: '/x/k6', dest: '/k6' }, { src: '/y/main.ts', dest: '/scripts/main.ts' }], '/k6')).toBe(
      'FROM scratch\nCOPY k6 /k6\nCOPY scripts/main.ts /scripts/main.ts\nUSER 65534:65534\nENTRYPOINT ["/k6"]\n',
    );
  });

  it('take the shared libraries and the loader from ldd', () => {
    const ldd = '\tlinux-vdso.so.1 (0x00007ffd)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f52)\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f52)\n';
    expect(lddLibraries(ldd)).toEqual(['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
  });

  it('bake every k6 script and the protos, nothing else', () => {
    const dests = runnerScriptFiles().map((f) => f.dest);
    expect(dests).toContain('/scripts/main.ts');
    expect(dests).toContain('/scripts/proto/echo.proto');
    expect(dests.every((d) => /\.(ts|proto)$/.test(d) && !d.endsWith('.test.ts'))).toBe(true);
  });
});

describe('service proxy retries', () => {
  it('retry a transient status or a failed request, then give the answer', async () => {
    const answers: (() => Promise<{ status: number; body: string }>)[] = [
      () => Promise.resolve({ status: 503, body: 'no endpoints' }),
      () => Promise.reject(new Error('socket hang up')),
      () => Promise.resolve({ status: 200, body: 'ok' }),
    ];
    let calls = 0;
    const a = await withTransientRetry(() => answers[calls++]!(), 4, 1);
    expect(a).toEqual({ status: 200, body: 'ok' });
    expect(calls).toBe(3);
  });

  it('do not retry a client error; give up after the last attempt with its answer or error', async () => {
    let calls = 0;
    expect((await withTransientRetry(() => (calls++, Promise.resolve({ status: 400, body: 'bad query' })), 4, 1)).status).toBe(400);
    expect(calls).toBe(1);
    calls = 0;
    expect((await withTransientRetry(() => (calls++, Promise.resolve({ status: 502, body: '' })), 3, 1)).status).toBe(502);
    expect(calls).toBe(3);
    await expect(withTransientRetry(() => Promise.reject(new Error('reset')), 2, 1)).rejects.toThrow('reset');
  });
});
