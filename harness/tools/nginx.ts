// A private nginx (Debian's nginx-light) on a free loopback port answering `return 200`: the
// fixed-cost target for load benchmarks. Own prefix, config, pid and logs in a temp folder;
// bounded by `timeout`; stopped with SIGTERM (fast shutdown).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, tail, type ExecResult } from '../base/exec.ts';
import { freePort } from '../base/free-port.ts';

export interface RunningNginx {
  url: string;
  stop(): Promise<void>;
}

export function findNginx(): string | null {
  for (const p of ['/usr/sbin/nginx', ...(process.env.PATH ?? '').split(':').filter(Boolean).map((d) => join(d, 'nginx'))]) if (existsSync(p)) return p;
  return null;
}

export function nginxConfig(prefix: string, port: number, workers: number): string {
  const tmp = (name: string) => join(prefix, 'tmp', name);
  return `worker_processes ${workers};
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  client_body_temp_path ${tmp('body')};
  proxy_temp_path ${tmp('proxy')};
  fastcgi_temp_path ${tmp('fastcgi')};
  uwsgi_temp_path ${tmp('uwsgi')};
  scgi_temp_path ${tmp('scgi')};
  server {
    listen 127.0.0.1:${port};
    location / { return 200 'ok'; }
  }
}
`;
}

export async function startNginx(o: { dir: string; lifetimeS: number; workers?: number }): Promise<RunningNginx> {
  const binary = findNginx();
  if (!binary) throw new Error('nginx not found (/usr/sbin/nginx or PATH): install nginx-light (apt-get install nginx-light)');
  mkdirSync(join(o.dir, 'tmp'), { recursive: true });
  const port = await freePort();
  const conf = join(o.dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(o.dir, port, o.workers ?? 2));
  const stopper = new AbortController();
  const state: { exited: ExecResult | Error | null } = { exited: null };
  const running = exec(
    'timeout',
    ['--foreground', '-k', '3', `${o.lifetimeS}s`, binary, '-p', o.dir, '-e', join(o.dir, 'error.log'), '-c', conf, '-g', 'daemon off;'],
    { timeoutMs: (o.lifetimeS + 10) * 1000, signal: stopper.signal, nothrow: true },
  ).then(
    (r) => void (state.exited = r),
    (e: unknown) => void (state.exited = e instanceof Error ? e : new Error(String(e))),
  );
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const exited = state.exited;
    if (exited) throw new Error(`nginx did not start: ${exited instanceof Error ? exited.message : tail(exited.stderr, 10)}`);
    if (await fetch(url, { signal: AbortSignal.timeout(500) }).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      stopper.abort();
      await running;
      throw new Error(`nginx on 127.0.0.1:${port} not answering within 10 s (${join(o.dir, 'error.log')})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      stopper.abort();
      await running;
    },
  };
}
