// Reporters by name (for --reporter flags and writeReports).
import { unknownChoice } from '../harness/base/errors.ts';
import { htmlReporter } from './html-report.ts';
import { jsonReporter } from './json-report.ts';
import { junitReporter } from './junit-report.ts';
import { markdownReporter } from './markdown-report.ts';
import { prometheusReporter } from './prometheus-report.ts';
import type { Reporter } from './reporter.ts';

export const REPORTERS = {
  json: jsonReporter,
  html: htmlReporter,
  junit: junitReporter,
  markdown: markdownReporter,
  prometheus: prometheusReporter,
} as const satisfies Record<string, Reporter>;

export type ReporterName = keyof typeof REPORTERS;
export const REPORTER_NAMES = Object.keys(REPORTERS) as ReporterName[];

export function reporterByName(name: string): Reporter {
  if (!(name in REPORTERS)) throw unknownChoice('reporter', name, REPORTER_NAMES);
  return REPORTERS[name as ReporterName];
}
