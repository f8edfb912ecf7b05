// reports/: writers of a scored run (json, html, junit, markdown, prometheus), the console
// summary, and compare.
export { writeReports, gitRevisionOf } from './write-reports.ts';
export { renderConsoleSummary } from './console-summary.ts';
export { REPORTERS, REPORTER_NAMES, reporterByName, type ReporterName } from './registry.ts';
export { ReporterMultiplexer, type Reporter, type ReportInput, type ReportOptions, type ReportOutcome } from './reporter.ts';
export { REPORT_SCHEMA, parseReportDocument, type ReportDocument } from './json-report.ts';
export { compareScorecards, parseTolerance, renderComparison, type Comparison } from './compare.ts';
