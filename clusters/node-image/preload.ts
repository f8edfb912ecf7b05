// Preload images into the node rootfs's containerd store (/var/lib/containerd), as kind's
// `build node-image` does inside a build container, but with a throw-away containerd on the host
// whose root points into the rootfs (CRI plugin off, private socket). Same containerd version as
// the node's, taken from the rootfs itself.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join, basename } from 'node:path';
import { exec } from '../../harness/base/exec.ts';
import type { ProgressSink } from '../provider.ts';
import { timedStep } from '../progress.ts';

export function preloadContainerdConfig(rootfs: string, state: string): string {
  return [
    'version = 2',
    `root = "${rootfs}/var/lib/containerd"`,
    `state = "${state}/state"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]',
    `  address = "${state}/containerd.sock"`,
    '[ttrpc]',
    `  address = "${state}/containerd.sock.ttrpc"`,
    '[debug]',
    '  address = ""',
    '',
  ].join('\n');
}

export async function preloadImages(rootfs: string, archives: string[], work: string, progress: ProgressSink): Promise<void> {
  await timedStep(progress, `preload ${archives.length} images into the node's containerd`, async () => {
    const state = mkdtempSync(join(work, 'ctrd-'));
    writeFileSync(join(state, 'config.toml'), preloadContainerdConfig(rootfs, state));
    const daemon = spawn(join(rootfs, 'usr/bin/containerd'), ['--config', join(state, 'config.toml')], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => daemon.on('exit', () => resolve()));
    try {
      const sock = join(state, 'containerd.sock');
      for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
      if (!existsSync(sock)) throw new Error(`throw-away containerd did not open ${sock} within 10 s`);
      const ctr = [join(rootfs, 'usr/bin/ctr'), '--address', sock, '--namespace=k8s.io'];
      for (const archive of archives) {
        await exec(ctr[0] as string, [...ctr.slice(1), 'images', 'import', '--label=io.cri-containerd.pinned=pinned', '--all-platforms', '--no-unpack', '--digests', archive], {
          timeoutMs: 5 * 60_000,
        });
        progress(`  imported ${basename(archive)}`);
      }
      const list = await exec(ctr[0] as string, [...ctr.slice(1), 'images', 'ls', '-q'], { timeoutMs: 60_000 });
      progress(`  node images: ${list.stdout.split('\n').filter((l) => l && !l.includes('@sha256')).join(' ')}`);
    } finally {
      daemon.kill('SIGTERM');
      const killer = setTimeout(() => daemon.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
      rmSync(state, { recursive: true, force: true });
    }
  });
}
