// `npm run bench -- standin`: is the stand-in's proxy role a bottleneck? The same k6 load
// (closed loop, N VUs, ≤ 15 s) against Debian's nginx as a reverse proxy and against the
// stand-in's aenebris-proxy role, both in front of the same stand-in upstream, all on
// 127.0.0.1. Reports the ratio of sustained rates and of p99 latencies.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStandinBinary } from '../../deploy/image.ts';
import { EXIT, UsageError } from '../base/errors.ts';
import { exec, toolEnv } from '../base/exec.ts';
import { freePort } from '../base/free-port.ts';
import { ensureK6 } from '../tools/k6.ts';
import { STOP_SIGNALS } from '../run/interrupts.ts';
import type { Bench } from './types.ts';

interface BenchOptions { durationS: number; vus: number; rounds: number; json: boolean }

export interface ProxyResult { name: string; rate: number; p99Ms: number; p50Ms: number; failedRate: number; requests: number }

export function parseArgs(args: string[]): BenchOptions {
  const o: BenchOptions = { durationS: 8, vus: 20, rounds: 2, json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = () => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`bench standin: ${a} needs a value`);
      return Number(v);
    };
    if (a === '--duration') o.durationS = next();
    else if (a === '--vus') o.vus = next();
    else if (a === '--rounds') o.rounds = next();
    else if (a === '--json') o.json = true;
    else throw new UsageError(`bench standin: unknown flag ${a} (known: --duration S (≤15), --vus N, --rounds N (≤5), --json)`);
  }
  if (!Number.isInteger(o.durationS) || o.durationS < 1 || o.durationS > 15) throw new UsageError(`bench standin: --duration ${o.durationS}: want 1..15 seconds`);
  if (!Number.isInteger(o.rounds) || o.rounds < 1 || o.rounds > 5) throw new UsageError(`bench standin: --rounds ${o.rounds}: want 1..5`);
  if (!Number.isInteger(o.vus) || o.vus < 1 || o.vus > 200) throw new UsageError(`bench standin: --vus ${o.vus}: want 1..200`);
  return o;
}

/** A child server that must answer on url before use; killed by pid at the end. */
async function startServer(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, readyUrl: string, children: ChildProcess[]): Promise<void> {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${stderr.trim().slice(-400)}`);
    const ok = await fetch(readyUrl).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not answer ${readyUrl} within 10 s: ${stderr.trim().slice(-400)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  for (const c of children) {
    if (c.exitCode !== null || c.pid === undefined) continue;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
    if (c.exitCode === null) c.kill('SIGKILL');
  }
}

/** Free offset for the stand-in's PORT_OFFSET: its main port and metrics port (+1010) both free. */
async function standinOffset(base: number): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const p = await freePort();
    if (p - base < 1 || p + 1010 > 65000) continue;
    return p - base;
  }
  throw new Error('bench standin: found no free port pair for the stand-in');
}

const K6_SCRIPT = `import http from 'k6/http';
export const options = { discardResponseBodies: true, summaryTrendStats: ['avg', 'p(50)', 'p(99)', 'max'] };
export default function () { http.get(__ENV.TARGET); }
`;

async function runK6(k6: string, dir: string, name: string, target: string, o: BenchOptions, signal: AbortSignal): Promise<ProxyResult> {
  const summary = join(dir, `${name}-summary.json`);
  await exec(k6, ['run', '--quiet', '--no-color', '--vus', String(o.vus), '--duration', `${o.durationS}s`, '--summary-export', summary, '-e', `TARGET=${target}`, join(dir, 'bench.js')], {
    timeoutMs: (o.durationS + 60) * 1000,
    env: toolEnv({ K6_NO_USAGE_REPORT: 'true' }),
    signal,
  });
  const m = (JSON.parse(readFileSync(summary, 'utf8')) as { metrics: Record<string, Record<string, number>> }).metrics;
  const reqs = m.http_reqs ?? {};
  const dur = m.http_req_duration ?? {};
  return { name, rate: reqs.rate ?? 0, requests: reqs.count ?? 0, p99Ms: dur['p(99)'] ?? NaN, p50Ms: dur['p(50)'] ?? NaN, failedRate: m.http_req_failed?.value ?? 0 };
}

function nginxConf(dir: string, port: number, upstream: string): string {
  return `worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream backend { server ${upstream}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

export async function bench(args: string[], print: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const o = parseArgs(args);
  const log = print;
  const k6 = await ensureK6(log);
  const bin = await buildStandinBinary(log);
  const dir = mkdtempSync(join(tmpdir(), 'kch-bench-standin-'));
  writeFileSync(join(dir, 'bench.js'), K6_SCRIPT);
  const children: ChildProcess[] = [];
  // SIGINT or SIGTERM: stop k6 and the servers, and end with exit 3 through the CLI's runCli
  // (never process.exit here). Once only: a second signal meets Node's default.
  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    log(`${sig}: stopping k6 and the servers`);
    stop.abort();
    void stopAll(children);
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  try {
    const upOff = await standinOffset(8080);
    const upstream = `127.0.0.1:${8080 + upOff}`;
    const base = { ...process.env, BIND: '127.0.0.1', DRAIN_DELAY_S: '0' };
    await startServer('upstream', bin, [], { ...base, ROLE: 'upstream', PORT_OFFSET: String(upOff) }, `http://${upstream}/healthz`, children);
    stop.signal.throwIfAborted();
    const pxOff = await standinOffset(8080);
    const proxy = `127.0.0.1:${8080 + pxOff}`;
    // The proxy role also listens on 8443+offset; a clash shows as a start error, named.
    await startServer('stand-in proxy', bin, [], { ...base, ROLE: 'aenebris-proxy', PORT_OFFSET: String(pxOff), UPSTREAM_URL: `http://${upstream}` }, `http://${proxy}/ready`, children);
    const nginxPort = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, nginxPort, upstream));
    await startServer('nginx', 'nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], toolEnv({ PATH: `/usr/sbin:${process.env.PATH ?? ''}` }), `http://127.0.0.1:${nginxPort}/x`, children);

    // Alternate the two proxies round by round: the machine is shared, so the load on it drifts.
    log(`k6 ${o.vus} VUs closed loop, ${o.durationS} s per run, ${o.rounds} round(s) alternating, upstream = stand-in upstream role at ${upstream}`);
    const results: ProxyResult[] = [];
    for (let round = 1; round <= o.rounds; round++) {
      for (const [name, target] of [['nginx', `http://127.0.0.1:${nginxPort}/x`], ['standin', `http://${proxy}/x`]] as const) {
        stop.signal.throwIfAborted();
        const r = await runK6(k6, dir, name, target, o, stop.signal);
        results.push(r);
        log(`  round ${round} ${name.padEnd(8)} ${r.rate.toFixed(0).padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  failed ${(r.failedRate * 100).toFixed(2)} %  (${r.requests} requests)`);
      }
    }
    const mean = (name: string, f: (r: ProxyResult) => number) => {
      const xs = results.filter((r) => r.name === name).map(f);
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    const rateRatio = mean('standin', (r) => r.rate) / mean('nginx', (r) => r.rate);
    const p99Ratio = mean('standin', (r) => r.p99Ms) / mean('nginx', (r) => r.p99Ms);
    log(`mean nginx ${mean('nginx', (r) => r.rate).toFixed(0)} req/s p99 ${mean('nginx', (r) => r.p99Ms).toFixed(2)} ms; stand-in ${mean('standin', (r) => r.rate).toFixed(0)} req/s p99 ${mean('standin', (r) => r.p99Ms).toFixed(2)} ms`);
    log(`standin/nginx: rate ${rateRatio.toFixed(2)}×, p99 ${p99Ratio.toFixed(2)}× (rate > 1 and p99 < 1 favour the stand-in)`);
    if (o.json) log(JSON.stringify({ vus: o.vus, durationS: o.durationS, rounds: o.rounds, results, rateRatio, p99Ratio }));
    const failed = results.filter((r) => r.failedRate > 0.01);
    if (failed.length > 0) {
      console.error(`bench standin: more than 1 % failed requests through ${failed.map((r) => r.name).join(', ')}`);
      return EXIT.verdictFailed;
    }
    return EXIT.pass;
  } catch (err) {
    // Whatever failed after a signal (k6 killed, a server gone) is the interruption, not a fault.
    if (!stop.signal.aborted) throw err;
    log(`bench standin: interrupted (${(err as Error).message.split('\n')[0]})`);
    return EXIT.infrastructure;
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    await stopAll(children);
    rmSync(dir, { recursive: true, force: true });
  }
}

const standinBench: Bench = {
  description: 'stand-in proxy role vs Debian nginx as reverse proxy to the same upstream, same k6 load, 127.0.0.1',
  usage: 'usage: npm run bench -- standin [--duration S (≤15, default 8)] [--vus N (≤200, default 20)] [--rounds N (≤5, default 2)] [--json]',
  run: bench,
};
export default standinBench;
