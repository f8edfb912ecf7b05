// `go install pkg@version` of a pinned module into a cache folder: how k6, kind and
// metrics-server are built here (the Go module proxy is the only source). Static (CGO off), niced
// (it shares 2 cores with everything else), bounded, with progress.
import { mkdirSync } from 'node:fs';
import { exec, toolEnv } from './exec.ts';
import { timedStep, type Progress } from './progress.ts';

export const GO_INSTALL_TIMEOUT_MS = 45 * 60_000;

export async function goInstall(pkgAtVersion: string, gobin: string, progress: Progress, timeoutMs = GO_INSTALL_TIMEOUT_MS): Promise<void> {
  mkdirSync(gobin, { recursive: true });
  try {
    await timedStep(progress, `go install ${pkgAtVersion}`, () =>
      exec('nice', ['-n', '10', 'go', 'install', pkgAtVersion], { env: toolEnv({ CGO_ENABLED: '0', GOBIN: gobin }), timeoutMs }),
    );
  } catch (err) {
    throw new Error(`go install ${pkgAtVersion} failed (is Go installed and the module proxy reachable?): ${err instanceof Error ? err.message : String(err)}`);
  }
}
