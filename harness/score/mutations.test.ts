import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/fixtures/timelines/read.ts';
import { listRecorded, readRecorded } from '../../test/fixtures/timelines/recorded.ts';
import { DRAIN_MUTATIONS, GRPC_MUTATIONS, HPA_MUTATIONS, MUTATIONS, type Mutation } from '../../test/fixtures/timelines/mutate.ts';
import type { Timeline } from '../timeline/types.ts';
import { scoreTimeline } from './index.ts';

// Every kind of broken run, derived from real recorded runs (and from the built fixtures), must
// re-score to FAIL or INCOMPLETE with the check that says why; the unedited run must still pass.
function judge(base: () => Timeline, m: Mutation): void {
  const card = scoreTimeline(m.apply(base()));
  const why = card.checks.filter((c) => c.id.startsWith(m.expect.check) && (c.status === 'fail' || c.status === 'incomplete'));
  expect(card.verdict, `${m.name}: verdict (reasons: ${card.reasons.join(' | ')})`).toBe(m.expect.verdict);
  expect(why.length, `${m.name}: no failed check ${m.expect.check}* among: ${card.reasons.join(' | ')}`).toBeGreaterThan(0);
  // The reason names what it saw, and the reasons list carries it.
  for (const c of why) {
    expect(c.message.length).toBeGreaterThan(20);
    expect(card.reasons.some((r) => r.includes(c.message))).toBe(true);
  }
}

function mutationsFor(t: Timeline): Mutation[] {
  const out = MUTATIONS.filter((m) => {
    if (m.expect.check.startsWith('plan.rate/http') || m.expect.check.startsWith('latency.') || m.expect.check === 'plan.dropped') return t.plan.load.http !== null;
    if (m.expect.check.startsWith('plan.rate/ws')) return t.plan.load.ws !== null;
    if (m.expect.check.startsWith('plan.chaos')) return t.chaos.length > 0;
    return true;
  });
  if (t.chaos.some((c) => (c.action === 'rollout' || c.action === 'pod-kill') && c.pods.length > 0) && t.plan.scoring.drain) out.push(...DRAIN_MUTATIONS);
  if (t.plan.scoring.hpa) out.push(...HPA_MUTATIONS);
  if (t.plan.load.grpc) out.push(...GRPC_MUTATIONS);
  return out;
}

const recorded = listRecorded();

describe('recorded real runs', () => {
  it('are committed for the runs the mutations need (labelled recorded, unedited)', () => {
    // A rollout with drain witnesses (HTTP + WS), and a run with an HPA step.
    const names = recorded.map((r) => r.scenario);
    expect(names).toContain('proxy-rollout');
    expect(recorded.some((r) => readRecorded(r.file).plan.scoring.hpa !== undefined)).toBe(true);
  });

  for (const r of recorded) {
    describe(`${r.file} (${r.scenario}, recorded ${r.recordedOn})`, () => {
      it('passes unedited', () => {
        const card = scoreTimeline(readRecorded(r.file));
        expect(card.reasons).toEqual([]);
        expect(card.verdict).toBe('pass');
      });
      for (const m of mutationsFor(readRecorded(r.file))) {
        it(`${m.expect.verdict.toUpperCase()} when ${m.name}`, () => judge(() => readRecorded(r.file), m));
      }
    });
  }
});

describe('built fixtures (hand-built timelines, not recorded)', () => {
  for (const name of ['clean-rollout', 'hpa-spike'] as const) {
    it(`${name} passes unedited`, () => expect(scoreTimeline(readFixture(name)).verdict).toBe('pass'));
    for (const m of mutationsFor(readFixture(name))) {
      it(`${name}: ${m.expect.verdict.toUpperCase()} when ${m.name}`, () => judge(() => readFixture(name), m));
    }
  }
});
