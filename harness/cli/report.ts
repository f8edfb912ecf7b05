// npm run report -- rescore <runDir>              re-score a recorded run, rewrite its reports
// npm run report -- compare <runA> <runB> [--tolerance key=pct ...]   A = baseline; exit 1 on regression
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exitCodeFor, scoreTimeline, type Scorecard } from '../score/index.ts';
import type { Timeline } from '../timeline/types.ts';
import { compareScorecards, parseReportDocument, parseTolerance, renderComparison, renderConsoleSummary, writeReports } from '../../reports/index.ts';
import { helpText, parseFlags, type FlagSpecs } from './args.ts';
import { EXIT, runCli, unknownChoice, UsageError } from './usage.ts';

export const REPORT_FLAGS = {
  tolerance: { type: 'string', multiple: true, value: '<key=pct>', help: "compare: allowed regression per score, repeatable ('latency=20', '*=5')" },
  help: { type: 'boolean', short: 'h', help: 'this text' },
} satisfies FlagSpecs;

const USAGE = `usage:
  npm run report -- rescore <runDir>
      re-score runs/<id>/timeline.json without a cluster, rewrite report.json, report.html,
      junit.xml, summary.md, metrics.prom (pushed when PUSHGATEWAY_URL is set); exit = verdict
      (0 pass, 1 fail, 3 incomplete)
  npm run report -- compare <runA> <runB> [--tolerance key=pct ...]
      each score of B against baseline A; a run is a folder (report.json, else timeline.json) or
      either file. --tolerance latency=20 sets 20 % for every latency.* score ('*' for all;
      default 10 %). Exit 1 when a score regressed beyond its tolerance or the verdict got worse.`;

function readJson(file: string): unknown {
  if (!existsSync(file)) throw new UsageError(`${file} does not exist`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file}: not JSON (${(err as Error).message})`);
  }
}

function readTimeline(file: string): Timeline {
  const t = readJson(file) as Timeline;
  if (t?.schema !== 'timeline/v1') throw new UsageError(`${file}: schema '${String(t?.schema)}' is not 'timeline/v1'`);
  return t;
}

/** A run folder or file → its scorecard (from report.json, else by scoring timeline.json). */
export function scorecardOf(path: string): Scorecard {
  if (!existsSync(path)) throw new UsageError(`run '${path}' does not exist`);
  if (statSync(path).isDirectory()) {
    const report = join(path, 'report.json');
    if (existsSync(report)) return parseReportDocument(readFileSync(report, 'utf8'), report).scorecard;
    const timeline = join(path, 'timeline.json');
    if (existsSync(timeline)) return scoreTimeline(readTimeline(timeline));
    throw new UsageError(`run folder '${path}' has neither report.json nor timeline.json`);
  }
  const doc = readJson(path) as { schema?: string };
  if (doc.schema === 'timeline/v1') return scoreTimeline(doc as Timeline);
  return parseReportDocument(readFileSync(path, 'utf8'), path).scorecard;
}

async function rescore(args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError(`rescore takes one run folder, got ${args.length} arguments\n${USAGE}`);
  const runDir = args[0]!;
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new UsageError(`run folder '${runDir}' does not exist`);
  const timeline = readTimeline(join(runDir, 'timeline.json'));
  const card = scoreTimeline(timeline);
  const opts: { pushgatewayUrl?: string; gitRevision?: string } = {};
  if (process.env['PUSHGATEWAY_URL']) opts.pushgatewayUrl = process.env['PUSHGATEWAY_URL'];
  if (process.env['GIT_REVISION']) opts.gitRevision = process.env['GIT_REVISION'];
  const out = await writeReports(card, timeline, runDir, opts);
  for (const e of out.errors) process.stderr.write(`report problem: ${e}\n`);
  for (const p of out.published) process.stdout.write(`${p}\n`);
  process.stdout.write(renderConsoleSummary(card, out.paths['html'] ?? join(runDir, 'report.html')));
  return exitCodeFor(card);
}

function compare(runs: string[], toleranceSpecs: readonly string[]): number {
  const tolerances: Record<string, number> = {};
  for (const spec of toleranceSpecs) {
    if (!spec) throw new UsageError('--tolerance needs key=pct');
    const [k, v] = parseTolerance(spec);
    tolerances[k] = v;
  }
  if (runs.length !== 2) throw new UsageError(`compare takes two runs (baseline first), got ${runs.length}\n${USAGE}`);
  const c = compareScorecards(scorecardOf(runs[0]!), scorecardOf(runs[1]!), tolerances);
  process.stdout.write(renderComparison(c));
  return c.regressions.length || c.verdictRegressed ? EXIT.verdictFailed : EXIT.pass;
}

export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, REPORT_FLAGS);
  if (values.help) {
    process.stdout.write(helpText(USAGE, REPORT_FLAGS));
    return EXIT.pass;
  }
  const [cmd, ...rest] = positionals;
  if (!cmd) {
    // No command: the usage on stdout as before, and exit 2.
    process.stdout.write(`${USAGE}\n`);
    return EXIT.usage;
  }
  const tolerance = values.tolerance ?? [];
  if (cmd === 'rescore') {
    if (tolerance.length > 0) throw new UsageError('--tolerance goes with compare, not rescore');
    return rescore(rest);
  }
  if (cmd === 'compare') return compare(rest, tolerance);
  throw unknownChoice('report command', cmd, ['rescore', 'compare']);
}

// Run only as the entry point: importing the module (tests) runs nothing.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runCli(() => main(process.argv.slice(2)));
