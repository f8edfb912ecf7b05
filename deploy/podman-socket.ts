// Podman's Docker-compatible API for testcontainers (Docker cannot run here). Reuses a socket
// that already answers; otherwise starts `podman system service` on a private socket that
// only this process uses, so stopping it never pulls the engine from under someone else.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdirSync, rmSync } from 'node:fs';
import { ownerEnv, toolEnv } from '../harness/base/exec.ts';

export interface PodmanSocket {
  /** unix:///... for DOCKER_HOST */
  dockerHost: string;
  /** Stops the service if this process started it. */
  stop(): Promise<void>;
}

const SHARED = '/run/podman/podman.sock';

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: path, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.end();
  });
}

export async function startPodmanSocket(): Promise<PodmanSocket> {
  if (await answers(SHARED)) return { dockerHost: `unix://${SHARED}`, stop: async () => {} };
  mkdirSync('/run/podman', { recursive: true });
  const path = `/run/podman/kch-${process.pid}.sock`;
  const child: ChildProcess = spawn('podman', ['system', 'service', '--time=0', `unix://${path}`], {
    // Labelled like exec()'s children: a harness killed before stop() leaves it for `npm run cleanup`.
    env: { ...toolEnv(), ...ownerEnv() },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); });
  const deadline = Date.now() + 20_000;
  while (!(await answers(path))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`podman system service on ${path} did not answer within 20 s: ${stderr.trim().slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    dockerHost: `unix://${path}`,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(path, { force: true });
    },
  };
}
