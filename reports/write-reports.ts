// writeReports: every report of a run into its folder, one reporter's failure recorded, not fatal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scorecard } from '../harness/score/scorecard.ts';
import type { Timeline } from '../harness/timeline/types.ts';
import { REPORTER_NAMES, reporterByName } from './registry.ts';
import { ReporterMultiplexer, type Reporter, type ReportOptions } from './reporter.ts';

/**
 * The commit checked out in `dir` (or a parent), read from .git without shelling out; null when
 * there is no repository (a tarball, CI without .git).
 */
export function gitRevisionOf(dir: string): string | null {
  for (let d = dir, i = 0; i < 20; i++) {
    try {
      const head = readFileSync(join(d, '.git', 'HEAD'), 'utf8').trim();
      const ref = /^ref: (.+)$/.exec(head)?.[1];
      if (!ref) return /^[0-9a-f]{40}$/.test(head) ? head : null;
      try {
        return readFileSync(join(d, '.git', ref), 'utf8').trim();
      } catch {
        const packed = readFileSync(join(d, '.git', 'packed-refs'), 'utf8');
        return packed.split('\n').find((l) => l.endsWith(` ${ref}`))?.split(' ')[0] ?? null;
      }
    } catch {
      const parent = join(d, '..');
      if (parent === d) return null;
      d = parent;
    }
  }
  return null;
}

export async function writeReports(
  scorecard: Scorecard,
  timeline: Timeline,
  runDir: string,
  options: ReportOptions & { reporters?: readonly Reporter[]; now?: Date } = {},
): Promise<{ paths: Record<string, string>; errors: string[]; published: string[] }> {
  const gitRevision = options.gitRevision || gitRevisionOf(process.cwd());
  const reporters = options.reporters ?? REPORTER_NAMES.map(reporterByName);
  const mux = new ReporterMultiplexer(reporters);
  const opts: ReportOptions = {};
  if (options.pushgatewayUrl) opts.pushgatewayUrl = options.pushgatewayUrl;
  if (gitRevision) opts.gitRevision = gitRevision;
  return mux.run(
    { scorecard, timeline, runDir, gitRevision, generatedAt: (options.now ?? new Date()).toISOString() },
    opts,
  );
}
