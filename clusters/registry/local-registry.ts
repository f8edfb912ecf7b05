// A registry on this machine for kind clusters (kind's local-registry pattern): Debian's
// docker-registry (distribution 2.8) in a container `kch-registry` on the kind network, published
// on 127.0.0.1:5001. The engine pushes to localhost:5001/…; every node's containerd pulls that name
// from http://kch-registry:5000 (the mirror in clusters/kind/kind-config.ts). Its image is built
// here FROM scratch (nothing can be pulled): the binary, the libc it links, and a config.yml.
// Blobs live on a tmpfs: stopping the container leaves nothing behind.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir } from '../../harness/base/cache.ts';
import { exec } from '../../harness/base/exec.ts';
import { ownershipHere, type ClusterOwnership } from '../kind/cluster-record.ts';
import { LOCAL_REGISTRY } from '../kind/kind-config.ts';
import type { ProgressSink } from '../provider.ts';

export const LOCAL_REGISTRY_IMAGE_REPO = 'localhost/kube-chaos-harness/registry';
export const LOCAL_REGISTRY_HOST_PORT = Number(LOCAL_REGISTRY.name.split(':')[1]);
const DEBIAN_BINARY = '/usr/bin/docker-registry';
const BINARY = '/bin/registry';
const CONFIG = '/etc/docker/registry/config.yml';
const STORAGE = '/var/lib/registry';

/** Pure: the registry's config: filesystem storage, plain HTTP on :5000 inside the container. */
export function localRegistryConfig(): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${STORAGE}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: :${LOCAL_REGISTRY.containerPort}`,
    '',
  ].join('\n');
}

/** Pure: the shared libraries (and the loader) of an `ldd` listing. */
export function lddPaths(lddOutput: string): string[] {
  const out: string[] = [];
  for (const line of lddOutput.split('\n')) {
    const path = /=>\s*(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(0x/.exec(line)?.[1];
    if (path && !out.includes(path)) out.push(path);
  }
  return out;
}

/**
 * Debian's binary: the installed one, else the package unpacked into the cache. Unpacked rather
 * than `apt-get install`ed: the package's service would start a second registry on :5000 of every
 * address where systemd runs, and only its binary is wanted.
 */
async function registryBinary(progress: ProgressSink): Promise<string> {
  if (existsSync(DEBIAN_BINARY)) return DEBIAN_BINARY;
  const dir = cacheDir('docker-registry');
  const unpacked = join(dir, 'root', DEBIAN_BINARY.slice(1));
  if (existsSync(unpacked)) return unpacked;
  progress("local registry: fetching Debian's docker-registry package (apt-get download, unpacked into the cache)");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const download = await exec('apt-get', ['download', '-qq', 'docker-registry'], { cwd: dir, timeoutMs: 5 * 60_000, env, nothrow: true }).catch((e: Error) => ({ code: 1, stderr: e.message }));
  const deb = readdirSync(dir).find((f) => /^docker-registry_.*\.deb$/.test(f));
  if (download.code !== 0 || !deb) {
    throw new Error(`local registry: Debian's docker-registry is not installed and could not be downloaded (apt-get download docker-registry: ${download.stderr.trim().split('\n').pop()}); install it: apt-get install -y docker-registry`);
  }
  await exec('dpkg-deb', ['-x', join(dir, deb), join(dir, 'root')], { timeoutMs: 60_000 });
  return unpacked;
}

/** Build (or find) the registry image FROM scratch; its tag is a hash of what goes in. */
export async function buildLocalRegistryImage(progress: ProgressSink): Promise<string> {
  const binary = await registryBinary(progress);
  const kind = (await exec('file', ['-b', '-L', binary], { timeoutMs: 15_000 })).stdout;
  // Debian builds it with cgo (dynamic, libc only): copy what ldd names. A static one needs nothing.
  const libs = /statically linked/.test(kind) ? [] : lddPaths((await exec('ldd', [binary], { timeoutMs: 15_000 })).stdout);
  const files = [{ src: binary, dest: BINARY }, ...libs.map((l) => ({ src: l, dest: l }))];
  const config = localRegistryConfig();
  const containerfile = ['FROM scratch', ...files.map((f) => `COPY ${f.dest.slice(1)} ${f.dest}`), `COPY config.yml ${CONFIG}`, `ENTRYPOINT ["${BINARY}", "serve", "${CONFIG}"]`, ''].join('\n');
  const h = createHash('sha256').update(containerfile).update(config);
  for (const f of files) h.update(f.dest).update(readFileSync(f.src));
  const ref = `${LOCAL_REGISTRY_IMAGE_REPO}:${h.digest('hex').slice(0, 16)}`;
  if ((await exec('podman', ['image', 'exists', ref], { timeoutMs: 30_000, nothrow: true })).code === 0) return ref;
  const ctx = cacheDir('docker-registry', 'context');
  rmSync(ctx, { recursive: true, force: true });
  for (const f of files) {
    mkdirSync(dirname(join(ctx, f.dest)), { recursive: true });
    copyFileSync(f.src, join(ctx, f.dest));
  }
  writeFileSync(join(ctx, 'config.yml'), config);
  writeFileSync(join(ctx, 'Containerfile'), containerfile);
  progress(`local registry: podman build ${ref} (${files.length} files FROM scratch)`);
  await exec('podman', ['build', '--quiet', '-t', ref, '-f', join(ctx, 'Containerfile'), ctx], { timeoutMs: 5 * 60_000 });
  rmSync(ctx, { recursive: true, force: true });
  return ref;
}

/** Container labels carrying who started the registry, so `npm run cleanup` can tell a left-over one. */
const OWNER_LABELS = { owner: 'kube-chaos-harness.owner', ownerPid: 'kube-chaos-harness.owner-pid', testSession: 'kube-chaos-harness.test-session', createdAt: 'kube-chaos-harness.created-at' } as const;

/** Pure: `--label` arguments for an ownership (a registry is never kept: tests start and stop it). */
export function ownerLabelArgs(o: ClusterOwnership): string[] {
  const pairs: [string, string][] = [[OWNER_LABELS.owner, o.owner], [OWNER_LABELS.ownerPid, String(o.ownerPid)], [OWNER_LABELS.createdAt, o.createdAt]];
  if (o.testSession) pairs.push([OWNER_LABELS.testSession, o.testSession]);
  return pairs.flatMap(([k, v]) => ['--label', `${k}=${v}`]);
}

/** Pure: the ownership a container's labels record, null when they record none (not started by this harness version). */
export function ownershipFromLabels(labels: Record<string, string> | null | undefined): ClusterOwnership | null {
  const owner = labels?.[OWNER_LABELS.owner];
  const pid = Number(labels?.[OWNER_LABELS.ownerPid]);
  if (!owner || !Number.isInteger(pid) || pid <= 0) return null;
  return { owner, ownerPid: pid, testSession: labels?.[OWNER_LABELS.testSession] || null, keep: false, createdAt: labels?.[OWNER_LABELS.createdAt] ?? '' };
}

/** The local registry container left on this machine (running or not), with its recorded ownership. */
export async function findLocalRegistry(): Promise<{ name: string; ownership: ClusterOwnership | null } | null> {
  const name = LOCAL_REGISTRY.container;
  const r = await exec('podman', ['ps', '-a', '--filter', `name=^${name}$`, '--format', 'json'], { timeoutMs: 30_000, nothrow: true });
  if (r.code !== 0) return null;
  const list = JSON.parse(r.stdout.trim() || '[]') as { Labels?: Record<string, string> | null }[];
  return list.length ? { name, ownership: ownershipFromLabels(list[0]!.Labels) } : null;
}

export async function removeLocalRegistry(): Promise<void> {
  await exec('podman', ['rm', '-f', '-t', '0', LOCAL_REGISTRY.container], { timeoutMs: 60_000, nothrow: true });
}

export interface RunningLocalRegistry {
  /** What --registry takes for it, with a path: `localhost:5001/<path>`. */
  name: string;
  /** http://127.0.0.1:5001: its API from this machine. */
  url: string;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2000) });
    return r.status === 200;
  } catch {
    return false;
  }
}

/**
 * Start `kch-registry` on the kind network (which must exist: after a kind cluster is up),
 * published on 127.0.0.1:5001; a left-over container of the same name is replaced. Ready when
 * GET /v2/ answers (bounded 30 s).
 */
export async function startLocalRegistry(progress: ProgressSink, path = 'kch'): Promise<RunningLocalRegistry> {
  const image = await buildLocalRegistryImage(progress);
  const name = LOCAL_REGISTRY.container;
  await removeLocalRegistry();
  await exec(
    'podman',
    ['run', '-d', '--name', name, ...ownerLabelArgs(ownershipHere(false)), '--network', 'kind', '-p', `127.0.0.1:${LOCAL_REGISTRY_HOST_PORT}:${LOCAL_REGISTRY.containerPort}`, '--tmpfs', `${STORAGE}:rw,mode=1777`, image],
    { timeoutMs: 60_000 },
  );
  const url = `http://127.0.0.1:${LOCAL_REGISTRY_HOST_PORT}`;
  const stop = removeLocalRegistry;
  const until = Date.now() + 30_000;
  while (!(await answers(url))) {
    if (Date.now() > until) {
      const logs = await exec('podman', ['logs', '--tail', '20', name], { timeoutMs: 15_000, nothrow: true });
      await stop();
      throw new Error(`local registry ${name}: ${url}/v2/ did not answer within 30 s\n${logs.stdout}${logs.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  progress(`local registry ${name} (${image}) on the kind network, ${url} here, ${LOCAL_REGISTRY.name} to the nodes`);
  return { name: `${LOCAL_REGISTRY.name}/${path}`, url, stop };
}
