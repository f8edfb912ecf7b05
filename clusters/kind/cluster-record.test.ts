// Which clusters `npm run cleanup` may delete: only disposable ones the harness recorded making.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TEST_SESSION_ENV } from '../../harness/base/exec.ts';
import { cleanupVerdict, ownershipHere, type ClusterRecord } from './cluster-record.ts';

const base: ClusterRecord = { workers: 2, nodePorts: [], nodeImage: 'img', podNetwork: 'bridge' };
const owned = (o: Partial<NonNullable<ClusterRecord['ownership']>>): ClusterRecord['ownership'] => ({
  owner: 'test:s1', ownerPid: 100, testSession: 's1', keep: false, createdAt: '2026-12-04T18:00:00Z', ...o,
});
const dead = () => false;
const alive = () => true;

describe('cleanupVerdict', () => {
  it("never removes a user's kept cluster or one without an ownership record", () => {
    expect(cleanupVerdict(owned({ owner: 'pid:5', testSession: null, keep: true }), {}, dead)).toEqual({ remove: false, why: 'kept (created by pid:5 to keep)' });
    expect(cleanupVerdict(owned({ keep: true }), { testSession: 's1' }, dead).remove).toBe(false);
    expect(cleanupVerdict(base.ownership, {}, dead).remove).toBe(false);
    expect(cleanupVerdict(null, { run: 'r' }, dead).remove).toBe(false);
  });

  it('removes only the test session or run asked for', () => {
    expect(cleanupVerdict(owned({}), { testSession: 's1' }, alive)).toEqual({ remove: true, why: 'made by test session s1' });
    expect(cleanupVerdict(owned({}), { testSession: 's2' }, dead)).toEqual({ remove: false, why: 'belongs to test:s1 (test session s1)' });
    expect(cleanupVerdict(owned({ owner: 'run:r1', testSession: null }), { run: 'r1' }, alive).remove).toBe(true);
    expect(cleanupVerdict(owned({ owner: 'run:r1', testSession: null }), { run: 'r2' }, dead).remove).toBe(false);
  });

  it('by default removes a disposable cluster only when its creator is gone', () => {
    expect(cleanupVerdict(owned({}), {}, alive)).toEqual({ remove: false, why: 'its creator (pid 100, test:s1) is still running' });
    expect(cleanupVerdict(owned({}), {}, dead)).toEqual({ remove: true, why: 'left behind by test:s1 (pid 100 is gone)' });
  });
});

describe('ownershipHere', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('records this process; what a test session makes is never kept', () => {
    vi.stubEnv(TEST_SESSION_ENV, '');
    expect(ownershipHere(true)).toMatchObject({ ownerPid: process.pid, testSession: null, keep: true });
    vi.stubEnv(TEST_SESSION_ENV, 's9');
    expect(ownershipHere(true)).toMatchObject({ ownerPid: process.pid, testSession: 's9', keep: false });
    expect(ownershipHere(false).keep).toBe(false);
  });
});
