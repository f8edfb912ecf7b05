// One interface for every report (Playwright's reporter shape): all hooks optional, a registry by
// name, and a multiplexer that keeps one reporter's crash from taking the others down.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Scorecard } from '../harness/score/scorecard.ts';
import type { Timeline } from '../harness/timeline/types.ts';

export interface ReportInput {
  scorecard: Scorecard;
  timeline: Timeline;
  runDir: string;
  /** Commit the harness ran from (labels the nightly trend); null when unknown. */
  gitRevision: string | null;
  /** ISO time the reports were made (the one impure input; passed in so rendering stays pure). */
  generatedAt: string;
}

export interface ReportOptions {
  /** Pushgateway base URL (PUSHGATEWAY_URL); metrics are pushed only when set. */
  pushgatewayUrl?: string;
  gitRevision?: string;
}

export interface Reporter {
  readonly name: string;
  /** File this reporter writes in the run folder. */
  readonly file?: string;
  /** The file's content; pure. */
  render?(input: ReportInput): string | Promise<string>;
  /** Side effects once the file is written (a push); returns what it did, for the log. */
  publish?(input: ReportInput, options: ReportOptions): Promise<string | void>;
}

export interface ReportOutcome {
  /** reporter name → absolute path written. */
  paths: Record<string, string>;
  /** "name: message" for every hook that threw; the others still ran. */
  errors: string[];
  /** What publish hooks did. */
  published: string[];
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs every reporter's hooks in order; an error in one is recorded and the rest go on. */
export class ReporterMultiplexer {
  constructor(private readonly reporters: readonly Reporter[]) {}

  async run(input: ReportInput, options: ReportOptions): Promise<ReportOutcome> {
    const out: ReportOutcome = { paths: {}, errors: [], published: [] };
    await mkdir(input.runDir, { recursive: true });
    for (const r of this.reporters) {
      if (r.render && r.file) {
        try {
          const path = join(input.runDir, r.file);
          await writeFile(path, await r.render(input));
          out.paths[r.name] = path;
        } catch (err) {
          out.errors.push(`${r.name}: ${message(err)}`);
          continue;
        }
      }
      if (r.publish) {
        try {
          const did = await r.publish(input, options);
          if (did) out.published.push(`${r.name}: ${did}`);
        } catch (err) {
          out.errors.push(`${r.name}: ${message(err)}`);
        }
      }
    }
    return out;
  }
}
