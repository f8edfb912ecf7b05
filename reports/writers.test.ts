import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../harness/base/errors.ts';
import { scoreTimeline } from '../harness/score/index.ts';
import type { Scorecard } from '../harness/score/scorecard.ts';
import type { Timeline } from '../harness/timeline/types.ts';
import { readFixture } from '../test/fixtures/timelines/read.ts';
import { renderConsoleSummary } from './console-summary.ts';
import { parseReportDocument, REPORT_SCHEMA } from './json-report.ts';
import { REPORTER_NAMES, reporterByName } from './registry.ts';
import { ReporterMultiplexer, type Reporter } from './reporter.ts';
import { gitRevisionOf, writeReports } from './write-reports.ts';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'kch-reports-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function scored(name: Parameters<typeof readFixture>[0]): { t: Timeline; card: Scorecard } {
  const t = readFixture(name);
  return { t, card: scoreTimeline(t) };
}

// A small strict XML reader: enough to prove junit.xml is well-formed and to walk it.
interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}
function decode(s: string, where: string): string {
  if (/[<]/.test(s) || /&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(s)) throw new Error(`bad character data in ${where}: ${s.slice(0, 80)}`);
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);
}
function parseXml(src: string): XmlNode {
  let i = 0;
  const body = src.replace(/^<\?xml[^?]*\?>\s*/, '');
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>/y;
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const text = body.slice(i, lt < 0 ? body.length : lt);
    stack.at(-1)!.text += decode(text, stack.at(-1)!.name);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(body);
    if (!m) throw new Error(`malformed tag at ${lt}: ${body.slice(lt, lt + 60)}`);
    const [, close, name, attrText, selfClose] = m;
    if (close) {
      const open = stack.pop()!;
      if (open.name !== name) throw new Error(`</${name}> closes <${open.name}>`);
    } else {
      const attrs: Record<string, string> = {};
      for (const a of attrText!.matchAll(/([\w:.-]+)="([^"]*)"/g)) attrs[a[1]!] = decode(a[2]!, `${name}@${a[1]}`);
      const node: XmlNode = { name: name!, attrs, children: [], text: '' };
      stack.at(-1)!.children.push(node);
      if (!selfClose) stack.push(node);
    }
    i = tag.lastIndex;
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  if (root.children.length !== 1) throw new Error('want exactly one root element');
  return root.children[0]!;
}
function all(n: XmlNode, name: string): XmlNode[] {
  return [...(n.name === name ? [n] : []), ...n.children.flatMap((c) => all(c, name))];
}

describe('writeReports', () => {
  it('writes every report into the run folder and names their paths', async () => {
    const { t, card } = scored('bad-drain');
    const dir = tmp();
    const out = await writeReports(card, t, dir, { gitRevision: 'abc123', now: new Date('2025-11-25T09:00:00Z') });
    expect(out.errors).toEqual([]);
    expect(Object.keys(out.paths).sort()).toEqual([...REPORTER_NAMES].sort());
    expect(out.paths).toMatchObject({ json: join(dir, 'report.json'), html: join(dir, 'report.html'), junit: join(dir, 'junit.xml'), markdown: join(dir, 'summary.md'), prometheus: join(dir, 'metrics.prom') });
  });

  it('report.json carries its schema, the revision and the scorecard, and reads back', async () => {
    const { t, card } = scored('clean-rollout');
    const dir = tmp();
    await writeReports(card, t, dir, { gitRevision: 'abc123', now: new Date('2025-11-25T09:00:00Z') });
    const text = readFileSync(join(dir, 'report.json'), 'utf8');
    const doc = parseReportDocument(text, 'report.json');
    expect(doc.schema).toBe(REPORT_SCHEMA);
    expect(doc.gitRevision).toBe('abc123');
    expect(doc.generatedAt).toBe('2025-11-25T09:00:00.000Z');
    expect(doc.scorecard).toEqual(JSON.parse(JSON.stringify(card)));
    expect(() => parseReportDocument('{"schema":"report/v0"}', 'old.json')).toThrow("old.json: schema 'report/v0' is not 'report/v1'");
    expect(() => parseReportDocument('{', 'x.json')).toThrow('x.json: not JSON');
  });

  it('the test XML reader rejects what a CI system would reject', () => {
    expect(() => parseXml('<a><b></a>')).toThrow('</a> closes <b>');
    expect(() => parseXml('<a x="1 & 2"/>')).toThrow('bad character data');
    expect(() => parseXml('<a>1 < 2</a>')).toThrow();
    expect(parseXml('<a x="&lt;"><b/>t&amp;</a>')).toMatchObject({ name: 'a', attrs: { x: '<' }, text: 't&' });
  });

  it('junit.xml parses, with one testcase per check and each failure naming pod, window and limit', async () => {
    const { t, card } = scored('bad-drain');
    const dir = tmp();
    await writeReports(card, t, dir, { gitRevision: 'abc123' });
    const root = parseXml(readFileSync(join(dir, 'junit.xml'), 'utf8'));
    expect(root.name).toBe('testsuites');
    const cases = all(root, 'testcase');
    expect(cases.map((c) => c.attrs['name'])).toEqual(expect.arrayContaining(card.checks.map((c) => c.id)));
    expect(cases).toHaveLength(card.checks.length);
    expect(Number(root.attrs['tests'])).toBe(card.checks.length);
    const failures = all(root, 'failure');
    expect(failures).toHaveLength(card.checks.filter((c) => c.status === 'fail').length);
    expect(Number(root.attrs['failures'])).toBe(failures.length);
    const pod = failures.find((f) => f.attrs['message']!.includes('aenebris-6d5f7c9b8-z8w2t') && f.attrs['message']!.includes('failed requests'))!;
    expect(pod.attrs['message']).toContain('t+53.1s–+55.4s');
    expect(pod.text).toContain('limit: <= 0');
    expect(all(root, 'property').find((p) => p.attrs['name'] === 'gitRevision')!.attrs['value']).toBe('abc123');
  });

  it('junit.xml reports an interrupted run as an error, not a failure', async () => {
    const { t, card } = scored('interrupted');
    const dir = tmp();
    await writeReports(card, t, dir, {});
    const root = parseXml(readFileSync(join(dir, 'junit.xml'), 'utf8'));
    // The run-level reason and every check that could not be judged are errors, none a failure.
    const errors = all(root, 'error').map((e) => e.attrs['message']);
    expect(errors).toContain('run interrupted at t+40.3s: SIGINT (Ctrl-C) during load; scores are partial');
    expect(errors.length).toBe(card.checks.filter((c) => c.status === 'incomplete' || (c.area === 'run' && c.status === 'fail')).length);
    expect(root.attrs['errors']).toBe(String(errors.length));
    expect(root.attrs['failures']).toBe('0');
  });

  it('every report shows the same reasons when the plan was not carried out', async () => {
    const t = readFixture('clean-rollout');
    for (const s of t.load!.seconds) s.requests = Math.round(s.requests * 0.05);
    const card = scoreTimeline(t);
    const dir = tmp();
    await writeReports(card, t, dir, {});
    const reason = card.reasons.find((r) => r.startsWith('http stage steady'))!;
    expect(reason).toMatch(/of plan; limit ≥ 95 %$/);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<h2 id="plan">Plan carried out</h2>');
    expect(html).toContain(reason.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain(`- ${reason}`);
    const junit = parseXml(readFileSync(join(dir, 'junit.xml'), 'utf8'));
    expect(all(junit, 'failure').map((f) => f.attrs['message'])).toContain(reason);
    expect(renderConsoleSummary(card, 'r.html')).toContain(`✗ ${reason}`);
  });

  it('summary.md leads with the verdict and lists every failed check', async () => {
    const { t, card } = scored('bad-drain');
    const dir = tmp();
    await writeReports(card, t, dir, {});
    const md = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(md.split('\n')[0]).toBe('### ❌ FAIL: `proxy-rollout`');
    for (const r of card.reasons) expect(md).toContain(`- ${r}`);
    expect(md).toContain('<summary>Drain per pod</summary>');
  });

  it('metrics.prom labels scores by scenario, workload and git revision', async () => {
    const { t, card } = scored('hpa-spike');
    const dir = tmp();
    await writeReports(card, t, dir, { gitRevision: 'abc123' });
    const prom = readFileSync(join(dir, 'metrics.prom'), 'utf8');
    expect(prom).toContain('harness_run_passed{scenario="proxy-spike-hpa",git_revision="abc123"} 1');
    expect(prom).toContain('harness_hpa_reaction_seconds{scenario="proxy-spike-hpa",git_revision="abc123",workload="aenebris",step="spike"} 17.2');
    expect(prom).toContain('# TYPE harness_error_budget_used_percent gauge');
    const bad = scored('bad-drain');
    await writeReports(bad.card, bad.t, dir, { gitRevision: 'abc123' });
    expect(readFileSync(join(dir, 'metrics.prom'), 'utf8')).toContain('harness_drain_pods{scenario="proxy-rollout",git_revision="abc123",workload="aenebris"} 3');
  });

  it('pushes the metrics to a Pushgateway on loopback, and records a failed push without losing the files', async () => {
    const seen: { method: string; url: string; body: string }[] = [];
    let status = 200;
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, body });
        res.writeHead(status).end(status === 200 ? '' : 'nope');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { t, card } = scored('clean-rollout');
      const dir = tmp();
      const ok = await writeReports(card, t, dir, { gitRevision: 'abc123', pushgatewayUrl: url });
      expect(ok.errors).toEqual([]);
      expect(ok.published).toEqual([`prometheus: pushed to ${url} job=kube-chaos-harness scenario=proxy-rollout`]);
      expect(seen[0]).toMatchObject({ method: 'PUT', url: '/metrics/job/kube-chaos-harness/scenario/proxy-rollout' });
      expect(seen[0]!.body).toContain('harness_run_passed{scenario="proxy-rollout",git_revision="abc123"} 1');
      status = 500;
      const failed = await writeReports(card, t, dir, { pushgatewayUrl: url });
      expect(failed.errors).toEqual(['prometheus: push failed with status 500, nope']);
      expect(Object.keys(failed.paths)).toHaveLength(5);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('ReporterMultiplexer', () => {
  it("keeps going when one reporter crashes, and records which and why", async () => {
    const { t, card } = scored('clean-rollout');
    const dir = tmp();
    const crashing: Reporter = { name: 'crashy', file: 'crash.txt', render: () => { throw new Error('kaboom'); } };
    const publishing: Reporter = { name: 'pub', publish: async () => { throw new Error('no route'); } };
    const hooksOnly: Reporter = { name: 'quiet' };
    const out = await new ReporterMultiplexer([crashing, reporterByName('markdown'), publishing, hooksOnly]).run(
      { scorecard: card, timeline: t, runDir: dir, gitRevision: null, generatedAt: 'now' },
      {},
    );
    expect(out.errors).toEqual(['crashy: kaboom', 'pub: no route']);
    expect(out.paths).toEqual({ markdown: join(dir, 'summary.md') });
  });

  it('names the valid reporters for an unknown one', () => {
    expect(() => reporterByName('xml')).toThrow(UsageError);
    expect(() => reporterByName('xml')).toThrow("unknown reporter 'xml'; valid: json, html, junit, markdown, prometheus");
  });
});

describe('renderConsoleSummary', () => {
  it('fits one screen: verdict, counts, every reason (up to 8), headline scores, report path', () => {
    const { card } = scored('bad-drain');
    const text = renderConsoleSummary(card, 'runs/x/report.html');
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(25);
    expect(lines[0]).toMatch(/^FAIL {2}proxy-rollout .*exit 1$/);
    expect(lines[1]).toMatch(/^checks: \d+ passed, 8 failed, 0 incomplete, 0 skipped$/);
    expect(text).toContain('✗ pod aenebris-6d5f7c9b8-z8w2t (rollout-aenebris@48s): 10.95 failed requests above baseline in its termination window t+53.1s–+55.4s (11 failed, 0.05 expected at baseline); limit 0');
    expect(lines.at(-1)).toBe('report: runs/x/report.html');
  });

  it('says why a run is incomplete', () => {
    const text = renderConsoleSummary(scoreTimeline(readFixture('interrupted')), 'r.html');
    expect(text).toMatch(/^INCOMPLETE/);
    expect(text).toContain('why incomplete / failed:\n  ✗ run interrupted at t+40.3s');
  });
});

describe('gitRevisionOf', () => {
  it('reads HEAD through a ref file or packed-refs, from a subfolder, without git', () => {
    const d = tmp();
    mkdirSync(join(d, '.git', 'refs', 'heads'), { recursive: true });
    mkdirSync(join(d, 'a', 'b'), { recursive: true });
    writeFileSync(join(d, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(d, '.git', 'refs', 'heads', 'main'), `${'a'.repeat(40)}\n`);
    expect(gitRevisionOf(join(d, 'a', 'b'))).toBe('a'.repeat(40));
    rmSync(join(d, '.git', 'refs', 'heads', 'main'));
    writeFileSync(join(d, '.git', 'packed-refs'), `# pack-refs\n${'b'.repeat(40)} refs/heads/main\n`);
    expect(gitRevisionOf(d)).toBe('b'.repeat(40));
  });
});
