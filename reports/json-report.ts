// report.json: the scorecard with the run's identity, versioned so `report compare` and other
// tools can read runs made by older harness versions.
import type { Scorecard } from '../harness/score/scorecard.ts';
import { SCORECARD_SCHEMA } from '../harness/score/scorecard.ts';
import type { Reporter, ReportInput } from './reporter.ts';

export const REPORT_SCHEMA = 'report/v1' as const;

export interface ReportDocument {
  schema: typeof REPORT_SCHEMA;
  generatedAt: string;
  gitRevision: string | null;
  /** Files next to this one. */
  files: { timeline: 'timeline.json'; plan: 'plan.json' };
  scorecard: Scorecard;
}

export function reportDocument(input: ReportInput): ReportDocument {
  return {
    schema: REPORT_SCHEMA,
    generatedAt: input.generatedAt,
    gitRevision: input.gitRevision,
    files: { timeline: 'timeline.json', plan: 'plan.json' },
    scorecard: input.scorecard,
  };
}

/** Parses report.json, naming what is wrong with it. */
export function parseReportDocument(text: string, file: string): ReportDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const d = doc as Partial<ReportDocument>;
  if (d.schema !== REPORT_SCHEMA) throw new Error(`${file}: schema '${String(d.schema)}' is not '${REPORT_SCHEMA}'`);
  if (d.scorecard?.schema !== SCORECARD_SCHEMA) throw new Error(`${file}: scorecard.schema '${String(d.scorecard?.schema)}' is not '${SCORECARD_SCHEMA}'`);
  return d as ReportDocument;
}

export const jsonReporter: Reporter = {
  name: 'json',
  file: 'report.json',
  render: (input) => JSON.stringify(reportDocument(input), null, 2) + '\n',
};
