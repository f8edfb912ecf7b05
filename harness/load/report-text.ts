// The one-screen summary that ends `npm run load`: totals, failures by cause, latency, WS closes,
// and whether the harness's totals agree with k6's own summaries (the witness).
import type { K6ShardSummary, LoadSeries } from '../timeline/types.ts';
import { sumSummaries } from './summary.ts';

const n = (x: number) => x.toLocaleString('en');

export function formatLoadSummary(
  series: LoadSeries | null,
  summaries: readonly K6ShardSummary[],
  runLatencyMs: { p50: number; p95: number; p99: number } | null,
  runDir: string,
): string {
  const lines: string[] = [];
  const witness = sumSummaries(summaries);
  if (!series) {
    lines.push('load never started: no series');
  } else {
    const t = series.totals;
    const active = series.seconds.filter((s) => s.requests > 0).length;
    lines.push(`requests      ${n(t.requests)} over ${series.seconds.length} s (${series.shards} shard${series.shards === 1 ? '' : 's'}), ${active > 0 ? n(Math.round(t.requests / active)) : 0} req/s while active`);
    const causes = Object.entries(t.failuresByCause).filter(([, v]) => v > 0);
    lines.push(`failed        ${n(t.failedRequests)}${causes.length ? ` (${causes.map(([c, v]) => `${c} ${n(v)}`).join(', ')})` : ''}`);
    lines.push(`latency       ${runLatencyMs ? `p50 ${runLatencyMs.p50} ms, p95 ${runLatencyMs.p95} ms, p99 ${runLatencyMs.p99} ms` : 'n/a'}`);
    if (t.droppedIterations > 0) lines.push(`dropped       ${n(t.droppedIterations)} iterations (k6 ran out of VUs: the target was too slow for the rate)`);
    lines.push(`checks        ${n(t.checksPassed)} passed, ${n(t.checksFailed)} failed`);
    if (t.wsSessions > 0) {
      const closes = Object.entries(t.wsClosedByCode).map(([c, v]) => `${c}: ${n(v)}`).join(', ');
      lines.push(`ws sessions   ${n(t.wsSessions)} attempts; closed by code ${closes || 'none'}`);
    }
    if (t.grpcRequests > 0) lines.push(`grpc          ${n(t.grpcRequests)} calls`);
    const agree =
      t.requests === witness.requests &&
      t.failedRequests === witness.failedRequests &&
      t.checksPassed === witness.checksPassed &&
      t.checksFailed === witness.checksFailed &&
      t.wsSessions === witness.wsSessions &&
      t.droppedIterations === witness.droppedIterations &&
      t.grpcRequests === witness.grpcRequests;
    lines.push(
      `witness       k6 summaries (${summaries.length} file${summaries.length === 1 ? '' : 's'}): ${agree ? 'totals agree exactly' : `DISAGREE: k6 says requests ${witness.requests}, failed ${witness.failedRequests}, checks ${witness.checksPassed}/${witness.checksFailed}, ws ${witness.wsSessions}, dropped ${witness.droppedIterations}, grpc ${witness.grpcRequests}`}`,
    );
  }
  lines.push(`run folder    ${runDir}`);
  return lines.join('\n');
}
