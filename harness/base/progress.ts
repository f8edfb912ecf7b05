// Progress of long work, worded one way everywhere: a start line, a heartbeat while it runs,
// its duration at the end, so a user watching a 9-minute cold build sees what and how long.
export type Progress = (line: string) => void;

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Run `work` as a named step: "label…", "label… (30 s)", "label done in 12.3 s". */
export async function timedStep<T>(progress: Progress, label: string, work: () => Promise<T>, heartbeatMs = 30_000): Promise<T> {
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
