// metrics-server v0.9.0: `go install` from the Go module proxy, then a one-binary image
// FROM scratch tagged as upstream's, so the manifests in deploy/addons/metrics-server are upstream's.
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../harness/base/cache.ts';
import { exec } from '../../harness/base/exec.ts';
import { goInstall } from '../../harness/base/go-install.ts';
import { METRICS_SERVER_IMAGE, METRICS_SERVER_VERSION } from '../../deploy/addons/metrics-server/versions.ts';
import type { EngineName } from '../engine/engine.ts';
import type { ProgressSink } from '../provider.ts';

export { METRICS_SERVER_IMAGE, METRICS_SERVER_VERSION } from '../../deploy/addons/metrics-server/versions.ts';

/** The metrics-server binary (go install, ~3.5 min cold on 2 cores). */
export async function ensureMetricsServerBinary(progress: ProgressSink): Promise<string> {
  const gobin = cacheDir('metrics-server', METRICS_SERVER_VERSION);
  const bin = join(gobin, 'metrics-server');
  if (!existsSync(bin)) await goInstall(`sigs.k8s.io/metrics-server/cmd/metrics-server@${METRICS_SERVER_VERSION}`, gobin, progress);
  return bin;
}

/** Build the image and save it as a docker-archive; returns the archive (cached). */
export async function buildMetricsServerImage(engine: EngineName, progress: ProgressSink): Promise<string> {
  const archive = join(cacheDir('metrics-server', METRICS_SERVER_VERSION), `image-${engine}.tar`);
  if (existsSync(archive)) return archive;
  const bin = await ensureMetricsServerBinary(progress);
  const ctx = join(cacheDir('metrics-server', METRICS_SERVER_VERSION), 'context');
  rmSync(ctx, { recursive: true, force: true });
  mkdirSync(ctx, { recursive: true });
  copyFileSync(bin, join(ctx, 'metrics-server'));
  chmodSync(join(ctx, 'metrics-server'), 0o755);
  // upstream's image runs /metrics-server as a non-root user
  writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nCOPY metrics-server /metrics-server\nUSER 65534:65534\nENTRYPOINT ["/metrics-server"]\n');
  await exec(engine, ['build', '-q', '-f', join(ctx, 'Containerfile'), '-t', METRICS_SERVER_IMAGE, ctx], { timeoutMs: 10 * 60_000 });
  const partial = `${archive}.partial`;
  rmSync(partial, { force: true });
  const args = engine === 'podman' ? ['save', '-q', '--format', 'docker-archive', '-o', partial, METRICS_SERVER_IMAGE] : ['save', '-o', partial, METRICS_SERVER_IMAGE];
  await exec(engine, args, { timeoutMs: 5 * 60_000 });
  await exec('mv', [partial, archive], { timeoutMs: 10_000 });
  rmSync(ctx, { recursive: true, force: true });
  progress(`metrics-server image ${METRICS_SERVER_IMAGE} saved to ${archive}`);
  return archive;
}
