// junit.xml: one testcase per check, one testsuite per scorer area, so CI systems show each
// failed check (pod, window, number, limit) as a failed test. Run-level failures (interrupted,
// a failed step) are <error>s: the infrastructure failed, not the workload.
import type { Check } from '../harness/score/scorecard.ts';
import type { Reporter, ReportInput } from './reporter.ts';

function attr(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function testcase(scenario: string, c: Check): string {
  const open = `    <testcase classname="${attr(`${scenario}.${c.area}`)}" name="${attr(c.id)}" time="0">`;
  const detail = `${c.message}\nmeasured: ${c.measured ?? 'n/a'}\nlimit: ${c.limit ?? 'n/a'}`;
  if (c.status === 'pass') return `${open}</testcase>`;
  if (c.status === 'skip') return `${open}\n      <skipped message="${attr(c.message)}"/>\n    </testcase>`;
  // An incomplete check could not be judged (its input is missing): an error, like a failed step.
  const tag = c.area === 'run' || c.status === 'incomplete' ? 'error' : 'failure';
  return `${open}\n      <${tag} message="${attr(c.message)}" type="${attr(c.metric)}">${attr(detail)}</${tag}>\n    </testcase>`;
}

const isFailure = (c: Check) => c.status === 'fail' && c.area !== 'run';
const isError = (c: Check) => (c.status === 'fail' && c.area === 'run') || c.status === 'incomplete';

export function renderJunit(input: ReportInput): string {
  const card = input.scorecard;
  const areas = [...new Set(card.checks.map((c) => c.area))];
  const seconds = ((card.endedAt - card.startedAt) / 1000).toFixed(3);
  const count = (cs: Check[], s: Check['status']) => cs.filter((c) => c.status === s).length;
  const props = [
    ['runId', card.runId],
    ['verdict', card.verdict],
    ['exitCode', String(card.exitCode)],
    ['gitRevision', input.gitRevision ?? 'unknown'],
    ['scale', String(card.scale)],
    ['seed', String(card.seed)],
  ];
  const suites = areas.map((area) => {
    const cs = card.checks.filter((c) => c.area === area);
    const failures = cs.filter(isFailure).length;
    const errors = cs.filter(isError).length;
    return [
      `  <testsuite name="${attr(`${card.scenario}.${area}`)}" tests="${cs.length}" failures="${failures}" errors="${errors}" skipped="${count(cs, 'skip')}" time="0" timestamp="${attr(new Date(card.startedAt).toISOString())}">`,
      '    <properties>',
      ...props.map(([k, v]) => `      <property name="${attr(k!)}" value="${attr(v!)}"/>`),
      '    </properties>',
      ...cs.map((c) => testcase(card.scenario, c)),
      '  </testsuite>',
    ].join('\n');
  });
  const failures = card.checks.filter(isFailure).length;
  const errors = card.checks.filter(isError).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(`kube-chaos-harness ${card.scenario}`)}" tests="${card.checks.length}" failures="${failures}" errors="${errors}" skipped="${count(card.checks, 'skip')}" time="${seconds}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

export const junitReporter: Reporter = { name: 'junit', file: 'junit.xml', render: renderJunit };
