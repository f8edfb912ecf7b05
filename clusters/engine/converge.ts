// Engine set-up as a loop: probe → set up for the error seen → probe again, until the privileged
// probe passes, a round changes nothing, or the rounds run out. One error can hide the next
// (Podman's rlimit refusal hides crun's hybrid-cgroup one), so a single set-up pass is not enough.
import type { EngineProbe } from './engine.ts';

export interface ConvergeIo {
  probe(): Promise<EngineProbe>;
  /** Set up for the error this probe saw; one line per host change made (empty: nothing to do). */
  fix(failed: EngineProbe): Promise<string[]>;
}

export interface SetUpRound {
  /** The probe error this round set up for. */
  error: string;
  changes: string[];
}

export interface Convergence {
  /** The last probe (privileged 'yes'/'unknown' when it converged). */
  probe: EngineProbe;
  rounds: SetUpRound[];
  converged: boolean;
  /** Why the loop stopped short (undefined when it converged). */
  stoppedBecause?: string;
}

export const MAX_SET_UP_ROUNDS = 3;

const passes = (p: EngineProbe) => p.installed && p.reachable && p.privileged !== 'no';

/**
 * Run set-up rounds from a failed first probe. `onChange` sees each change as it is made, with its
 * round, so a slow step (apt-get install runc) is not silent.
 */
export async function convergeSetUp(
  first: EngineProbe,
  io: ConvergeIo,
  opts: { maxRounds?: number; onChange?: (round: number, change: string) => void } = {},
): Promise<Convergence> {
  const maxRounds = opts.maxRounds ?? MAX_SET_UP_ROUNDS;
  const rounds: SetUpRound[] = [];
  let probe = first;
  for (let round = 1; round <= maxRounds; round++) {
    if (passes(probe)) return { probe, rounds, converged: true };
    if (!probe.installed || !probe.reachable) {
      return { probe, rounds, converged: false, stoppedBecause: `${probe.engine} is ${probe.installed ? 'not reachable' : 'not installed'} (${probe.detail}); set-up cannot help` };
    }
    const changes = await io.fix(probe);
    rounds.push({ error: probe.detail, changes });
    for (const c of changes) opts.onChange?.(round, c);
    if (changes.length === 0) {
      return { probe, rounds, converged: false, stoppedBecause: `round ${round} had nothing to change for '${probe.detail}'` };
    }
    probe = await io.probe();
  }
  if (passes(probe)) return { probe, rounds, converged: true };
  return { probe, rounds, converged: false, stoppedBecause: `still failing after ${maxRounds} set-up rounds: '${probe.detail}'` };
}
