// The one-screen summary printed at the end of every run (and by `report rescore`).
import type { Scorecard } from '../harness/score/scorecard.ts';
import { countsLine, headlines, VERDICT_WORD } from './headline.ts';

const MAX_REASONS = 8;
const WIDTH = 140;

function clip(s: string): string {
  return s.length > WIDTH ? `${s.slice(0, WIDTH - 1)}…` : s;
}

export function renderConsoleSummary(card: Scorecard, reportPath: string): string {
  const runS = Math.round((card.endedAt - card.startedAt) / 1000);
  const lines = [
    `${VERDICT_WORD[card.verdict]}  ${card.scenario}  (run ${card.runId}, scale ${card.scale}, seed ${card.seed}, ${runS} s)  exit ${card.exitCode}`,
    `checks: ${countsLine(card)}`,
  ];
  if (card.reasons.length) {
    lines.push(card.verdict === 'incomplete' ? 'why incomplete / failed:' : 'failed:');
    // Reasons are not clipped: their end names the window, the number and the limit.
    for (const r of card.reasons.slice(0, MAX_REASONS)) lines.push(`  ✗ ${r}`);
    if (card.reasons.length > MAX_REASONS) lines.push(`  … and ${card.reasons.length - MAX_REASONS} more (see the report)`);
  }
  for (const h of headlines(card)) lines.push(clip(`${h.ok === false ? '✗' : h.ok ? '✓' : '·'} ${h.label}: ${h.value}`));
  lines.push(`report: ${reportPath}`);
  return lines.join('\n') + '\n';
}
