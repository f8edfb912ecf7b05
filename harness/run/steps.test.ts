// RunSteps on an interrupt: a step that takes the signal stops at once; one that ignores it is
// abandoned after its bound, or at once on a second interrupt; teardown always runs, last in
// first out, and hands each action the hurry signal.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { RunSteps, StepFailed } from './steps.ts';
import { exec } from '../base/exec.ts';

function setup(stopWithinMs = 50) {
  const lines: string[] = [];
  const stop = new AbortController();
  const hurry = new AbortController();
  const steps = new RunSteps((l) => lines.push(l), stop.signal, { hurry: hurry.signal, stopWithinMs });
  return { lines, stop, hurry, steps };
}

/** Work that ignores every signal and ends after `ms`. */
const deaf = (ms: number) => () => new Promise<string>((r) => setTimeout(() => r('late'), ms));

describe('RunSteps', () => {
  it('records a step that stops on the abort signal as interrupted', async () => {
    const { stop, steps } = setup();
    const p = steps.step('load', () => new Promise((_, reject) => stop.signal.addEventListener('abort', () => reject(new Error('k6 stopped')))));
    stop.abort();
    await expect(p).rejects.toThrow(new StepFailed('load', new Error('k6 stopped')));
    expect(steps.records[0]).toMatchObject({ name: 'load', outcome: 'interrupted', error: 'k6 stopped' });
    expect(steps.abandoned).toEqual([]);
  });

  it('stops a shell-out deep inside a step that passed no signal (a build), and lets one started after the interrupt run', async () => {
    const { stop, steps } = setup(60_000);
    const t0 = Date.now();
    let cleanup = '';
    const p = steps.step('node image', async () => {
      try {
        await exec('sleep', ['30'], { timeoutMs: 60_000 });
      } finally {
        cleanup = (await exec('sh', ['-c', 'sleep 0.2; echo cleaned'], { timeoutMs: 5_000 })).stdout.trim();
      }
    });
    setTimeout(() => stop.abort(), 100);
    await expect(p).rejects.toThrow(/sleep 30/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(steps.records[0]).toMatchObject({ name: 'node image', outcome: 'interrupted' });
    expect(cleanup).toBe('cleaned');
    // Outside a step no signal applies.
    expect((await exec('sh', ['-c', 'echo out'], { timeoutMs: 5_000 })).stdout.trim()).toBe('out');
  });

  it('abandons a step that ignores the interrupt after its bound, not its own 15-minute one', async () => {
    const { stop, steps } = setup(50);
    const t0 = Date.now();
    const p = steps.step('cluster up', deaf(60_000));
    setTimeout(() => stop.abort(), 10);
    await expect(p).rejects.toThrow(/cluster up: interrupted; did not stop within 0.1 s of the interrupt: abandoned/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(steps.abandoned).toEqual(['cluster up']);
  });

  it('abandons at once on a second interrupt', async () => {
    const { stop, hurry, steps } = setup(60_000);
    const p = steps.step('build image', deaf(60_000));
    stop.abort();
    setTimeout(() => hurry.abort(), 10);
    await expect(p).rejects.toThrow(/second interrupt: abandoned/);
  });

  it('takes a per-step bound', async () => {
    const { stop, steps } = setup(10);
    const p = steps.step('load + chaos', { stopWithinMs: 200 }, deaf(100));
    stop.abort();
    await expect(p).resolves.toBe('late');
  });

  it('skips steps after the interrupt and leaves no listener on the signals', async () => {
    const { stop, hurry, steps } = setup();
    await steps.step('a', async () => 1);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(hurry.signal, 'abort')).toHaveLength(0);
    stop.abort();
    await expect(steps.step('b', async () => 2)).rejects.toThrow('b: interrupted');
    expect(steps.records.map((r) => [r.name, r.outcome])).toEqual([
      ['a', 'ok'],
      ['b', 'skipped'],
    ]);
  });

  it('runs every teardown, last in first out, with the hurry signal, even when one fails', async () => {
    const { hurry, steps } = setup();
    const order: string[] = [];
    steps.onTeardown('cluster down', async (h) => void order.push(`cluster down hurry=${h.aborted}`));
    steps.onTeardown('delete namespace', async () => {
      order.push('namespace');
      throw new Error('API gone');
    });
    expect(steps.pendingTeardowns()).toEqual(['delete namespace', 'cluster down']);
    hurry.abort();
    expect(await steps.teardown()).toEqual(['delete namespace: API gone']);
    expect(order).toEqual(['namespace', 'cluster down hurry=true']);
  });
});
