// The built stand-in image in real containers (Podman through testcontainers): each role's
// endpoints on 127.0.0.1, and a stop with a timeout, as a kubelet stops a pod, to check the
// drain from the outside (client-side close codes, status codes) and from the exit line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import https from 'node:https';
import WebSocket from 'ws';
import type { GenericContainer as GC, StartedNetwork, StartedTestContainer } from 'testcontainers';
import { exec } from '../harness/base/exec.ts';
import { buildStandinImage, ensureStandinInPodman, type StandinImage } from './image.ts';
import { startPodmanSocket, type PodmanSocket } from './podman-socket.ts';
import { decodeStringField1, decodeVarintField1, encodeStringField1, grpcUnary } from './grpc-unary.ts';

let socket: PodmanSocket;
let image: StandinImage;
let tc: typeof import('testcontainers');
const started: StartedTestContainer[] = [];
// Every container carries this label, so teardown also finds those whose start() threw.
const RUN_LABEL = `kube-chaos-harness.contract=${process.pid}-${Date.now()}`;
const networks: StartedNetwork[] = [];

beforeAll(async () => {
  socket = await startPodmanSocket();
  // Ryuk cannot be pulled here; the override keeps mapped ports on loopback (verified-here.md).
  process.env.DOCKER_HOST = socket.dockerHost;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1';
  image = await buildStandinImage((l) => console.log(l));
  await ensureStandinInPodman(image);
  tc = await import('testcontainers');
}, 900_000);

afterAll(async () => {
  const listed = await exec('podman', ['ps', '-aq', '--filter', `label=${RUN_LABEL}`], { timeoutMs: 30_000, nothrow: true });
  const ids = new Set([...started.map((c) => c.getId()), ...listed.stdout.split('\n').filter(Boolean)]);
  for (const id of ids) await exec('podman', ['rm', '-f', '-t', '0', id], { timeoutMs: 30_000, nothrow: true });
  for (const n of networks) await n.stop().catch(() => {});
  await socket?.stop();
}, 120_000);

interface RoleOptions { env?: Record<string, string>; ports: number[]; network?: StartedNetwork; alias?: string }

async function startRole(role: string, o: RoleOptions): Promise<StartedTestContainer> {
  let c: GC = new tc.GenericContainer(image.ref)
    .withEnvironment({ ROLE: role, DRAIN_DELAY_S: '1', ...o.env })
    .withExposedPorts(...o.ports)
    .withLabels({ [RUN_LABEL.split('=')[0]!]: RUN_LABEL.split('=')[1]! })
    .withWaitStrategy(tc.Wait.forLogMessage(/"event":"start"/).withStartupTimeout(30_000));
  if (o.network) c = c.withNetwork(o.network);
  if (o.alias) c = c.withNetworkAliases(o.alias);
  const s = await c.start();
  started.push(s);
  return s;
}

const url = (c: StartedTestContainer, port: number, path: string) => `http://127.0.0.1:${c.getMappedPort(port)}${path}`;

async function events(c: StartedTestContainer): Promise<Record<string, unknown>[]> {
  const res = await exec('podman', ['logs', c.getId()], { timeoutMs: 30_000 });
  return res.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function exitLine(c: StartedTestContainer): Promise<Record<string, unknown>> {
  const ev = await events(c);
  const exit = ev.find((e) => e.event === 'exit');
  if (!exit) throw new Error(`no exit line in ${c.getId()} logs: ${JSON.stringify(ev)}`);
  return exit;
}

/** Stop as a kubelet does: SIGTERM, SIGKILL after the grace period; not removed (logs kept). */
function kubeletStop(c: StartedTestContainer, graceMs: number) {
  return c.stop({ timeout: graceMs, remove: false });
}

function openWs(address: string): Promise<{ ws: WebSocket; closed: Promise<number>; echo: (m: string) => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(address);
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    const echo = (m: string) => new Promise<string>((r) => { ws.once('message', (d) => r(d.toString())); ws.send(m); });
    ws.once('open', () => resolve({ ws, closed, echo }));
    ws.once('error', reject);
  });
}

async function metricsText(c: StartedTestContainer, port = 9090): Promise<string> {
  return (await fetch(url(c, port, '/metrics'))).text();
}

describe('stand-in image', () => {
  it('is small and runs FROM scratch', () => {
    console.log(`standin image ${image.ref}: ${(image.sizeBytes / 1024 / 1024).toFixed(1)} MB`);
    expect(image.sizeBytes).toBeLessThan(40 * 1024 * 1024);
  });
});

describe('aenebris-proxy + upstream', () => {
  let up: StartedTestContainer;
  let px: StartedTestContainer;
  beforeAll(async () => {
    const net = await new tc.Network().start();
    networks.push(net);
    up = await startRole('upstream', { ports: [8080, 9090], network: net, alias: 'aenebris-upstream' });
    px = await startRole('aenebris-proxy', { ports: [8080, 8443, 9090], network: net, env: { UPSTREAM_URL: 'http://aenebris-upstream:8080' } });
  }, 120_000);

  it('answers /healthz, /ready, proxies HTTP and terminates TLS on 8443', async () => {
    expect((await fetch(url(px, 8080, '/healthz'))).status).toBe(200);
    expect((await fetch(url(px, 8080, '/ready'))).status).toBe(200);
    const r = await fetch(url(px, 8080, '/anything'));
    expect([r.status, await r.text()]).toEqual([200, 'ok\n']);
    const tls = await new Promise<{ status: number; body: string; cn: string }>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: px.getMappedPort(8443), path: '/x', rejectUnauthorized: false }, (res) => {
        let body = '';
        const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cn: String(cert.subject?.CN) }));
      }).on('error', reject);
    });
    expect(tls).toEqual({ status: 200, body: 'ok\n', cn: 'aenebris-standin' });
  });

  it('exposes the seed metric names and the witness counters on 9090', async () => {
    const text = await metricsText(px);
    for (const name of ['http_requests_total', 'http_request_duration_seconds_bucket', 'active_connections', 'websocket_connections_total', 'upstream_health_status', 'standin_requests_served_total', 'standin_requests_cut_total', 'standin_ws_open', 'standin_ws_closed_total{code="1001"}']) {
      expect(text, name).toContain(name);
    }
    expect(text).toMatch(/http_requests_total\{method="GET",code="200"\} [1-9]/);
  });

  it('relays WebSockets and closes them with 1001 on a graceful stop; exit line cutOff 0', async () => {
    const s = await openWs(`ws://127.0.0.1:${px.getMappedPort(8080)}/ws`);
    expect(await s.echo('hello')).toBe('hello');
    const slow = fetch(url(px, 8080, '/slow?ms=500'));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    const stopping = kubeletStop(px, 30_000);
    expect(await s.closed).toBe(1001);
    expect((await slow).status).toBe(200);
    await stopping;
    expect(Date.now() - t0).toBeLessThan(10_000); // drained long before the 30 s grace
    const exit = await exitLine(px);
    expect(exit).toMatchObject({ cutOff: 0, wsOpen: 0, code: 0 });
    expect((exit.wsClosed as Record<string, number>)['1001']).toBe(1);
    expect(exit.served as number).toBeGreaterThanOrEqual(3);
    const names = (await events(px)).map((e) => e.event);
    expect(names).toEqual(['start', 'sigterm', 'not-ready', 'listener-closed', 'drained', 'exit']);
  });
});

describe('drain modes on the upstream role', () => {
  it('graceful: readiness 503 at once, still serving during the delay', async () => {
    const c = await startRole('upstream', { ports: [8080, 9090], env: { DRAIN_DELAY_S: '3' } });
    await exec('podman', ['kill', '--signal', 'TERM', c.getId()], { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetch(url(c, 8080, '/ready'))).status).toBe(503);
    expect((await fetch(url(c, 8080, '/x'))).status).toBe(200);
    await kubeletStop(c, 30_000);
    expect(await exitLine(c)).toMatchObject({ cutOff: 0, code: 0 });
  });

  it('sticky-ready: readiness stays 200 after SIGTERM', async () => {
    const c = await startRole('upstream', { ports: [8080, 9090], env: { DRAIN_MODE: 'sticky-ready', DRAIN_DELAY_S: '3' } });
    await exec('podman', ['kill', '--signal', 'TERM', c.getId()], { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetch(url(c, 8080, '/ready'))).status).toBe(200);
    await kubeletStop(c, 30_000);
    const names = (await events(c)).map((e) => e.event);
    expect(names).not.toContain('not-ready');
    expect(names.at(-1)).toBe('exit');
  });

  it('none: exits at once; the slow request is cut off and the WebSocket dropped (1006)', async () => {
    const c = await startRole('upstream', { ports: [8080, 9090], env: { DRAIN_MODE: 'none' } });
    const s = await openWs(`ws://127.0.0.1:${c.getMappedPort(8080)}/ws`);
    const slow = fetch(url(c, 8080, '/slow?ms=20000')).then((r) => r.status, (e: Error) => `error: ${e.message}`);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await kubeletStop(c, 30_000);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await s.closed).toBe(1006);
    expect(String(await slow)).toMatch(/^error/);
    expect(await exitLine(c)).toMatchObject({ cutOff: 1, wsOpen: 1, code: 143 });
  });
});

describe('ephemos-echo', () => {
  it('answers Echo and the gRPC health service, NOT_SERVING once draining', async () => {
    const c = await startRole('ephemos-echo', { ports: [8080, 9090], env: { DRAIN_DELAY_S: '3' } });
    const at = `http://127.0.0.1:${c.getMappedPort(8080)}`;
    const echo = await grpcUnary(at, '/ephemos.echo.v1.EchoService/Echo', encodeStringField1('hello ephemos'));
    expect(echo.status).toBe(0);
    expect(decodeStringField1(echo.body)).toBe('hello ephemos');
    const health = await grpcUnary(at, '/grpc.health.v1.Health/Check', Buffer.alloc(0));
    expect([health.status, decodeVarintField1(health.body)]).toEqual([0, 1]); // SERVING
    expect(await metricsText(c)).toMatch(/grpc_server_handled_total\{grpc_method="Echo",grpc_code="OK"\} 1/);
    await exec('podman', ['kill', '--signal', 'TERM', c.getId()], { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    const draining = await grpcUnary(at, '/grpc.health.v1.Health/Check', Buffer.alloc(0));
    expect(decodeVarintField1(draining.body)).toBe(2); // NOT_SERVING
    await kubeletStop(c, 30_000);
    expect(await exitLine(c)).toMatchObject({ served: 1, cutOff: 0 });
  });
});

describe('s3-gateway + object-store', () => {
  it('round-trips an object encrypted with AES-256-GCM at rest', async () => {
    const net = await new tc.Network().start();
    networks.push(net);
    const store = await startRole('object-store', { ports: [9000, 9090], network: net, alias: 'object-store' });
    const gw = await startRole('s3-gateway', { ports: [8080, 9090], network: net, env: { BACKEND_ENDPOINT: 'http://object-store:9000', ENCRYPTION_PASSWORD: 'contract-test', SEED_OBJECTS: '/kch-load/object-1' } });
    expect((await fetch(url(gw, 8080, '/health'))).status).toBe(200);
    // /ready turns 200 once the seed object is written (bounded wait).
    let ready = 0;
    for (let i = 0; i < 50 && ready !== 200; i++) {
      ready = (await fetch(url(gw, 8080, '/ready'))).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready).toBe(200);
    const seed = await fetch(url(gw, 8080, '/kch-load/object-1'));
    expect([seed.status, (await seed.text()).startsWith('kube-chaos-harness seed object')]).toEqual([200, true]);
    const plain = 'the quick brown fox '.repeat(50);
    expect((await fetch(url(gw, 8080, '/bucket/key.txt'), { method: 'PUT', body: plain })).status).toBe(200);
    const back = await fetch(url(gw, 8080, '/bucket/key.txt'));
    expect([back.status, await back.text()]).toEqual([200, plain]);
    const raw = Buffer.from(await (await fetch(url(store, 9000, '/bucket/key.txt'))).arrayBuffer());
    expect(raw.length).toBe(Buffer.byteLength(plain) + 12 + 16); // nonce + GCM tag
    expect(raw.toString('utf8')).not.toContain('quick brown fox');
    const text = await (await fetch(url(gw, 8080, '/metrics'))).text();
    expect(text).toMatch(/s3_gateway_requests_total\{method="PUT",bucket="bucket",status="200"\} 1/);
    expect(text).toContain('s3_gateway_http_requests_total');
    expect(text).toContain('s3_gateway_encryption_duration_seconds_bucket');
    expect((await fetch(url(gw, 8080, '/bucket/missing'))).status).toBe(404);
  });
});

describe('basebook', () => {
  it('backend: /health, /ready, WebSocket channels prices/pools/swaps broadcast on 4001', async () => {
    const c = await startRole('basebook-backend', { ports: [4000, 4001, 9090], env: { BROADCAST_MS: '200' } });
    expect((await fetch(url(c, 4000, '/health'))).status).toBe(200);
    expect((await fetch(url(c, 4000, '/ready'))).status).toBe(200);
    const s = await openWs(`ws://127.0.0.1:${c.getMappedPort(4001)}/`);
    const got: Record<string, unknown>[] = [];
    s.ws.on('message', (d) => got.push(JSON.parse(d.toString()) as Record<string, unknown>));
    for (const channel of ['prices', 'pools', 'swaps']) s.ws.send(JSON.stringify({ type: 'subscribe', channel }));
    await new Promise((r) => setTimeout(r, 1000));
    expect(got.filter((m) => m.type === 'subscribed').map((m) => m.channel)).toEqual(['prices', 'pools', 'swaps']);
    const updates = new Set(got.filter((m) => m.type === 'update').map((m) => m.channel));
    expect([...updates].sort()).toEqual(['pools', 'prices', 'swaps']);
    const stopping = kubeletStop(c, 30_000);
    expect(await s.closed).toBe(1001);
    await stopping;
    expect(await exitLine(c)).toMatchObject({ cutOff: 0, wsClosed: { '1001': 1 } });
  });

  it('router: /route burns CPU and counts route calculations; metrics on 9091', async () => {
    const c = await startRole('basebook-router', { ports: [8080, 9091], env: { ROUTE_COST_MICROS: '20000' } });
    const t0 = performance.now();
    const r = await fetch(url(c, 8080, '/route?tokenIn=ETH&tokenOut=USDC'));
    expect(r.status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(20);
    expect(await r.json()).toMatchObject({ tokenIn: 'ETH', tokenOut: 'USDC' });
    expect(await metricsText(c, 9091)).toContain('route_calculations_total 1');
  });

  it('frontend: static page and /api/health on 3000', async () => {
    const c = await startRole('basebook-frontend', { ports: [3000, 9090] });
    expect(await (await fetch(url(c, 3000, '/'))).text()).toContain('BaseBook DEX');
    expect(await (await fetch(url(c, 3000, '/api/health'))).json()).toEqual({ status: 'ok' });
  });
});

describe('ebpf-tracer', () => {
  it('answers /api/health on 8080 and metrics on 9090', async () => {
    const c = await startRole('ebpf-tracer', { ports: [8080, 9090] });
    expect(await (await fetch(url(c, 8080, '/api/health'))).json()).toMatchObject({ status: 'healthy' });
    const text = await metricsText(c);
    for (const name of ['http_requests_total', 'http_errors_total', 'standin_requests_served_total']) expect(text).toContain(name);
  });
});

describe('CPU cost knob', () => {
  it('CPU_COST_MICROS makes every request cost that much CPU', async () => {
    const c = await startRole('upstream', { ports: [8080, 9090], env: { CPU_COST_MICROS: '30000' } });
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) await fetch(url(c, 8080, '/x'));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
  });
});
