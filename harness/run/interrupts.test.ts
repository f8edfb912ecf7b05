// SIGINT and SIGTERM alike, the second signal hurries and then leaves the third to Node, and an
// uncaught error stops the run (so it tears down and writes its timeline) instead of killing it.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Interrupts } from './interrupts.ts';
import { leftBehind } from './run.ts';

function setup(caller?: AbortSignal) {
  const proc = new EventEmitter();
  const lines: string[] = [];
  const i = new Interrupts((l) => lines.push(l), () => 'namespace kch-x in cluster kch; remove with: npm run cleanup -- --run x', proc, caller).install();
  return { proc, lines, i };
}

describe('Interrupts', () => {
  it.each(['SIGINT', 'SIGTERM'])('%s stops the run; a second signal hurries and names what may be left', (sig) => {
    const { proc, lines, i } = setup();
    proc.emit(sig, sig);
    expect(i.stop.signal.aborted).toBe(true);
    expect((i.stop.signal.reason as Error).message).toBe(`interrupted by ${sig}`);
    expect(i.hurry.signal.aborted).toBe(false);
    proc.emit(sig === 'SIGINT' ? 'SIGTERM' : 'SIGINT', 'again');
    expect(i.hurry.signal.aborted).toBe(true);
    expect(lines.join('\n')).toContain('may be left if that is cut short: namespace kch-x in cluster kch; remove with: npm run cleanup -- --run x');
    // The third signal is Node's: no handler of ours is left.
    expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).toBe(0);
    i.dispose();
  });

  it.each([
    ['uncaughtException', 'uncaught exception: boom'],
    ['unhandledRejection', 'unhandled rejection: boom'],
  ])('%s stops the run with its reason instead of ending the process', (event, reason) => {
    const { proc, i } = setup();
    proc.emit(event, new Error('boom'));
    expect(i.stop.signal.aborted).toBe(true);
    expect(i.uncaught).toBe(reason);
    expect(i.hurry.signal.aborted).toBe(false);
    i.dispose();
    expect(proc.listenerCount(event)).toBe(0);
  });

  it("follows the caller's signal", () => {
    const caller = new AbortController();
    const { i } = setup(caller.signal);
    caller.abort();
    expect((i.stop.signal.reason as Error).message).toBe('stopped by the caller');
    i.dispose();
  });
});

describe('leftBehind', () => {
  it('names the cluster when the run deletes it, else the namespace in the kept one, and the cleanup command', () => {
    expect(leftBehind({ runId: 'r1', cluster: 'kch', clusterReady: false, clusterGoes: false, namespace: null })).toBe(
      "kind cluster 'kch' if this run was creating it, this run's k6 and Prometheus processes; remove with: npm run cleanup -- --run r1",
    );
    expect(leftBehind({ runId: 'r1', cluster: 'kch', clusterReady: true, clusterGoes: true, namespace: null })).toBe(
      "kind cluster 'kch', this run's k6 and Prometheus processes; remove with: npm run cleanup -- --run r1",
    );
    expect(leftBehind({ runId: 'r1', cluster: 'kch', clusterReady: true, clusterGoes: false, namespace: 'kch-r1' })).toBe(
      "namespace kch-r1 in cluster 'kch', this run's k6 and Prometheus processes; remove with: npm run cleanup -- --run r1",
    );
  });
});
