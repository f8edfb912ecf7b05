// The engine set-up loop on sequences of probe results, and the hybrid-cgroup fix choice.
import { describe, expect, it } from 'vitest';
import { convergeSetUp, type ConvergeIo } from './converge.ts';
import type { EngineProbe } from './engine.ts';
import { hybridFixPreference, parseCgroupMounts, planHybridFix, type HybridHost } from './podman-setup.ts';

const RLIMIT = 'Error: OCI runtime error: crun: setrlimit `RLIMIT_NOFILE`: Operation not permitted';
const HYBRID = 'Error: OCI runtime error: crun: cgroups in hybrid mode not supported, drop all controllers from cgroupv2';
const failing = (detail: string): EngineProbe => ({ engine: 'podman', installed: true, reachable: true, privileged: 'no', detail });
const ok: EngineProbe = { engine: 'podman', installed: true, reachable: true, privileged: 'yes', detail: 'privileged container started' };

/** Probes answer from a script; fixes answer from a table keyed by the error they are given. */
function scripted(probes: EngineProbe[], fixes: Record<string, string[]>): ConvergeIo & { fixedFor: string[]; probed: number } {
  const io = {
    fixedFor: [] as string[],
    probed: 0,
    probe: async () => {
      const p = probes[io.probed++];
      if (!p) throw new Error('probed more often than scripted');
      return p;
    },
    fix: async (failed: EngineProbe) => {
      io.fixedFor.push(failed.detail);
      return fixes[failed.detail] ?? [];
    },
  };
  return io;
}

describe('convergeSetUp', () => {
  it('does nothing when the first probe passes', async () => {
    const io = scripted([], {});
    const r = await convergeSetUp(ok, io);
    expect(r).toMatchObject({ converged: true, rounds: [] });
    expect(io.probed).toBe(0);
  });

  it('fixes the error the rlimit one hid: rlimit → hybrid → pass in two rounds', async () => {
    const io = scripted([failing(HYBRID), ok], { [RLIMIT]: ['default_ulimits'], [HYBRID]: ['moved hugetlb'] });
    const seen: string[] = [];
    const r = await convergeSetUp(failing(RLIMIT), io, { onChange: (round, c) => seen.push(`${round}:${c}`) });
    expect(r.converged).toBe(true);
    expect(r.rounds).toEqual([
      { error: RLIMIT, changes: ['default_ulimits'] },
      { error: HYBRID, changes: ['moved hugetlb'] },
    ]);
    expect(seen).toEqual(['1:default_ulimits', '2:moved hugetlb']);
    expect(r.probe.privileged).toBe('yes');
  });

  it('stops when a round changes nothing, naming the error', async () => {
    const io = scripted([failing('some new error')], { [RLIMIT]: ['default_ulimits'] });
    const r = await convergeSetUp(failing(RLIMIT), io);
    expect(r.converged).toBe(false);
    expect(r.rounds).toHaveLength(2);
    expect(r.stoppedBecause).toBe("round 2 had nothing to change for 'some new error'");
    expect(io.probed).toBe(1);
  });

  it('stops after the bounded number of rounds even when every round changes something', async () => {
    const io = scripted([failing('b'), failing('c'), failing('d'), ok], { a: ['1'], b: ['2'], c: ['3'], d: ['4'] });
    const r = await convergeSetUp(failing('a'), io, { maxRounds: 3 });
    expect(r.converged).toBe(false);
    expect(r.rounds.map((x) => x.error)).toEqual(['a', 'b', 'c']);
    expect(r.stoppedBecause).toBe("still failing after 3 set-up rounds: 'd'");
    expect(io.probed).toBe(3);
  });

  it('passes on the last allowed round', async () => {
    const io = scripted([failing('b'), failing('c'), ok], { a: ['1'], b: ['2'], c: ['3'] });
    expect((await convergeSetUp(failing('a'), io)).converged).toBe(true);
  });

  it('does not try to set up an engine that is not reachable', async () => {
    const io = scripted([], {});
    const r = await convergeSetUp({ ...failing('no socket'), reachable: false }, io);
    expect(r.converged).toBe(false);
    expect(r.stoppedBecause).toMatch(/not reachable \(no socket\); set-up cannot help/);
    expect(io.fixedFor).toEqual([]);
  });

  it('re-probes after each change: the same error twice with a change each time still ends', async () => {
    const io = scripted([failing(HYBRID), failing(HYBRID), failing(HYBRID)], { [HYBRID]: ['runc'] });
    const r = await convergeSetUp(failing(HYBRID), io);
    expect(r.converged).toBe(false);
    expect(r.rounds).toHaveLength(3);
  });
});

// This machine's layout (Debian bookworm VM, kernel 6.18): v1 controllers, hugetlb on v2.
const HYBRID_MOUNTS = `tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
`;

describe('hybrid cgroup fix', () => {
  const layout = parseCgroupMounts(HYBRID_MOUNTS);
  const host = (p: Partial<HybridHost> = {}): HybridHost => ({ layout, v2Controllers: ['hugetlb'], v2SubtreeControl: [], ...p });

  it('reads v1 and v2 mounts', () => {
    expect(layout.v2Mount).toBe('/sys/fs/cgroup/unified');
    expect(layout.v1).toEqual([
      { mountPoint: '/sys/fs/cgroup/cpu', controllers: ['cpu'] },
      { mountPoint: '/sys/fs/cgroup/memory', controllers: ['memory'] },
      { mountPoint: '/sys/fs/cgroup/systemd', controllers: ['name=systemd'] },
    ]);
  });

  it('moves an unused v2 controller to a v1 mount beside the others', () => {
    expect(planHybridFix(host(), 'auto')).toEqual({ fix: 'move-controllers', mounts: [{ controller: 'hugetlb', path: '/sys/fs/cgroup/hugetlb' }] });
  });

  it('falls back to runc when a v2 cgroup uses the controller, and says why', () => {
    expect(planHybridFix(host({ v2SubtreeControl: ['hugetlb'] }), 'auto')).toEqual({
      fix: 'runc',
      why: 'hugetlb enabled in /sys/fs/cgroup/unified/cgroup.subtree_control (in use on v2)',
    });
  });

  it('uses runc when asked, and refuses a forced move that cannot be done', () => {
    expect(planHybridFix(host(), 'runc')).toEqual({ fix: 'runc', why: 'KCH_HYBRID_CGROUP_FIX=runc' });
    expect(() => planHybridFix(host({ v2SubtreeControl: ['hugetlb'] }), 'move-controllers')).toThrow(/KCH_HYBRID_CGROUP_FIX=move-controllers: cannot move/);
  });

  it('does not move anything on a pure v2 host or without a cgroup2 mount', () => {
    const pureV2 = parseCgroupMounts('cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n');
    expect(planHybridFix({ layout: pureV2, v2Controllers: ['cpu', 'memory'], v2SubtreeControl: [] }, 'auto').fix).toBe('runc');
    expect(planHybridFix({ layout: { v2Mount: null, v1: layout.v1 }, v2Controllers: [], v2SubtreeControl: [] }, 'auto')).toEqual({ fix: 'runc', why: 'no cgroup2 mount found' });
  });

  it('reads the preference from the environment and names a bad value', () => {
    expect(hybridFixPreference({})).toBe('auto');
    expect(hybridFixPreference({ KCH_HYBRID_CGROUP_FIX: 'runc' })).toBe('runc');
    expect(() => hybridFixPreference({ KCH_HYBRID_CGROUP_FIX: 'crun' })).toThrow("KCH_HYBRID_CGROUP_FIX='crun' is not one of auto, move-controllers, runc");
  });
});
