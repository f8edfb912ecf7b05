// The two images `--load-from cluster` needs, built with no registry like the stand-in
// (deploy/image.ts): FROM scratch, `podman build`, saved as a docker-archive for the cluster's
// loadImages, tagged and cached by the content hash of everything copied in.
//   runner      the cached static k6 (CGO_ENABLED=0) + scenarios/k6/ baked in at /scripts. Baked,
//               not a ConfigMap: k6 resolves the scripts' relative imports (and proto/) from its
//               file system, and the image tag (a hash of k6 and every script) names exactly what ran.
//   prometheus  a static Prometheus built once from the Go module proxy (PROMETHEUS_MODULE), not
//               Debian's 2.42: Debian builds it without Kubernetes service discovery
//               (`kubernetes_sd_configs` is an unknown field there), and the run's Prometheus
//               discovers the workloads' pods with it. Debian's binary stays the host path's.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../../base/cache.ts';
import { exec } from '../../base/exec.ts';
import { goInstall } from '../../base/go-install.ts';

export const RUNNER_REPO = 'localhost/kube-chaos-harness/k6-runner';
export const PROMETHEUS_REPO = 'localhost/kube-chaos-harness/prometheus';
/** Where the scripts sit in the runner image; the entry is main.ts. */
export const RUNNER_SCRIPTS_DIR = '/scripts';
export const RUNNER_ENTRY = `${RUNNER_SCRIPTS_DIR}/main.ts`;
export const PROMETHEUS_BINARY = '/bin/prometheus';
/** Prometheus 3 by its Go module version (no replace directives: `go install` builds it; ~5 min, 147 MB, static). */
export const PROMETHEUS_MODULE = 'github.com/prometheus/prometheus/cmd/prometheus';
export const PROMETHEUS_MODULE_VERSION = 'v0.316.0';

const K6_SCRIPTS = fileURLToPath(new URL('../../../scenarios/k6/', import.meta.url));

export interface BuiltImage {
  ref: string;
  archive: string;
  sizeBytes: number;
}

/** A file to copy into the image: from the host path to the absolute path inside. */
export interface ImageFile {
  src: string;
  dest: string;
}

/** Pure: the Containerfile for files copied FROM scratch (context paths are the dest without its leading '/'). */
export function scratchContainerfile(files: readonly ImageFile[], entrypoint: string): string {
  const copies = files.map((f) => `COPY ${f.dest.replace(/^\//, '')} ${f.dest}`);
  // USER nobody: nothing in either image needs root; the pods say so again in securityContext.
  return ['FROM scratch', ...copies, 'USER 65534:65534', `ENTRYPOINT ["${entrypoint}"]`, ''].join('\n');
}

/** Pure: the shared libraries (and the loader) of an `ldd` listing, as absolute paths. */
export function lddLibraries(lddOutput: string): string[] {
  const out: string[] = [];
  for (const line of lddOutput.split('\n')) {
    const arrow = /=>\s*(\/\S+)/.exec(line);
    const bare = /^\s*(\/\S+)\s+\(0x/.exec(line);
    const path = arrow?.[1] ?? bare?.[1];
    if (path && !out.includes(path)) out.push(path);
  }
  return out;
}

/** The script files baked into the runner: every .ts of scenarios/k6 (not its tests) and its protos. */
export function runnerScriptFiles(dir = K6_SCRIPTS): ImageFile[] {
  const files: ImageFile[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const relPath = rel ? `${rel}/${name}` : name;
      if (statSync(join(dir, relPath)).isDirectory()) walk(relPath);
      else if ((/\.ts$/.test(name) && !/\.test\.ts$/.test(name)) || /\.proto$/.test(name)) files.push({ src: join(dir, relPath), dest: `${RUNNER_SCRIPTS_DIR}/${relPath}` });
    }
  };
  walk('');
  return files;
}

function contentHash(files: readonly ImageFile[], containerfile: string): string {
  const h = createHash('sha256');
  for (const f of files) h.update(f.dest).update('\0').update(readFileSync(f.src)).update('\0');
  h.update(containerfile);
  return h.digest('hex').slice(0, 16);
}

/** Build (or reuse from the cache) an image FROM scratch holding `files`; one archive per repo is kept. */
async function buildScratchImage(
  repo: string,
  slug: string,
  files: ImageFile[],
  entrypoint: string,
  progress: (line: string) => void,
  signal?: AbortSignal,
): Promise<BuiltImage> {
  const containerfile = scratchContainerfile(files, entrypoint);
  const hash = contentHash(files, containerfile);
  const ref = `${repo}:${hash}`;
  const images = cacheDir('images');
  const archive = join(images, `${slug}-${hash}.tar`);
  if (existsSync(archive)) {
    const sizeBytes = statSync(archive).size;
    progress(`${slug} image ${ref}: cached ${archive} (${mb(sizeBytes)})`);
    return { ref, archive, sizeBytes };
  }
  const ctx = cacheDir(slug, hash);
  for (const f of files) {
    const to = join(ctx, f.dest.replace(/^\//, ''));
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(f.src, to);
  }
  writeFileSync(join(ctx, 'Containerfile'), containerfile);
  progress(`${slug}: podman build ${ref} (${files.length} files FROM scratch)`);
  await exec('podman', ['build', '--quiet', '-t', ref, '-f', join(ctx, 'Containerfile'), ctx], { timeoutMs: 5 * 60_000, signal });
  const partial = `${archive}.partial`;
  await exec('podman', ['save', '--format', 'docker-archive', '-o', partial, ref], { timeoutMs: 5 * 60_000, signal });
  // Rename last: an archive that exists is complete. Older hashes of the same image are stale.
  renameSync(partial, archive);
  for (const f of readdirSync(images)) {
    if (new RegExp(`^${slug}-[0-9a-f]{16}\\.tar$`).test(f) && f !== `${slug}-${hash}.tar`) rmSync(join(images, f), { force: true });
  }
  rmSync(ctx, { recursive: true, force: true });
  const sizeBytes = statSync(archive).size;
  progress(`${slug} image ${ref}: ${archive} (${mb(sizeBytes)})`);
  return { ref, archive, sizeBytes };
}

/** The runner image from a static k6 (refused when it is dynamically linked: scratch has no libc). */
export async function buildRunnerImage(k6: string, progress: (line: string) => void = () => {}, signal?: AbortSignal): Promise<BuiltImage> {
  const kind = await exec('file', ['-b', k6], { timeoutMs: 15_000, nothrow: true }).catch(() => null);
  if (kind && kind.code === 0 && !/statically linked/.test(kind.stdout)) {
    throw new Error(`k6 at ${k6} is not statically linked (${kind.stdout.trim().slice(0, 120)}); the runner image is FROM scratch: rebuild it with CGO_ENABLED=0`);
  }
  return buildScratchImage(RUNNER_REPO, 'k6-runner', [{ src: k6, dest: '/k6' }, ...runnerScriptFiles()], '/k6', progress, signal);
}

/** The static Prometheus of the pinned module version, built into the cache once. */
export async function inClusterPrometheusBinary(progress: (line: string) => void = () => {}): Promise<string> {
  const dir = cacheDir('prometheus', PROMETHEUS_MODULE_VERSION);
  const bin = join(dir, 'prometheus');
  if (existsSync(bin)) return bin;
  progress(`prometheus ${PROMETHEUS_MODULE_VERSION} for the cluster not cached; building it with go install (about 5 min on 2 cores, once)`);
  await goInstall(`${PROMETHEUS_MODULE}@${PROMETHEUS_MODULE_VERSION}`, dir, progress, 30 * 60_000);
  return bin;
}

/** The Prometheus image: the static binary alone (refused when dynamically linked: scratch has no libc). */
export async function buildPrometheusImage(progress: (line: string) => void = () => {}, signal?: AbortSignal): Promise<BuiltImage> {
  const binary = await inClusterPrometheusBinary(progress);
  const kind = await exec('file', ['-b', binary], { timeoutMs: 15_000, nothrow: true }).catch(() => null);
  if (kind && kind.code === 0 && !/statically linked/.test(kind.stdout)) {
    throw new Error(`prometheus at ${binary} is not statically linked (${kind.stdout.trim().slice(0, 120)}); delete it to rebuild with CGO_ENABLED=0`);
  }
  return buildScratchImage(PROMETHEUS_REPO, 'prometheus', [{ src: binary, dest: PROMETHEUS_BINARY }], PROMETHEUS_BINARY, progress, signal);
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
