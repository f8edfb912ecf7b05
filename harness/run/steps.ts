// A run is a sequence of named steps with teardown that always runs (e2e-framework's shape).
// Each step is timed, recorded in the timeline and announced on the console; teardown actions
// are pushed as steps create things and run in reverse order on success, failure and Ctrl-C.
// After an interrupt a step gets a bounded time to stop (most stop at once: they take the abort
// signal); one that does not is abandoned, so an interrupt never waits out a 15-minute bound.
import type { StepRecord } from '../timeline/types.ts';
import { seconds } from '../base/progress.ts';
import { withStepSignal } from '../base/exec.ts';

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

/** A teardown action; `hurry` aborts on a second interrupt: skip graceful waits then. */
export type Teardown = (hurry: AbortSignal) => Promise<void>;

export interface RunStepsOptions {
  /** Aborted on a second interrupt: steps are abandoned at once, teardowns skip their waits. */
  hurry?: AbortSignal;
  /** How long a step may take to stop after the interrupt before it is abandoned. Default 20 s. */
  stopWithinMs?: number;
}

export class RunSteps {
  readonly records: StepRecord[] = [];
  /** Steps abandoned after an interrupt: their work may still be running. */
  readonly abandoned: string[] = [];
  private readonly teardowns: { name: string; fn: Teardown }[] = [];
  private readonly hurry: AbortSignal;
  private readonly stopWithinMs: number;

  constructor(
    private readonly say: Say,
    private readonly signal: AbortSignal,
    opts: RunStepsOptions = {},
  ) {
    this.hurry = opts.hurry ?? new AbortController().signal;
    this.stopWithinMs = opts.stopWithinMs ?? 20_000;
  }

  /** Run one named step; a failure is recorded and rethrown as StepFailed naming the step. */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** …with its own bound for stopping after an interrupt. */
  async step<T>(name: string, opts: { stopWithinMs: number }, fn: () => Promise<T>): Promise<T>;
  async step<T>(name: string, a: (() => Promise<T>) | { stopWithinMs: number }, b?: () => Promise<T>): Promise<T> {
    const fn = typeof a === 'function' ? a : b!;
    const stopWithinMs = typeof a === 'function' ? this.stopWithinMs : a.stopWithinMs;
    if (this.signal.aborted) {
      this.records.push({ name, startedAt: Date.now(), endedAt: Date.now(), outcome: 'skipped', error: 'interrupted before start' });
      throw new StepFailed(name, new Error('interrupted'));
    }
    const startedAt = Date.now();
    this.say(`▶ ${name}`);
    try {
      // Every shell-out inside the step is stopped by the interrupt (exec.ts), however deep.
      const value = await this.stoppable(name, withStepSignal(this.signal, fn), stopWithinMs);
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

  /** `work`, unless the run is interrupted and it does not stop within the bound (or a second interrupt comes). */
  private stoppable<T>(name: string, work: Promise<T>, stopWithinMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const abandon = (why: string) => {
        done();
        this.abandoned.push(name);
        work.catch(() => undefined); // its late failure is no longer anyone's concern
        reject(new Error(`interrupted; ${why}: abandoned, its work may still be running`));
      };
      const onAbort = () => {
        timer = setTimeout(() => abandon(`did not stop within ${seconds(stopWithinMs)} of the interrupt`), stopWithinMs);
      };
      const onHurry = () => abandon('second interrupt');
      const done = () => {
        clearTimeout(timer);
        this.signal.removeEventListener('abort', onAbort);
        this.hurry.removeEventListener('abort', onHurry);
      };
      this.signal.addEventListener('abort', onAbort, { once: true });
      this.hurry.addEventListener('abort', onHurry, { once: true });
      if (this.hurry.aborted) return onHurry();
      if (this.signal.aborted) onAbort();
      work.then(
        (v) => {
          done();
          resolve(v);
        },
        (e: unknown) => {
          done();
          reject(e);
        },
      );
    });
  }

  /** Register something to undo; teardown runs these last-in first-out. */
  onTeardown(name: string, fn: Teardown): void {
    this.teardowns.push({ name, fn });
  }

  /** Names of the teardowns still to run (what would be left if the process died now). */
  pendingTeardowns(): string[] {
    return this.teardowns.map((t) => t.name).reverse();
  }

  /** Run every registered teardown even if some fail; returns the failures. */
  async teardown(): Promise<string[]> {
    const errors: string[] = [];
    while (this.teardowns.length > 0) {
      const t = this.teardowns.pop()!;
      const startedAt = Date.now();
      try {
        await t.fn(this.hurry);
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

export { seconds } from '../base/progress.ts';

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
