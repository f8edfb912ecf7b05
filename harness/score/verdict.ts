// The verdict: pass only when every check passed on a complete run. Exit codes follow
// harness/base/errors.ts: 0 pass, 1 a check failed, 3 the run is incomplete (interrupted or an
// infrastructure step failed) — a CI gate should re-run, not blame the workload. SIGINT maps to
// 3 too (not 130), so every harness exit code stays within 0/1/2/3.
import { EXIT } from '../base/errors.ts';
import type { Timeline } from '../timeline/types.ts';
import type { Check, Scorecard, Verdict } from './scorecard.ts';
import { atLabel, runZero } from './run-clock.ts';

/** Checks about the run itself: interrupted, failed steps, no load. */
export function runChecks(t: Timeline): Check[] {
  const zero = runZero(t);
  const checks: Check[] = [];
  if (t.interrupted) {
    checks.push({
      id: 'run.interrupted',
      area: 'run',
      subject: 'run',
      metric: 'run completed',
      status: 'fail',
      measured: atLabel(zero, t.interrupted.at),
      limit: 'not interrupted',
      window: { from: t.interrupted.at, to: t.endedAt },
      message: `run interrupted at ${atLabel(zero, t.interrupted.at)}: ${t.interrupted.reason}; scores are partial`,
    });
  }
  for (const s of t.steps) {
    if (s.outcome !== 'failed') continue;
    checks.push({
      id: `run.step/${s.name}`,
      area: 'run',
      subject: s.name,
      metric: 'step outcome',
      status: 'fail',
      measured: s.outcome,
      limit: 'ok',
      window: { from: s.startedAt, to: s.endedAt },
      message: `step ${s.name} failed at ${atLabel(zero, s.endedAt)}: ${s.error ?? 'no error recorded'}`,
    });
  }
  if (t.load === null || t.loadStartedAt === null) {
    checks.push({
      id: 'run.load',
      area: 'run',
      subject: 'load',
      metric: 'load series recorded',
      status: 'fail',
      measured: null,
      limit: 'a per-second series',
      message: t.loadStartedAt === null ? 'load never started' : 'load started but no per-second series was recorded',
    });
  }
  return checks;
}

/**
 * pass: every check passed or was not asked for. incomplete (exit 3): the run was interrupted, a
 * step failed, or a check's input is missing with nothing failed outright; the run proves nothing
 * either way. fail (exit 1): a check failed on a complete run. Missing data is never a pass.
 */
export function verdictOf(t: Timeline, checks: Check[]): { verdict: Verdict; exitCode: 0 | 1 | 3; reasons: string[] } {
  const runFailed = checks.filter((c) => c.area === 'run' && c.status === 'fail');
  const failed = checks.filter((c) => c.area !== 'run' && c.status === 'fail');
  const incomplete = checks.filter((c) => c.status === 'incomplete');
  const reasons = [...runFailed, ...failed, ...incomplete].map((c) => (c.status === 'incomplete' ? `incomplete: ${c.message}` : c.message));
  if (runFailed.length > 0 || t.interrupted) return { verdict: 'incomplete', exitCode: EXIT.infrastructure, reasons };
  if (failed.length > 0) return { verdict: 'fail', exitCode: EXIT.verdictFailed, reasons };
  if (incomplete.length > 0) return { verdict: 'incomplete', exitCode: EXIT.infrastructure, reasons };
  return { verdict: 'pass', exitCode: EXIT.pass, reasons };
}

/** The process exit code for a scorecard: 0 pass, 1 fail, 3 incomplete. */
export function exitCodeFor(card: Pick<Scorecard, 'verdict'>): 0 | 1 | 3 {
  return card.verdict === 'pass' ? EXIT.pass : card.verdict === 'fail' ? EXIT.verdictFailed : EXIT.infrastructure;
}
