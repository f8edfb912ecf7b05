// The node's root filesystem, built offline: `debootstrap` of Debian bookworm from the mirror apt
// already uses, then laid out the way kind's images/base/Dockerfile lays out kindest/base, from
// kind's own images/base/files (taken from the Go module cache). Debian's containerd/runc/CNI
// plugins replace the upstream tarballs kindest/base downloads.
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync, appendFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../../harness/base/exec.ts';
import { cacheDir } from '../../harness/base/cache.ts';
import type { ProgressSink } from '../provider.ts';
import { timedStep } from '../progress.ts';
import { NODE_VERSIONS, inputsKey } from './versions.ts';

export const DEBOOTSTRAP_PACKAGES = [
  'systemd', 'systemd-sysv', 'dbus', 'conntrack', 'iptables', 'nftables', 'iproute2', 'ethtool', 'util-linux',
  'mount', 'kmod', 'libseccomp2', 'pigz', 'fuse-overlayfs', 'e2fsprogs', 'bash', 'ca-certificates', 'curl', 'jq',
  'procps', 'containerd', 'runc', 'containernetworking-plugins', 'socat', 'ebtables',
] as const;

const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/** The Debian mirror apt uses here: first `URIs:` of debian.sources, else the first `deb` line. */
export function aptMirror(debianSources: string | null, sourcesList: string | null): string {
  const uri = debianSources?.match(/^URIs:\s*(\S+)/m)?.[1];
  if (uri && !uri.includes('security')) return uri;
  const deb = sourcesList?.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/m)?.[1];
  return deb ?? DEFAULT_MIRROR;
}

function readIf(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/**
 * kind's containerd config, adapted to this node: no fuse-overlayfs proxy plugin (Debian has no
 * containerd-fuse-overlayfs-grpc), the sandbox image kubeadm v1.34 expects, and
 * restrict_oom_score_adj (without CAP_SYS_RESOURCE runc cannot set the -997 kubelet asks for).
 */
export function adaptContainerdConfig(kindConfig: string, pauseTag: string): string {
  const out = kindConfig
    .replace(/\[proxy_plugins\]\n# fuse-overlayfs[\s\S]*?\n\n/, '')
    .replace(/sandbox_image = "registry\.k8s\.io\/pause:[^"]+"/, `sandbox_image = "registry.k8s.io/pause:${pauseTag}"`)
    .replace('restrict_oom_score_adj = false', 'restrict_oom_score_adj = true');
  if (out.includes('fuse-overlayfs')) throw new Error('containerd config: fuse-overlayfs proxy plugin not removed (kind changed its file?)');
  if (!out.includes('restrict_oom_score_adj = true')) throw new Error('containerd config: restrict_oom_score_adj not found');
  return out;
}

/** Debootstrap once per package list; the result is copied for each layout. */
export async function debootstrap(progress: ProgressSink): Promise<string> {
  const mirror = aptMirror(readIf('/etc/apt/sources.list.d/debian.sources'), readIf('/etc/apt/sources.list'));
  const dir = join(cacheDir('node-image'), `debootstrap-${inputsKey(NODE_VERSIONS.debianSuite, DEBOOTSTRAP_PACKAGES)}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  await timedStep(progress, `debootstrap ${NODE_VERSIONS.debianSuite} from ${mirror}`, () =>
    exec('debootstrap', ['--variant=minbase', `--include=${DEBOOTSTRAP_PACKAGES.join(',')}`, NODE_VERSIONS.debianSuite, tmp, mirror], {
      timeoutMs: 20 * 60_000,
    }).catch((e: Error) => {
      throw new Error(`debootstrap failed (needs root and apt-get install debootstrap): ${e.message}`);
    }),
  );
  writeFileSync(join(tmp, '.complete'), '');
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

function install(src: string, dest: string, mode: number): void {
  cpSync(src, dest, { force: true });
  chmodSync(dest, mode);
}

function installDir(srcDir: string, destDir: string, mode: number): void {
  mkdirSync(destDir, { recursive: true });
  for (const f of readdirSync(srcDir)) install(join(srcDir, f), join(destDir, f), mode);
}

function forceSymlink(target: string, path: string): void {
  rmSync(path, { force: true });
  symlinkSync(target, path);
}

function removeChildren(dir: string, match: (name: string) => boolean = () => true): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) if (match(f)) rmSync(join(dir, f), { recursive: true, force: true });
}

export interface RootfsInput {
  /** Where to lay out the rootfs (a fresh folder; replaced). */
  rootfs: string;
  kindSource: string;
  binaries: string;
}

/** Debootstrap (cached) → copy → kind's base layout → Kubernetes node binaries. */
export async function buildNodeRootfs(input: RootfsInput, progress: ProgressSink, debootstrapped?: Promise<string>): Promise<void> {
  const base = await (debootstrapped ?? debootstrap(progress));
  const R = input.rootfs;
  const F = join(input.kindSource, 'images', 'base', 'files');
  if (!existsSync(F)) throw new Error(`kind base files not found at ${F} (go mod download sigs.k8s.io/kind failed?)`);
  await timedStep(progress, 'lay out the node rootfs as kind base', async () => {
    rmSync(R, { recursive: true, force: true });
    // cp -a keeps owners, modes, device nodes and links: Node's cpSync does not.
    await exec('cp', ['-a', base, R], { timeoutMs: 10 * 60_000 });
    rmSync(join(R, '.complete'), { force: true });

    installDir(join(F, 'usr/local/bin'), join(R, 'usr/local/bin'), 0o755);
    mkdirSync(join(R, 'kind/manifests'), { recursive: true });
    mkdirSync(join(R, 'LICENSES'), { recursive: true });
    install(join(F, 'kind/README.txt'), join(R, 'kind/README.txt'), 0o644);
    installDir(join(F, 'kind/bin'), join(R, 'kind/bin'), 0o755);
    install(join(F, 'etc/crictl.yaml'), join(R, 'etc/crictl.yaml'), 0o644);
    mkdirSync(join(R, 'etc/containerd'), { recursive: true });
    writeFileSync(
      join(R, 'etc/containerd/config.toml'),
      adaptContainerdConfig(readFileSync(join(F, 'etc/containerd/config.toml'), 'utf8'), NODE_VERSIONS.pauseTags[0]),
    );
    chmodSync(join(R, 'etc/containerd/config.toml'), 0o644);
    installDir(join(F, 'etc/default'), join(R, 'etc/default'), 0o644);
    installDir(join(F, 'etc/sysctl.d'), join(R, 'etc/sysctl.d'), 0o644);
    for (const unit of ['kubelet.service', 'kubelet.slice', 'undo-mount-hacks.service', 'containerd.service'])
      install(join(F, 'etc/systemd/system', unit), join(R, 'etc/systemd/system', unit), 0o644);
    installDir(join(F, 'etc/systemd/system/kubelet.service.d'), join(R, 'etc/systemd/system/kubelet.service.d'), 0o644);
    chmodSync(join(R, 'kind'), 0o755);
    chmodSync(join(R, 'kind/bin'), 0o755);
    // kind's containerd.service runs /usr/local/bin/containerd; Debian ships /usr/bin/containerd
    forceSymlink('/usr/bin/containerd', join(R, 'usr/local/bin/containerd'));

    // base runtime spec as in kind's Dockerfile: `ctr oci spec` + the product-files hook, no rlimits
    const spec = JSON.parse((await exec('chroot', [R, 'ctr', 'oci', 'spec'], { timeoutMs: 60_000 })).stdout) as {
      hooks?: { createContainer?: { path: string }[] };
      process?: { rlimits?: unknown };
    };
    spec.hooks = { ...spec.hooks, createContainer: [...(spec.hooks?.createContainer ?? []), { path: '/kind/bin/mount-product-files.sh' }] };
    if (spec.process) delete spec.process.rlimits;
    writeFileSync(join(R, 'etc/containerd/cri-base.json'), JSON.stringify(spec, null, 2));

    // CNI plugins where containerd looks; the conflist is written per node at cluster start
    mkdirSync(join(R, 'opt/cni/bin'), { recursive: true });
    mkdirSync(join(R, 'etc/cni/net.d'), { recursive: true });
    for (const p of ['bridge', 'host-local', 'loopback', 'ptp', 'portmap'])
      await exec('cp', ['-a', join(R, 'usr/lib/cni', p), join(R, 'opt/cni/bin/')], { timeoutMs: 30_000 });

    // systemd trimming, as in kind's Dockerfile
    removeChildren(join(R, 'lib/systemd/system/sysinit.target.wants'), (f) => f === 'systemd-tmpfiles-setup.service');
    removeChildren(join(R, 'lib/systemd/system/multi-user.target.wants'));
    for (const d of existsSync(join(R, 'etc/systemd/system')) ? readdirSync(join(R, 'etc/systemd/system')) : [])
      if (d.endsWith('.wants')) removeChildren(join(R, 'etc/systemd/system', d));
    removeChildren(join(R, 'lib/systemd/system/local-fs.target.wants'));
    removeChildren(join(R, 'lib/systemd/system/sockets.target.wants'), (f) => f.includes('udev') || f.includes('initctl'));
    removeChildren(join(R, 'lib/systemd/system/basic.target.wants'));
    const journald = join(R, 'etc/systemd/journald.conf');
    if (!/^ReadKMsg=no/m.test(readIf(journald) ?? '')) appendFileSync(journald, 'ReadKMsg=no\n');
    forceSymlink('/usr/lib/systemd/systemd', join(R, 'sbin/init'));
    await exec('chroot', [R, 'systemctl', 'enable', 'kubelet.service', 'containerd.service', 'undo-mount-hacks.service'], { timeoutMs: 60_000 });
    await exec('chroot', [R, 'systemctl', 'mask', 'systemd-binfmt.service'], { timeoutMs: 60_000 });
    mkdirSync(join(R, 'etc/kubernetes/manifests'), { recursive: true });

    // Kubernetes node binaries (kind's node image keeps them in /usr/bin)
    for (const b of ['kubeadm', 'kubelet', 'kubectl']) install(join(input.binaries, b), join(R, 'usr/bin', b), 0o755);
    install(join(input.binaries, 'crictl'), join(R, 'usr/local/bin/crictl'), 0o755);
    writeFileSync(join(R, 'kind/version'), NODE_VERSIONS.kubernetes);

    for (const d of ['var/cache/apt/archives', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'var/log'])
      removeChildren(join(R, d), (f) => !(d === 'var/cache/apt/archives' && f === 'partial' && lstatSync(join(R, d, f)).isDirectory()));
  });
}
