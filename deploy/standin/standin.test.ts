// The stand-in's Go unit tests (drain state machine, WebSocket 1001 on drain, metric names),
// run from the TypeScript suite so `npm test` covers them.
import { describe, expect, it } from 'vitest';
import { exec, toolEnv } from '../../harness/base/exec.ts';
import { STANDIN_SRC } from '../image.ts';

describe('deploy/standin (go test)', () => {
  it('passes its Go tests', async () => {
    const res = await exec('nice', ['-n', '10', 'go', 'test', '-count=1', './...'], {
      cwd: STANDIN_SRC,
      timeoutMs: 600_000,
      env: toolEnv({ GOFLAGS: '-mod=mod', CGO_ENABLED: '0' }),
      nothrow: true,
    });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^ok\s+kube-chaos-harness\/standin/m);
  }, 620_000);
});
