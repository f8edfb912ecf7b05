// Detect the engine once per process, doing the root set-up for Podman when that is what makes
// it work (rounds of probe → set-up → probe, see converge.ts), and saying what was chosen, why,
// and what was changed on the host.
import type { ProgressSink } from '../provider.ts';
import { chooseEngine, probeEngine, type EngineChoice } from './engine.ts';
import { convergeSetUp, type SetUpRound } from './converge.ts';
import { ensureLibModules, setUpPodmanForError, type HybridCgroupFix } from './podman-setup.ts';

export interface EngineDetection extends EngineChoice {
  /** Host changes made by the set-up (empty when none were needed or allowed). */
  changes: string[];
  /** The set-up rounds, each with the probe error it answered. */
  rounds: SetUpRound[];
  /** Which fix made crun accept this hybrid cgroup host, when one was needed. */
  hybridFix?: HybridCgroupFix;
}

let detected: Promise<EngineDetection> | undefined;

function canSetUp(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0;
}

async function detect(setUp: boolean, progress?: ProgressSink): Promise<EngineDetection> {
  const probes = await Promise.all([probeEngine('docker'), probeEngine('podman')]);
  let choice = chooseEngine(probes, canSetUp());
  const changes: string[] = [];
  let rounds: SetUpRound[] = [];
  let hybridFix: HybridCgroupFix | undefined;
  if (choice.needsSetup && setUp) {
    const result = await convergeSetUp(
      probes[1]!,
      {
        probe: () => probeEngine('podman'),
        fix: async (failed) => {
          const r = await setUpPodmanForError(failed.detail);
          hybridFix ??= r.hybridFix;
          return r.changes;
        },
      },
      { onChange: (round, change) => progress?.(`  host set-up (round ${round}): ${change}`) },
    );
    rounds = result.rounds;
    changes.push(...rounds.flatMap((r) => r.changes));
    choice = chooseEngine([probes[0]!, result.probe], false);
    if (!choice.engine) {
      const tried = rounds.map((r, i) => `round ${i + 1} for '${r.error}': ${r.changes.length ? r.changes.join('; ') : 'nothing to change'}`).join(' | ');
      choice.reason = `podman still cannot start a privileged container after the set-up (${result.stoppedBecause}; ${tried || 'no round ran'})`;
    }
  }
  if (choice.engine && setUp) changes.push(...ensureLibModules());
  return { ...choice, changes, rounds, ...(hybridFix ? { hybridFix } : {}) };
}

/**
 * setUp=false: only say what would be used (doctor); setUp=true: make it work (up), printing each
 * host change to `progress` as it is made.
 */
export function detectEngine(opts: { setUp: boolean; progress?: ProgressSink }): Promise<EngineDetection> {
  if (!opts.setUp) return detect(false);
  detected ??= detect(true, opts.progress).catch((e: unknown) => {
    detected = undefined;
    throw e;
  });
  return detected;
}

export function describeEngine(d: EngineDetection, progress: ProgressSink): void {
  progress(d.engine ? `engine: ${d.engine} — ${d.reason}` : `engine: none — ${d.reason}`);
  for (const p of d.passedOver) progress(`  passed over ${p}`);
  d.rounds.forEach((r, i) => progress(`  set-up round ${i + 1} for '${r.error}': ${r.changes.length ? `${r.changes.length} change(s)` : 'nothing to change'}`));
  for (const c of d.changes) progress(`  host set-up: ${c}`);
  if (d.hybridFix) progress(`  crun's hybrid-cgroup refusal fixed by: ${d.hybridFix === 'runc' ? 'runc as Podman runtime' : 'moving the v2 controller(s) to v1 mounts (crun kept)'}`);
}
