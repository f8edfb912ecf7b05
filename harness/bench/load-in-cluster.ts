// `npm run bench -- load-in-cluster [--scenario S] [--duration S] [--name CLUSTER]`: the same
// scenario run twice on one kind cluster through the real CLI, load from the host (k6 beside the
// harness, NodePorts on 127.0.0.1) and from the cluster (runner pods), printed side by side:
// achieved rate, dropped iterations, latency, whether the totals equal k6's summaries, verdict.
// Prints; never asserts. The cluster is made if missing and then deleted; a kept one is kept.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../base/errors.ts';
import { table } from '../plan/format.ts';
import type { Timeline } from '../timeline/types.ts';
import type { Bench } from './types.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface SideResult {
  side: 'host' | 'cluster';
  exit: number | null;
  timeline: Timeline | null;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Pure: one row per side — planned vs achieved rate, dropped, latency, witness, verdict exit. */
export function sideBySide(results: readonly SideResult[]): string {
  const rows = results.map((r) => {
    const t = r.timeline;
    const load = t?.load ?? null;
    const secondsWithLoad = load ? load.seconds.filter((s) => s.requests > 0).length : 0;
    const witness = t ? t.witnesses.k6Summaries.reduce((a, s) => a + s.requests, 0) : 0;
    const dropped = t ? t.witnesses.k6Summaries.reduce((a, s) => a + s.droppedIterations, 0) : 0;
    const p95 = load ? median(load.seconds.flatMap((s) => (s.latencyMs ? [s.latencyMs.p95] : []))) : null;
    const p99 = load ? median(load.seconds.flatMap((s) => (s.latencyMs ? [s.latencyMs.p99] : []))) : null;
    return [
      r.side,
      t ? `${t.plan.shards} ${r.side === 'cluster' ? 'pod(s)' : 'process(es)'}` : '-',
      t ? `${t.plan.load.peakRate} req/s` : '-',
      load && secondsWithLoad > 0 ? `${Math.round(load.totals.requests / secondsWithLoad)} req/s` : '-',
      load ? `${load.totals.requests}` : '-',
      load ? (load.totals.requests === witness ? 'equal' : `DIFFER (${witness})`) : '-',
      `${dropped}`,
      p95 === null ? '-' : `${p95} ms`,
      p99 === null ? '-' : `${p99} ms`,
      r.exit === 0 ? 'pass (0)' : `exit ${r.exit}`,
    ];
  });
  return table(['load from', 'k6', 'planned peak', 'achieved', 'requests', 'vs summaries', 'dropped', 'median p95/s', 'median p99/s', 'verdict'], rows);
}

function runCli(args: string[], print: (line: string) => void): Promise<{ code: number | null; runDir: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'harness/cli/scenario.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (b: Buffer) => {
      output += b.toString();
      for (const line of b.toString().split('\n')) if (/^(load:|✘|PASS|FAIL|INCOMPLETE|run )/.test(line)) print(`  ${line}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    // Bounded: a run of ≤ 120 s of load finishes well within 15 minutes.
    const timer = setTimeout(() => child.kill('SIGINT'), 15 * 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, runDir: /run (\S+) → (\S+)/.exec(output)?.[2] ?? '' });
    });
  });
}

function readTimeline(runDir: string): Timeline | null {
  try {
    return JSON.parse(readFileSync(join(runDir, 'timeline.json'), 'utf8')) as Timeline;
  } catch {
    return null;
  }
}

const bench: Bench = {
  description: 'one scenario on one kind cluster with load from the host and from runner pods, side by side',
  usage: 'npm run bench -- load-in-cluster [--scenario proxy-rollout] [--duration 30 (10..120)] [--name kch-bench]',
  async run(args, print) {
    let scenario = 'proxy-rollout';
    let durationS = 30;
    let name = 'kch-bench';
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const v = args[++i];
      if (v === undefined) throw new UsageError(`bench load-in-cluster: ${a} needs a value`);
      if (a === '--scenario') scenario = v;
      else if (a === '--duration') durationS = Number(v);
      else if (a === '--name') name = v;
      else throw new UsageError(`bench load-in-cluster: unknown flag ${a} (known: --scenario, --duration, --name)`);
    }
    if (!Number.isInteger(durationS) || durationS < 10 || durationS > 120) throw new UsageError(`bench load-in-cluster: --duration ${durationS}: want 10..120 seconds`);
    const { providerByName } = await import('../../clusters/index.ts');
    const kind = providerByName('kind');
    const existed = (await kind.status(name)).exists;
    const out = mkdtempSync(join(tmpdir(), 'kch-bench-lic-'));
    const results: SideResult[] = [];
    try {
      for (const side of ['host', 'cluster'] as const) {
        print(`${scenario}, load from ${side}, ${durationS} s, cluster ${name}`);
        const r = await runCli([scenario, '--load-from', side, '--duration', String(durationS), '--name', name, '--keep-cluster', '--out', out], print);
        results.push({ side, exit: r.code, timeline: r.runDir ? readTimeline(r.runDir) : null });
      }
    } finally {
      if (!existed) await kind.down(name, (l) => print(`  ${l}`));
    }
    print('');
    print(sideBySide(results));
    print(`runs: ${out}`);
    return 0;
  },
};

export default bench;
