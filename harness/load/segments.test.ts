import { describe, expect, it } from 'vitest';
import { executionSegments } from './segments.ts';

describe('executionSegments', () => {
  it('one shard runs the whole test without segment flags', () => {
    expect(executionSegments(1)).toEqual([null]);
  });
  it('n shards share one sequence and cover 0..1 without gaps', () => {
    expect(executionSegments(3)).toEqual([
      { segment: '0:1/3', sequence: '0,1/3,2/3,1' },
      { segment: '1/3:2/3', sequence: '0,1/3,2/3,1' },
      { segment: '2/3:1', sequence: '0,1/3,2/3,1' },
    ]);
  });
  it('rejects a shard count that is not a positive integer', () => {
    expect(() => executionSegments(0)).toThrow(/shards must be a positive integer, got 0/);
    expect(() => executionSegments(1.5)).toThrow(/got 1.5/);
  });
});
