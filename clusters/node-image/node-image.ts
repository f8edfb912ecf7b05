// The kind node image: the official kindest/node where it can be pulled (or is already here);
// otherwise one built offline from the Go module proxy and Debian, cached by its inputs (the tag
// carries the inputs' hash, so a changed input builds a new image and an unchanged one is reused).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../../harness/base/exec.ts';
import { cacheDir } from '../../harness/base/cache.ts';
import type { ProgressSink } from '../provider.ts';
import type { EngineName } from '../engine/engine.ts';
import { seconds, timedStep } from '../progress.ts';
import { kindSourceDir } from './kind-sources.ts';
import { buildNodeBinaries } from './go-binaries.ts';
import { buildNodeRootfs, debootstrap, DEBOOTSTRAP_PACKAGES } from './base-rootfs.ts';
import { buildComponentImages, componentImages } from './component-images.ts';
import { preloadImages } from './preload.ts';
import { KIND_VERSION, NODE_VERSIONS, OFFICIAL_NODE_IMAGE, inputsKey } from './versions.ts';
import { buildMetricsServerImage, METRICS_SERVER_VERSION } from './metrics-server-image.ts';

export interface NodeImage {
  ref: string;
  kubernetesVersion: string;
  /** true: our offline build (metrics-server preloaded, no kindnetd). */
  offline: boolean;
  /** Images already in the node's containerd (so `up` need not load them). */
  preloaded: string[];
}

/** Bump when the build steps change in a way the versions do not capture. */
const RECIPE = 3;

export function offlineNodeImageRef(): string {
  const key = inputsKey(RECIPE, NODE_VERSIONS, KIND_VERSION, DEBOOTSTRAP_PACKAGES, componentImages(), METRICS_SERVER_VERSION);
  return `localhost/kindest/node:${NODE_VERSIONS.kubernetes}-kch-${key}`;
}

function offlineImage(ref: string): NodeImage {
  return {
    ref,
    kubernetesVersion: NODE_VERSIONS.kubernetes,
    offline: true,
    preloaded: ['registry.k8s.io/metrics-server/metrics-server:' + METRICS_SERVER_VERSION],
  };
}

function officialImage(): NodeImage {
  const tag = /:(v[\d.]+)@/.exec(OFFICIAL_NODE_IMAGE)?.[1] ?? 'v1.37.0';
  return { ref: OFFICIAL_NODE_IMAGE, kubernetesVersion: tag, offline: false, preloaded: [] };
}

export async function imageExists(engine: EngineName, ref: string): Promise<boolean> {
  const r = await exec(engine, ['image', 'inspect', ref], { timeoutMs: 30_000, nothrow: true });
  return r.code === 0;
}

/** A pull that failed is not retried for a day: here it can never succeed, and costs seconds. */
async function tryPullOfficial(engine: EngineName, progress: ProgressSink): Promise<boolean> {
  if (process.env.HARNESS_NO_PULL === '1') return false;
  const marker = join(cacheDir('node-image'), `pull-failed-${engine}`);
  if (existsSync(marker) && Date.now() - Number(readFileSync(marker, 'utf8')) < 24 * 3600_000) return false;
  progress(`pulling ${OFFICIAL_NODE_IMAGE} (bounded: 10 min)…`);
  const r = await exec(engine, ['pull', OFFICIAL_NODE_IMAGE], { timeoutMs: 10 * 60_000, nothrow: true }).catch((e: Error) => ({
    code: 1,
    stderr: e.message,
  }));
  if (r.code === 0) return true;
  progress(`pull failed (${r.stderr.trim().split('\n').pop()?.slice(0, 160)}); building the node image offline`);
  writeFileSync(marker, String(Date.now()));
  return false;
}

/** Which image `up` uses: present official → present offline → pull → offline build. */
export async function ensureNodeImage(engine: EngineName, progress: ProgressSink): Promise<NodeImage> {
  if (process.env.HARNESS_NODE_IMAGE) {
    return { ref: process.env.HARNESS_NODE_IMAGE, kubernetesVersion: NODE_VERSIONS.kubernetes, offline: false, preloaded: [] };
  }
  const offline = offlineNodeImageRef();
  if (await imageExists(engine, offline)) return offlineImage(offline);
  if (await imageExists(engine, OFFICIAL_NODE_IMAGE)) return officialImage();
  if (await tryPullOfficial(engine, progress)) return officialImage();
  return buildNodeImage(engine, progress);
}

export interface BuildReport {
  ref: string;
  sizeBytes: number;
  ms: number;
}

/** The offline build (cached by inputs: returns at once when the image exists). */
export async function buildNodeImage(engine: EngineName, progress: ProgressSink, force = false): Promise<NodeImage & { report?: BuildReport }> {
  const ref = offlineNodeImageRef();
  if (!force && (await imageExists(engine, ref))) {
    progress(`node image ${ref} is cached`);
    return offlineImage(ref);
  }
  if (process.platform !== 'linux' || process.getuid?.() !== 0)
    throw new Error('building the node image offline needs root on Linux (debootstrap, chroot); run as root or provide HARNESS_NODE_IMAGE');
  const started = Date.now();
  const work = cacheDir('node-image', 'work');
  mkdirSync(work, { recursive: true });
  progress(`building node image ${ref} offline (Kubernetes ${NODE_VERSIONS.kubernetes}; cold ≈ 10 min on 2 cores, mostly Go)`);
  // debootstrap is network-bound, the Go builds CPU-bound: run them side by side
  const debootstrapped = debootstrap(progress);
  debootstrapped.catch(() => undefined);
  const binaries = await timedStep(progress, 'Go binaries (kubeadm, kubelet, kubectl, control plane, etcd, CoreDNS, crictl, pause)', () =>
    buildNodeBinaries(progress),
  );
  const metricsServerArchive = await buildMetricsServerImage(engine, progress);
  const kindSource = await kindSourceDir();
  const rootfs = join(work, 'rootfs');
  await buildNodeRootfs({ rootfs, kindSource, binaries }, progress, debootstrapped);
  const archives = await buildComponentImages(engine, binaries, rootfs, join(work, 'contexts'), join(work, 'images'), progress);
  await preloadImages(rootfs, [...archives, metricsServerArchive], work, progress);
  await timedStep(progress, `${engine} import the rootfs as ${ref}`, () =>
    exec(
      'bash',
      [
        '-c',
        // ENTRYPOINT/ENV/STOPSIGNAL as kind's base image sets them
        `set -o pipefail; tar --numeric-owner --xattrs -C "$1" -c . | ${engine} import --change 'ENV container=docker' --change 'STOPSIGNAL SIGRTMIN+3' --change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' - "$2"`,
        'import',
        rootfs,
        ref,
      ],
      { timeoutMs: 20 * 60_000 },
    ),
  );
  rmSync(rootfs, { recursive: true, force: true });
  const inspect = await exec(engine, ['image', 'inspect', '--format', '{{.Size}}', ref], { timeoutMs: 30_000 });
  const report: BuildReport = { ref, sizeBytes: Number(inspect.stdout.trim()), ms: Date.now() - started };
  progress(`node image ${ref}: ${(report.sizeBytes / 1e9).toFixed(2)} GB, built in ${seconds(report.ms)}`);
  return { ...offlineImage(ref), report };
}

export async function imageSize(engine: EngineName, ref: string): Promise<number> {
  const r = await exec(engine, ['image', 'inspect', '--format', '{{.Size}}', ref], { timeoutMs: 30_000 });
  return Number(r.stdout.trim());
}
