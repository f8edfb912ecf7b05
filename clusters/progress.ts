// The clusters' progress sink (stderr, prefixed); timed steps come from the base layer.
import type { ProgressSink } from './provider.ts';

export const stderrProgress: ProgressSink = (line) => process.stderr.write(`[cluster] ${line}\n`);

export { seconds, timedStep } from '../harness/base/progress.ts';
