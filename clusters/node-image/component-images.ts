// The images kubeadm v1.34 needs, built FROM scratch with the engine (nothing pulled) and tagged
// exactly as kubeadm expects, then saved as docker-archive tars for the preload.
import { copyFileSync, mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../../harness/base/exec.ts';
import type { ProgressSink } from '../provider.ts';
import type { EngineName } from '../engine/engine.ts';
import { timedStep } from '../progress.ts';
import { NODE_VERSIONS } from './versions.ts';

export interface ComponentImage {
  /** Archive file name (without .tar). */
  name: string;
  refs: string[];
}

export function componentImages(): ComponentImage[] {
  const v = NODE_VERSIONS;
  const k = (c: string) => ({ name: c, refs: [`registry.k8s.io/${c}:${v.kubernetes}`] });
  return [
    k('kube-apiserver'),
    k('kube-controller-manager'),
    k('kube-scheduler'),
    k('kube-proxy'),
    { name: 'etcd', refs: [`registry.k8s.io/etcd:${v.etcdTag}`] },
    { name: 'coredns', refs: [`registry.k8s.io/coredns/coredns:${v.coredns}`] },
    { name: 'pause', refs: v.pauseTags.map((t) => `registry.k8s.io/pause:${t}`) },
  ];
}

export async function buildImage(engine: EngineName, ref: string, context: string, containerfile: string): Promise<void> {
  writeFileSync(join(context, 'Containerfile'), containerfile);
  await exec(engine, ['build', '-q', '-f', join(context, 'Containerfile'), '-t', ref, context], { timeoutMs: 10 * 60_000 });
}

/** docker-archive with every ref's RepoTag (containerd's `ctr import` reads them). */
export async function saveImage(engine: EngineName, refs: string[], file: string): Promise<void> {
  rmSync(file, { force: true });
  const args = engine === 'podman' ? ['save', '-q', '--format', 'docker-archive', '-m', '-o', file, ...refs] : ['save', '-o', file, ...refs];
  await exec(engine, args, { timeoutMs: 10 * 60_000 });
}

const PATH_ENV = 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * kube-proxy needs iptables (legacy: the node entrypoint picks legacy when the node's netns has
 * no rules, always the case under Podman), ip6tables, conntrack and their shared libraries:
 * copied from the node rootfs instead of pulling distroless-iptables.
 */
const KUBE_PROXY_ROOT = String.raw`
set -euo pipefail
ROOTFS=$1; D=$2; BIN=$3
mkdir -p $D/usr/local/bin $D/usr/sbin $D/etc $D/usr/lib/x86_64-linux-gnu $D/lib64
cp $BIN/kube-proxy $D/usr/local/bin/
files=(/usr/sbin/xtables-legacy-multi /usr/sbin/xtables-nft-multi /usr/sbin/conntrack)
for f in "${"$"}{files[@]}"; do cp -a "$ROOTFS$f" "$D$f"; done
ln -s usr/lib $D/lib
cp -a "$ROOTFS/usr/lib/x86_64-linux-gnu/xtables" "$D/usr/lib/x86_64-linux-gnu/xtables"
libs=$(for f in "${"$"}{files[@]}" $(cd $ROOTFS && ls usr/lib/x86_64-linux-gnu/xtables/*.so | sed 's#^#/#'); do
  chroot "$ROOTFS" ldd "$f" 2>/dev/null | awk '/=>/ {print $3}'; done | sort -u)
for l in $libs; do
  real=$(chroot "$ROOTFS" readlink -f "$l")
  cp -a "$ROOTFS$real" "$D/usr/lib/x86_64-linux-gnu/"
  if [ "$(basename $l)" != "$(basename $real)" ]; then ln -sf "$(basename $real)" "$D/usr/lib/x86_64-linux-gnu/$(basename $l)"; fi
done
cp -a "$ROOTFS/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$D/usr/lib/x86_64-linux-gnu/"
ln -sf /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 $D/lib64/ld-linux-x86-64.so.2
for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
  ln -sf xtables-legacy-multi $D/usr/sbin/$t
done
echo 'hosts: files dns' > $D/etc/nsswitch.conf
`;

/** Build every component image and save it under `outDir`; returns the archive paths. */
export async function buildComponentImages(
  engine: EngineName,
  binaries: string,
  rootfs: string,
  work: string,
  outDir: string,
  progress: ProgressSink,
): Promise<string[]> {
  const v = NODE_VERSIONS;
  mkdirSync(outDir, { recursive: true });
  rmSync(work, { recursive: true, force: true });
  const ctx = (name: string, bins: Record<string, string>): string => {
    const d = join(work, name);
    mkdirSync(d, { recursive: true });
    for (const [from, to] of Object.entries(bins)) {
      copyFileSync(join(binaries, from), join(d, to));
      chmodSync(join(d, to), 0o755);
    }
    return d;
  };
  return timedStep(progress, 'build control-plane, etcd, CoreDNS, pause and kube-proxy images FROM scratch', async () => {
    for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      await buildImage(engine, `registry.k8s.io/${c}:${v.kubernetes}`, ctx(c, { [c]: c }), `FROM scratch\n${PATH_ENV}\nCOPY ${c} /usr/local/bin/${c}\n`);
    }
    await buildImage(engine, `registry.k8s.io/etcd:${v.etcdTag}`, ctx('etcd', { etcd: 'etcd' }), `FROM scratch\n${PATH_ENV}\nCOPY etcd /usr/local/bin/etcd\n`);
    // upstream's coredns image: ENTRYPOINT ["/coredns"]; kubeadm's Deployment passes only args
    await buildImage(
      engine,
      `registry.k8s.io/coredns/coredns:${v.coredns}`,
      ctx('coredns', { coredns: 'coredns' }),
      'FROM scratch\nCOPY coredns /coredns\nEXPOSE 53 53/udp\nENTRYPOINT ["/coredns"]\n',
    );
    const [firstPause, ...otherPause] = v.pauseTags;
    await buildImage(engine, `registry.k8s.io/pause:${firstPause}`, ctx('pause', { pause: 'pause' }), 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n');
    for (const t of otherPause) await exec(engine, ['tag', `registry.k8s.io/pause:${firstPause}`, `registry.k8s.io/pause:${t}`], { timeoutMs: 30_000 });
    const kp = join(work, 'kube-proxy');
    mkdirSync(kp, { recursive: true });
    await exec('bash', ['-c', KUBE_PROXY_ROOT, 'kube-proxy-root', rootfs, join(kp, 'root'), binaries], { timeoutMs: 5 * 60_000 });
    await buildImage(engine, `registry.k8s.io/kube-proxy:${v.kubernetes}`, kp, `FROM scratch\nCOPY root/ /\n${PATH_ENV}\n`);
    const check = await exec(engine, ['run', '--rm', '--network', 'none', '--entrypoint', '/usr/sbin/iptables', `registry.k8s.io/kube-proxy:${v.kubernetes}`, '--version'], {
      timeoutMs: 60_000,
    });
    progress(`kube-proxy image: ${check.stdout.trim()}`);
    const archives: string[] = [];
    for (const img of componentImages()) {
      const file = join(outDir, `${img.name}.tar`);
      await saveImage(engine, img.refs, file);
      archives.push(file);
    }
    rmSync(work, { recursive: true, force: true });
    return archives;
  });
}
