import { describe, expect, it } from 'vitest';
import { chooseEngine, type EngineProbe } from './engine.ts';
import { crunRefusesHybridCgroups, defaultUlimits, parseHardLimits, withDefaultUlimits, withEngineRuntime } from './podman-setup.ts';
import { exitZeroElf } from './probe-image.ts';

const probe = (p: Partial<EngineProbe> & Pick<EngineProbe, 'engine'>): EngineProbe => ({
  installed: true,
  reachable: true,
  privileged: 'yes',
  detail: '',
  ...p,
});

describe('chooseEngine', () => {
  it('prefers docker when it starts privileged containers', () => {
    const c = chooseEngine([probe({ engine: 'docker' }), probe({ engine: 'podman' })], true);
    expect(c.engine).toBe('docker');
    expect(c.needsSetup).toBe(false);
  });

  it('passes docker over with its reason when it cannot run privileged', () => {
    const c = chooseEngine(
      [probe({ engine: 'docker', privileged: 'no', detail: 'unable to apply caps: operation not permitted' }), probe({ engine: 'podman' })],
      false,
    );
    expect(c.engine).toBe('podman');
    expect(c.passedOver).toEqual(['docker: cannot start a privileged container (unable to apply caps: operation not permitted)']);
  });

  it('chooses podman with set-up when only the set-up is missing and root may do it', () => {
    const probes = [probe({ engine: 'docker', reachable: false, detail: 'no daemon' }), probe({ engine: 'podman', privileged: 'no', detail: 'error setting rlimit' })];
    expect(chooseEngine(probes, true)).toMatchObject({ engine: 'podman', needsSetup: true });
    const none = chooseEngine(probes, false);
    expect(none.engine).toBeNull();
    expect(none.passedOver).toEqual(['docker: not reachable (no daemon)', 'podman: cannot start a privileged container (error setting rlimit)']);
  });

  it('says when nothing is installed', () => {
    const c = chooseEngine([probe({ engine: 'docker', installed: false }), probe({ engine: 'podman', installed: false })], true);
    expect(c.engine).toBeNull();
    expect(c.passedOver).toEqual(['docker: not installed', 'podman: not installed']);
  });

  it('trusts an unprobed engine (arm64) rather than refusing it', () => {
    expect(chooseEngine([probe({ engine: 'docker', privileged: 'unknown' })], false).engine).toBe('docker');
  });
});

describe('podman host set-up', () => {
  const limits = `Limit                     Soft Limit           Hard Limit           Units
Max processes             96365                96365                processes
Max open files            1024                 20000                files
`;
  it('reads hard limits and keeps default_ulimits within them', () => {
    expect(parseHardLimits(limits)).toEqual({ nofile: 20000, nproc: 96365 });
    expect(defaultUlimits(parseHardLimits(limits))).toEqual(['nofile=20000:20000', 'nproc=32768:32768']);
    expect(defaultUlimits({ nofile: 4096, nproc: 1000 })).toEqual(['nofile=4096:4096', 'nproc=1000:1000']);
  });

  it('adds default_ulimits to a new or existing [containers] section, keeps an admin value', () => {
    const u = ['nofile=20000:20000', 'nproc=32768:32768'];
    expect(withDefaultUlimits(null, u)).toEqual({ text: '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n', changed: true });
    const withSection = withDefaultUlimits('[engine]\nfoo = 1\n[containers]\nlog_size_max = 1\n', u);
    expect(withSection.text).toMatch(/\[containers\]\ndefault_ulimits = \[.*\]\nlog_size_max = 1/);
    expect(withDefaultUlimits('[containers]\ndefault_ulimits = []\n', u).changed).toBe(false);
  });

  it('sets runc as the engine runtime when crun refuses hybrid cgroups', () => {
    expect(crunRefusesHybridCgroups('Error: OCI runtime error: crun: cgroups in hybrid mode not supported, drop all controllers from cgroupv2')).toBe(true);
    expect(withEngineRuntime('[containers]\na = 1\n', 'runc').text).toBe('[containers]\na = 1\n[engine]\nruntime = "runc"\n');
    expect(withEngineRuntime('[engine]\nruntime = "crun"\n[containers]\n', 'runc').text).toBe('[engine]\nruntime = "runc"\n[containers]\n');
    expect(withEngineRuntime('[engine]\nruntime = "runc"\n', 'runc').changed).toBe(false);
    expect(withEngineRuntime('[engine]\nx = 2\n', 'runc').text).toBe('[engine]\nruntime = "runc"\nx = 2\n');
  });
});

describe('probe image', () => {
  it('is a 129-byte x86-64 ELF executable', () => {
    const elf = exitZeroElf();
    expect(elf.length).toBe(129);
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(elf.readUInt16LE(18)).toBe(0x3e);
  });
});
