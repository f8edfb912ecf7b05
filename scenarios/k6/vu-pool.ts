// The VU pool of an arrival-rate stream, shared by the harness (which sizes k6's options) and the
// plan (which counts the connections the pool holds: k6 keeps one keep-alive connection per VU,
// and its pool hands out every pre-allocated VU in turn, so all of them hold one).

/**
 * Arrival-rate VUs: pre-allocated while k6 sits paused (a VU started mid-test costs a script
 * compile and drops iterations meanwhile) for ~500 ms of latency at peak, with a reserve for
 * ~2 s. A spike that saturates pods until the HPA catches up is what the harness measures, so
 * the generator must keep offering the planned rate while latency climbs: with a 500 ms reserve a
 * real proxy-spike-hpa on kind dropped 1.7 % (p99 515 ms), and the verdict fails a run that
 * drops more than 1 %. VUs are cheap when idle: 800 pre-allocated cost k6 120 MB here.
 */
export function vuBudget(peakRate: number): { preAllocatedVUs: number; maxVUs: number } {
  const preAllocatedVUs = Math.min(2000, Math.max(50, Math.ceil(peakRate / 2)));
  const maxVUs = Math.min(5000, Math.max(preAllocatedVUs * 2, Math.ceil(peakRate * 2)));
  return { preAllocatedVUs, maxVUs };
}
