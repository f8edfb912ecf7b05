// What stops a run, handled in one place: SIGINT and SIGTERM alike, an uncaught exception or an
// unhandled rejection (the run still tears down and writes its timeline), and a second signal
// (tear down without the graceful waits). After the second, the harness's handlers are gone: a
// third signal ends the process at once, the way Node ends it by default.

export type Say = (line: string) => void;

/** The part of `process` this listens on (a test passes an EventEmitter). */
export interface SignalSource {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export class Interrupts {
  /** Aborted by the first signal, an uncaught error, or the caller's signal: stop and tear down. */
  readonly stop = new AbortController();
  /** Aborted by the second signal: tear down without waiting for grace periods. */
  readonly hurry = new AbortController();
  /** Set when an uncaught exception or unhandled rejection stopped the run. */
  uncaught: string | null = null;
  private signals = 0;
  private readonly onSignal = (sig: unknown) => this.signal(String(sig));
  private readonly onException = (err: unknown) => this.crash('uncaught exception', err);
  private readonly onRejection = (err: unknown) => this.crash('unhandled rejection', err);
  private readonly onCaller = () => this.abort('stopped by the caller');
  private installed = false;

  constructor(
    private readonly say: Say,
    /** What may be left if teardown is cut short, and how to remove it (printed on the second signal). */
    private readonly leftBehind: () => string,
    private readonly proc: SignalSource = process,
    private readonly caller?: AbortSignal,
  ) {}

  install(): this {
    if (this.installed) return this;
    this.installed = true;
    for (const s of STOP_SIGNALS) this.proc.on(s, this.onSignal);
    this.proc.on('uncaughtException', this.onException);
    this.proc.on('unhandledRejection', this.onRejection);
    if (this.caller?.aborted) this.onCaller();
    else this.caller?.addEventListener('abort', this.onCaller, { once: true });
    return this;
  }

  /** Remove every handler (the run is over). */
  dispose(): void {
    if (!this.installed) return;
    this.installed = false;
    this.removeSignalHandlers();
    this.proc.off('uncaughtException', this.onException);
    this.proc.off('unhandledRejection', this.onRejection);
    this.caller?.removeEventListener('abort', this.onCaller);
  }

  private removeSignalHandlers(): void {
    for (const s of STOP_SIGNALS) this.proc.off(s, this.onSignal);
  }

  private signal(sig: string): void {
    this.signals++;
    if (this.signals === 1) {
      this.say(`\n⚠ ${sig}: stopping load and chaos, then tearing down (a few seconds; ${sig} again to tear down without waiting)`);
      this.abort(`interrupted by ${sig}`);
      return;
    }
    this.say(`\n⚠ second signal (${sig}): tearing down without waiting for grace periods; a third stops the harness at once.`);
    this.say(`  may be left if that is cut short: ${this.leftBehind()}`);
    this.abort(`interrupted by ${sig}`);
    this.hurry.abort(new Error(`second signal (${sig})`));
    // The third signal meets Node's default: the process ends.
    this.removeSignalHandlers();
  }

  private crash(kind: string, err: unknown): void {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.say(`✘ ${kind} during the run (tearing down and writing the timeline): ${text.split('\n').slice(0, 6).join('\n  ')}`);
    const first = err instanceof Error ? err.message : String(err);
    this.uncaught ??= `${kind}: ${first.split('\n')[0]}`;
    this.abort(this.uncaught);
  }

  private abort(reason: string): void {
    if (!this.stop.signal.aborted) this.stop.abort(new Error(reason));
  }
}
