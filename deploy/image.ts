// The stand-in image, built with no registry: a static Go binary (CGO off) copied into an image
// FROM scratch by `podman build`, saved as a docker-archive for `kind load image-archive`.
// Tagged and cached by the content hash of the stand-in's sources.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../harness/base/cache.ts';
import { exec, toolEnv } from '../harness/base/exec.ts';

export const STANDIN_REPO = 'localhost/kube-chaos-harness/standin';
/** The placeholder image name in every base manifest; deploy/render.ts replaces it. */
export const STANDIN_PLACEHOLDER = `${STANDIN_REPO}:dev`;

export const STANDIN_SRC = fileURLToPath(new URL('./standin/', import.meta.url));

// No shell, no libc: the binary is static. USER 65534 unless the manifest says otherwise.
// No EXPOSE: Podman's API lists exposed-but-unpublished ports as null bindings, which
// testcontainers waits on forever; ports differ by role anyway.
const CONTAINERFILE = `FROM scratch
COPY standin /standin
USER 65534:65534
ENTRYPOINT ["/standin"]
`;

export interface StandinImage {
  ref: string;
  archive: string;
  sizeBytes: number;
}

/** Hash of every source file of the stand-in plus the Containerfile: the image's tag. */
export function standinHash(): string {
  const h = createHash('sha256');
  const files = readdirSync(STANDIN_SRC)
    .filter((f) => /\.(go|mod|sum)$/.test(f) && !f.endsWith('_test.go'))
    .sort();
  for (const f of files) {
    h.update(f).update('\0').update(readFileSync(join(STANDIN_SRC, f))).update('\0');
  }
  h.update(CONTAINERFILE);
  return h.digest('hex').slice(0, 16);
}

export function standinRef(hash = standinHash()): string {
  return `${STANDIN_REPO}:${hash}`;
}

/** Build (or reuse) the stand-in image and its archive. Prints the size through progress. */
export async function buildStandinImage(progress: (line: string) => void = () => {}, signal?: AbortSignal): Promise<StandinImage> {
  const hash = standinHash();
  const ref = standinRef(hash);
  const archive = join(cacheDir('images'), `standin-${hash}.tar`);
  if (existsSync(archive)) {
    const sizeBytes = statSync(archive).size;
    progress(`standin image ${ref}: cached ${archive} (${mb(sizeBytes)})`);
    return { ref, archive, sizeBytes };
  }
  const ctx = cacheDir('standin', hash);
  await buildStandinBinary(progress, hash, signal);
  writeFileSync(join(ctx, 'Containerfile'), CONTAINERFILE);
  progress(`standin: podman build ${ref}`);
  await exec('podman', ['build', '--quiet', '-t', ref, '-f', join(ctx, 'Containerfile'), ctx], { timeoutMs: 5 * 60_000, signal });
  const partial = `${archive}.partial`;
  await exec('podman', ['save', '--format', 'docker-archive', '-o', partial, ref], { timeoutMs: 5 * 60_000, signal });
  // Rename last: an archive that exists is always complete, so the cache check above is safe.
  renameSync(partial, archive);
  // Older archives are stale sources: drop them so the cache holds one stand-in.
  for (const f of readdirSync(cacheDir('images'))) {
    if (/^standin-[0-9a-f]{16}\.tar$/.test(f) && f !== `standin-${hash}.tar`) rmSync(join(cacheDir('images'), f), { force: true });
  }
  const sizeBytes = statSync(archive).size;
  progress(`standin image ${ref}: ${archive} (${mb(sizeBytes)})`);
  return { ref, archive, sizeBytes };
}

/** The static stand-in binary for this source hash (built once into cacheDir('standin', hash)). */
export async function buildStandinBinary(progress: (line: string) => void = () => {}, hash = standinHash(), signal?: AbortSignal): Promise<string> {
  const bin = join(cacheDir('standin', hash), 'standin');
  if (existsSync(bin)) return bin;
  progress(`standin: go build (static, CGO_ENABLED=0) -> ${bin}`);
  const partial = `${bin}.partial`;
  await exec('nice', ['-n', '10', 'go', 'build', '-trimpath', '-ldflags=-s -w', '-o', partial, '.'], {
    cwd: STANDIN_SRC,
    timeoutMs: 15 * 60_000,
    signal,
    env: toolEnv({ CGO_ENABLED: '0', GOFLAGS: '-mod=mod' }),
  });
  renameSync(partial, bin);
  return bin;
}

/** Make sure Podman's own store has the image (contract tests run it there). */
export async function ensureStandinInPodman(image: StandinImage): Promise<void> {
  const has = await exec('podman', ['image', 'exists', image.ref], { timeoutMs: 30_000, nothrow: true });
  if (has.code === 0) return;
  await exec('podman', ['load', '-i', image.archive], { timeoutMs: 5 * 60_000 });
}

export type ImageEngine = 'podman' | 'docker';

/** Where a user's image was found: the engine, its name there, its id. */
export interface LocalImage {
  /** As the scenario or --set gave it. */
  given: string;
  engine: ImageEngine;
  /** The engine's own name for it ("my-service:dev" in Podman is "localhost/my-service:dev"): what the cluster will know it by. */
  ref: string;
  id: string;
}

/** What each engine said when asked for an image: for the error that names where we looked. */
export interface ImageSearch {
  found: LocalImage | null;
  searched: string[];
}

/** Pure: pick the engine's tag for `given` among its RepoTags (podman qualifies short names with localhost/). */
export function canonicalTag(given: string, repoTags: readonly string[]): string {
  const withTag = /:[^/]+$/.test(given) ? given : `${given}:latest`;
  return (
    repoTags.find((t) => t === withTag) ??
    repoTags.find((t) => t === `localhost/${withTag}` || t === `docker.io/${withTag}` || t === `docker.io/library/${withTag}`) ??
    repoTags.find((t) => t.endsWith(`/${withTag}`)) ??
    withTag
  );
}

/** Look for `given` in Podman's store, then Docker's; says per engine why not. Never pulls. */
export async function findLocalImage(given: string, signal?: AbortSignal): Promise<ImageSearch> {
  const searched: string[] = [];
  for (const engine of ['podman', 'docker'] as const) {
    const r = await exec(engine, ['image', 'inspect', given], { timeoutMs: 30_000, nothrow: true, signal }).catch((e: Error) => e);
    if (r instanceof Error) {
      searched.push(`${engine} (${/ENOENT/.test(r.message) ? 'not installed' : r.message.split('\n')[0]})`);
      continue;
    }
    if (r.code !== 0) {
      const why = (r.stderr.trim().split('\n').pop() ?? '').slice(0, 160);
      const said = /no such image|image not known|not found/i.test(why) ? 'not in its store' : /cannot connect|daemon running|permission denied.*sock/i.test(why) ? 'its daemon is not reachable' : why || `exit ${r.code}`;
      searched.push(`${engine} (${said})`);
      continue;
    }
    const [info] = JSON.parse(r.stdout) as { Id: string; RepoTags?: string[] | null }[];
    if (!info) {
      searched.push(`${engine} (inspect returned nothing)`);
      continue;
    }
    searched.push(`${engine} (found)`);
    return { found: { given, engine, ref: canonicalTag(given, info.RepoTags ?? []), id: info.Id.replace(/^sha256:/, '') }, searched };
  }
  return { found: null, searched };
}

/** The image as a docker-archive for the cluster's loadImages, cached by image id (a rebuilt image is saved again). */
export async function saveLocalImage(image: LocalImage, progress: (line: string) => void = () => {}, signal?: AbortSignal): Promise<string> {
  const safe = image.ref.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(-80);
  const archive = join(cacheDir('images'), `user-${safe}-${image.id.slice(0, 12)}.tar`);
  if (existsSync(archive)) {
    progress(`image ${image.ref}: cached archive ${archive} (${mb(statSync(archive).size)})`);
    return archive;
  }
  const partial = `${archive}.partial`;
  const args = image.engine === 'podman' ? ['save', '--format', 'docker-archive', '-o', partial, image.ref] : ['save', '-o', partial, image.ref];
  await exec(image.engine, args, { timeoutMs: 10 * 60_000, signal });
  renameSync(partial, archive);
  // One archive per image name: older ids of the same name are stale.
  for (const f of readdirSync(cacheDir('images'))) {
    if (f.startsWith(`user-${safe}-`) && f.endsWith('.tar') && join(cacheDir('images'), f) !== archive) rmSync(join(cacheDir('images'), f), { force: true });
  }
  progress(`image ${image.ref}: ${image.engine} save → ${archive} (${mb(statSync(archive).size)})`);
  return archive;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
