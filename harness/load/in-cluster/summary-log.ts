// Pure: a runner's k6 summary export out of its pod log. k6 writes it (`--summary-export
// /dev/stdout`) as pretty-printed JSON whose outer braces sit alone on their lines at column 0;
// k6's own log lines (stderr, the same pod log) start with `time=` and never do.
export function summaryFromLog(log: string): unknown | null {
  const lines = log.split('\n').map((l) => l.replace(/\r$/, ''));
  for (let end = lines.length - 1; end >= 0; end--) {
    if (lines[end] !== '}') continue;
    for (let start = end - 1; start >= 0; start--) {
      if (lines[start] !== '{') continue;
      try {
        const doc = JSON.parse(lines.slice(start, end + 1).join('\n')) as unknown;
        if (doc && typeof doc === 'object' && 'metrics' in doc) return doc;
      } catch {
        /* a log line inside the block, or not the summary: keep looking */
      }
    }
  }
  return null;
}
