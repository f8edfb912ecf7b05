// The local registry's own pure parts: the labels that tell cleanup who started it, and the files
// its FROM scratch image copies.
import { describe, expect, it } from 'vitest';
import { lddPaths, ownerLabelArgs, ownershipFromLabels } from './local-registry.ts';

const labelsOf = (args: string[]): Record<string, string> =>
  Object.fromEntries(args.filter((_, i) => i % 2 === 1).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

describe('registry ownership labels', () => {
  it('round-trip through the container labels cleanup reads', () => {
    const o = { owner: 'test:s1', ownerPid: 4242, testSession: 's1', keep: false, createdAt: '2026-12-08T00:00:00.000Z' };
    const args = ownerLabelArgs(o);
    expect(args.filter((_, i) => i % 2 === 0).every((a) => a === '--label')).toBe(true);
    expect(ownershipFromLabels(labelsOf(args))).toEqual(o);
    const run = { ...o, owner: 'run:r1', testSession: null };
    expect(ownershipFromLabels(labelsOf(ownerLabelArgs(run)))).toEqual(run);
  });

  it('record no ownership for a container without them (someone else’s, or an older harness)', () => {
    expect(ownershipFromLabels(null)).toBeNull();
    expect(ownershipFromLabels({})).toBeNull();
    expect(ownershipFromLabels({ 'kube-chaos-harness.owner': 'pid:1', 'kube-chaos-harness.owner-pid': 'x' })).toBeNull();
  });
});

describe('lddPaths', () => {
  it('keeps the libraries and the loader, once each', () => {
    const ldd = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f00)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f01)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f00)',
    ].join('\n');
    expect(lddPaths(ldd)).toEqual(['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
  });
});
