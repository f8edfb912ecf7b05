// A run is a sequence of named steps with teardown that always runs (e2e-framework's shape).
// Each step is timed, recorded in the timeline and announced on the console; teardown actions
// are pushed as steps create things and run in reverse order on success, failure and Ctrl-C.
import type { StepRecord } from '../timeline/types.ts';

export type Say = (line: string) => void;

export class StepFailed extends Error {
  constructor(
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`${step}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StepFailed';
  }
}

export class RunSteps {
  readonly records: StepRecord[] = [];
  private readonly teardowns: { name: string; fn: () => Promise<void> }[] = [];

  constructor(
    private readonly say: Say,
    private readonly signal: AbortSignal,
  ) {}

  /** Run one named step; a failure is recorded and rethrown as StepFailed naming the step. */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.signal.aborted) {
      this.records.push({ name, startedAt: Date.now(), endedAt: Date.now(), outcome: 'skipped', error: 'interrupted before start' });
      throw new StepFailed(name, new Error('interrupted'));
    }
    const startedAt = Date.now();
    this.say(`▶ ${name}`);
    try {
      const value = await fn();
      const endedAt = Date.now();
      this.records.push({ name, startedAt, endedAt, outcome: 'ok' });
      this.say(`✔ ${name} (${seconds(endedAt - startedAt)})`);
      return value;
    } catch (err) {
      const endedAt = Date.now();
      const outcome = this.signal.aborted ? 'interrupted' : 'failed';
      const message = err instanceof Error ? err.message : String(err);
      this.records.push({ name, startedAt, endedAt, outcome, error: message });
      this.say(`✘ ${name} ${outcome} after ${seconds(endedAt - startedAt)}: ${firstLine(message)}`);
      throw err instanceof StepFailed ? err : new StepFailed(name, err);
    }
  }

  /** Register something to undo; teardown runs these last-in first-out. */
  onTeardown(name: string, fn: () => Promise<void>): void {
    this.teardowns.push({ name, fn });
  }

  /** Run every registered teardown even if some fail; returns the failures. */
  async teardown(): Promise<string[]> {
    const errors: string[] = [];
    while (this.teardowns.length > 0) {
      const t = this.teardowns.pop()!;
      const startedAt = Date.now();
      try {
        await t.fn();
        this.records.push({ name: `teardown: ${t.name}`, startedAt, endedAt: Date.now(), outcome: 'ok' });
        this.say(`✔ teardown: ${t.name} (${seconds(Date.now() - startedAt)})`);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        errors.push(`${t.name}: ${message}`);
        this.records.push({ name: `teardown: ${t.name}`, startedAt, endedAt: Date.now(), outcome: 'failed', error: message });
        this.say(`✘ teardown: ${t.name}: ${firstLine(message)}`);
      }
    }
    return errors;
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
