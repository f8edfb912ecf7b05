// Long steps print a start line, a heartbeat while they run, and their duration at the end, so a
// user watching a 9-minute cold build always sees what is happening and for how long.
import type { ProgressSink } from './provider.ts';

export const stderrProgress: ProgressSink = (line) => process.stderr.write(`[cluster] ${line}\n`);

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Run `work` as a named step: "label…", "label… (30 s)", "label done in 12.3 s". */
export async function timedStep<T>(
  progress: ProgressSink,
  label: string,
  work: () => Promise<T>,
  heartbeatMs = 30_000,
): Promise<T> {
  const started = Date.now();
  progress(`${label}…`);
  const beat = setInterval(() => progress(`${label}… (${Math.round((Date.now() - started) / 1000)} s)`), heartbeatMs);
  beat.unref();
  try {
    const value = await work();
    progress(`${label} done in ${seconds(Date.now() - started)}`);
    return value;
  } catch (err) {
    progress(`${label} FAILED after ${seconds(Date.now() - started)}`);
    throw err;
  } finally {
    clearInterval(beat);
  }
}
