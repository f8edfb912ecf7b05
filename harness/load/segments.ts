// k6 execution segments: shard i of n runs segment i/n:(i+1)/n of one shared sequence, so every
// arrival-rate target and VU count splits exactly, with no rounding drift between shards.

export interface ShardSegment {
  segment: string;
  sequence: string;
}

export function executionSegments(shards: number): (ShardSegment | null)[] {
  if (!Number.isInteger(shards) || shards < 1) throw new Error(`shards must be a positive integer, got ${shards}`);
  if (shards === 1) return [null];
  const point = (i: number) => (i === 0 ? '0' : i === shards ? '1' : `${i}/${shards}`);
  const sequence = Array.from({ length: shards + 1 }, (_, i) => point(i)).join(',');
  return Array.from({ length: shards }, (_, i) => ({ segment: `${point(i)}:${point(i + 1)}`, sequence }));
}
