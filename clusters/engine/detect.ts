// Detect the engine once per process, doing the root set-up for Podman when that is what makes
// it work, and saying what was chosen, why, and what was changed on the host.
import type { ProgressSink } from '../provider.ts';
import { chooseEngine, probeEngine, type EngineChoice } from './engine.ts';
import { ensureLibModules, setUpPodmanHost } from './podman-setup.ts';

export interface EngineDetection extends EngineChoice {
  /** Host changes made by the set-up (empty when none were needed or allowed). */
  changes: string[];
}

let detected: Promise<EngineDetection> | undefined;

function canSetUp(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0;
}

async function detect(setUp: boolean): Promise<EngineDetection> {
  const probes = await Promise.all([probeEngine('docker'), probeEngine('podman')]);
  let choice = chooseEngine(probes, canSetUp());
  const changes: string[] = [];
  if (choice.needsSetup && setUp) {
    changes.push(...(await setUpPodmanHost(probes[1]!.detail)));
    const podman = await probeEngine('podman');
    choice = chooseEngine([probes[0]!, podman], false);
    if (!choice.engine) choice.reason = `podman still cannot start a privileged container after the set-up (${podman.detail})`;
  }
  if (choice.engine && setUp) changes.push(...ensureLibModules());
  return { ...choice, changes };
}

/** setUp=false: only say what would be used (doctor); setUp=true: make it work (up). */
export function detectEngine(opts: { setUp: boolean }): Promise<EngineDetection> {
  if (!opts.setUp) return detect(false);
  detected ??= detect(true).catch((e: unknown) => {
    detected = undefined;
    throw e;
  });
  return detected;
}

export function describeEngine(d: EngineDetection, progress: ProgressSink): void {
  progress(d.engine ? `engine: ${d.engine} — ${d.reason}` : `engine: none — ${d.reason}`);
  for (const p of d.passedOver) progress(`  passed over ${p}`);
  for (const c of d.changes) progress(`  host set-up: ${c}`);
}
