// Selecting the harness's own processes by their owner label, and a real labelled child found in /proc.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { exec, processOwner, setRunOwner } from '../base/exec.ts';
import { listOwnedProcesses, parseOwnerLabels, selectOwned, type OwnedProcess } from './owned-processes.ts';

const p = (pid: number, comm: string, owner: string, ownerPid: number | null, testSession: string | null = null): OwnedProcess => ({ pid, comm, owner, ownerPid, testSession });

describe('owner labels', () => {
  it('parses /proc environ text', () => {
    expect(parseOwnerLabels('PATH=/bin\0KCH_OWNER=run:r1\0KCH_OWNER_PID=42\0')).toEqual({ owner: 'run:r1', ownerPid: 42, testSession: null });
    expect(parseOwnerLabels('KCH_OWNER=test:s\0KCH_TEST_SESSION=s\0')).toEqual({ owner: 'test:s', ownerPid: null, testSession: 's' });
    expect(parseOwnerLabels('PATH=/bin\0HOME=/root\0')).toBeNull();
  });

  it('selects by run or test session, and by default only orphans of long-lived tools', () => {
    const all = [
      p(10, 'k6', 'run:r1', 1),
      p(11, 'prometheus', 'run:r1', 1),
      p(12, 'k6', 'run:r2', 2),
      p(13, 'k6', 'run:r3', 3, 'sess'),
      p(14, 'kubectl', 'run:r1', 1),
      p(15, 'conmon', 'pid:9', 9),
    ];
    const alive = (pid: number) => pid === 2;
    expect(selectOwned(all, { run: 'r1' }, alive).map((x) => x.pid)).toEqual([10, 11]);
    expect(selectOwned(all, { testSession: 'sess' }, alive).map((x) => x.pid)).toEqual([13]);
    expect(selectOwned(all, {}, alive).map((x) => x.pid)).toEqual([10, 11, 13]);
  });

  it('labels what exec starts, and /proc finds it; a run id takes over once set', async () => {
    const before = processOwner();
    const child = spawn('sleep', ['30'], { env: { PATH: process.env.PATH } });
    try {
      const r = await exec('sh', ['-c', 'echo $KCH_OWNER $KCH_OWNER_PID'], { timeoutMs: 5_000 });
      expect(r.stdout.trim()).toBe(`${before} ${process.pid}`);
      setRunOwner('r-test');
      const mine = exec('sleep', ['5'], { timeoutMs: 10_000, nothrow: true });
      await new Promise((res) => setTimeout(res, 200));
      const found = listOwnedProcesses().filter((x) => x.ownerPid === process.pid);
      expect(found.map((x) => [x.comm, x.owner])).toContainEqual(['sleep', 'run:r-test']);
      expect(found.some((x) => x.pid === child.pid)).toBe(false); // unlabelled: never found
      for (const x of found) process.kill(x.pid);
      await mine;
    } finally {
      setRunOwner(null);
      child.kill();
    }
  });
});
