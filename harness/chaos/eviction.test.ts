// The eviction retry clock: each sleep takes its abort listener away when it ends, so a drain
// retrying against a PDB for minutes does not pile listeners onto the run's signal.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { realClock } from './eviction.ts';

describe('realClock.sleep', () => {
  it('leaves no abort listener behind after it ends, and ends at once on abort', async () => {
    const ac = new AbortController();
    for (let i = 0; i < 12; i++) await realClock.sleep(1, ac.signal);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    const t0 = Date.now();
    const long = realClock.sleep(60_000, ac.signal);
    ac.abort();
    await long;
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
