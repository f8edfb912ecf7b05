import { describe, expect, it } from 'vitest';
import type { K6ShardSummary } from '../timeline/types.ts';
import { shardProblemsOf } from './index.ts';

const summary = (shard: number): K6ShardSummary => ({ shard, file: `shard-${shard}.summary.json`, requests: 1, failedRequests: 0, checksPassed: 1, checksFailed: 0, wsSessions: 0, droppedIterations: 0, grpcRequests: 0 });

describe('shardProblemsOf: a shard that did not finish cleanly fails the load step', () => {
  it('is quiet when every shard exited 0 with its summary', () => {
    expect(shardProblemsOf([{ shard: 0, code: 0, signal: null }, { shard: 1, code: 0, signal: null }], [summary(0), summary(1)], 2)).toEqual([]);
  });

  it('names the shard, how it ended, the missing summary and its log', () => {
    const problems = shardProblemsOf(
      [
        { shard: 0, code: 0, signal: null },
        { shard: 1, code: null, signal: 'SIGKILL', logFile: 'k6/shard-1.log' },
        { shard: 2, code: 124, signal: null },
        { shard: 3, code: null, signal: null, error: 'spawn timeout ENOENT' },
      ],
      [summary(0), summary(2)],
      5,
    );
    expect(problems).toEqual([
      'k6 shard 1 exited by signal SIGKILL and left no --summary-export (log: k6/shard-1.log)',
      'k6 shard 2 was stopped by its lifetime limit (exit 124)',
      'k6 shard 3 failed: spawn timeout ENOENT and left no --summary-export',
      'k6 shard 4 never started and left no --summary-export',
    ]);
  });
});
