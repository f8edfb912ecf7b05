// Evictions as kubectl drain does them (pure over an injected API): every pod at once, each
// retried every 5 s while a PodDisruptionBudget refuses it (HTTP 429), until the deadline.
// Every refusal is kept with its time: it is what the drain scorer reads.

export type EvictionAnswer =
  | { kind: 'evicted' }
  | { kind: 'gone' }
  | { kind: 'refused'; message: string }
  | { kind: 'failed'; message: string };

export interface EvictionOutcome {
  evicted: string[];
  /** Already gone when asked (404). */
  gone: string[];
  refused: { pod: string; at: number; message: string }[];
  failed: { pod: string; message: string }[];
  /** Still refused at the deadline. */
  pending: string[];
}

export interface EvictionClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: EvictionClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      // The listener goes when the sleep ends either way: one per retry on the run's signal leaked.
      const onAbort = () => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** Map an API error of POST pods/eviction to an answer. */
export function evictionAnswer(code: number | undefined, message: string): EvictionAnswer {
  if (code === 429) return { kind: 'refused', message };
  if (code === 404) return { kind: 'gone' };
  return { kind: 'failed', message: `${code ?? 'error'}: ${message}` };
}

export async function evictWithRetry(
  pods: string[],
  evict: (pod: string) => Promise<EvictionAnswer>,
  opts: { deadlineAt: number; retryMs?: number; clock?: EvictionClock; signal?: AbortSignal; onRefused?: (pod: string, message: string) => void },
): Promise<EvictionOutcome> {
  const clock = opts.clock ?? realClock;
  const retryMs = opts.retryMs ?? 5000;
  const out: EvictionOutcome = { evicted: [], gone: [], refused: [], failed: [], pending: [] };
  await Promise.all(
    pods.map(async (pod) => {
      for (;;) {
        if (opts.signal?.aborted) {
          out.pending.push(pod);
          return;
        }
        const a = await evict(pod);
        if (a.kind === 'evicted') return void out.evicted.push(pod);
        if (a.kind === 'gone') return void out.gone.push(pod);
        if (a.kind === 'failed') return void out.failed.push({ pod, message: a.message });
        out.refused.push({ pod, at: clock.now(), message: a.message });
        opts.onRefused?.(pod, a.message);
        if (clock.now() + retryMs > opts.deadlineAt) {
          out.pending.push(pod);
          return;
        }
        await clock.sleep(retryMs, opts.signal);
      }
    }),
  );
  return out;
}
