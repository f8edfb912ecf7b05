// `npm run cleanup` against the real engine and real processes, in a private cache: it removes
// only what carries the asked test session's label, leaves a kept `kch`, an unrecorded cluster and
// an unlabelled `k6` (someone else's) alone, and never deletes a real cluster it has no record of.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '../base/exec.ts';
import { binDir } from '../base/cache.ts';
import { pidAlive } from '../tools/owned-processes.ts';
import type { ClusterRecord } from '../../clusters/kind/cluster-record.ts';
import { LOCAL_REGISTRY } from '../../clusters/kind/kind-config.ts';
import { buildLocalRegistryImage, findLocalRegistry, ownerLabelArgs } from '../../clusters/registry/local-registry.ts';

const work = mkdtempSync(join(tmpdir(), 'kch-cleanup-'));
const cache = join(work, 'cache');
const SESSION = `cleanup-test-${process.pid}`;
const children: ChildProcess[] = [];

function record(name: string, ownership: ClusterRecord['ownership']): void {
  mkdirSync(join(cache, 'kind', name), { recursive: true });
  const r: ClusterRecord = { workers: 0, nodePorts: [], nodeImage: 'none', podNetwork: 'bridge', ...(ownership ? { ownership } : {}) };
  writeFileSync(join(cache, 'kind', name, 'cluster.json'), JSON.stringify(r));
}

/** A long sleep whose executable is named `name` (comm), with or without the harness's label. */
function fakeTool(name: string, env: Record<string, string>): ChildProcess {
  const bin = join(work, name);
  if (!existsSync(bin)) copyFileSync('/bin/sleep', bin);
  const child = spawn(bin, ['120'], { env: { PATH: '/usr/bin:/bin', ...env }, stdio: 'ignore' });
  children.push(child);
  return child;
}

async function cleanup(args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, HARNESS_CACHE: cache };
  delete env.KCH_OWNER;
  delete env.KCH_TEST_SESSION;
  const r = await exec(process.execPath, ['--import', 'tsx', 'harness/cli/cleanup.ts', ...args], { timeoutMs: 180_000, env });
  return r.stderr + r.stdout;
}

describe('npm run cleanup (real engine, private cache)', () => {
  let mine: ChildProcess;
  let strangers: ChildProcess[];
  const now = new Date().toISOString();
  beforeAll(() => {
    mkdirSync(cache, { recursive: true });
    symlinkSync(binDir(), join(cache, 'bin')); // the real kind and kubectl: nothing is built for this test
    // the kept `kch` of a user, a cluster made before ownership records, and this session's leftover
    record('kch', { owner: 'pid:1', ownerPid: 1, testSession: null, keep: true, createdAt: now });
    record('kch-legacy', undefined);
    record('kch-t1', { owner: `test:${SESSION}`, ownerPid: 999_999, testSession: SESSION, keep: false, createdAt: now });
    record('kch-t2', { owner: 'test:other', ownerPid: 999_999, testSession: 'other', keep: false, createdAt: now });
    mine = fakeTool('k6', { KCH_OWNER: `test:${SESSION}`, KCH_OWNER_PID: '999999', KCH_TEST_SESSION: SESSION });
    strangers = [fakeTool('k6', {}), fakeTool('prometheus', { KCH_OWNER: 'test:other', KCH_OWNER_PID: String(process.pid), KCH_TEST_SESSION: 'other' })];
  });

  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('--help documents the flags', async () => {
    const help = await cleanup(['--help']);
    for (const flag of ['--run <id>', '--test-session <id>', '--dry-run']) expect(help).toContain(flag);
  });

  it('--dry-run names what it would remove and removes nothing', async () => {
    const out = await cleanup(['--test-session', SESSION, '--dry-run']);
    expect(out).toContain(`would stop k6 (pid ${mine.pid}`);
    expect(out).toContain(`would delete kind cluster kch-t1 (made by test session ${SESSION})`);
    expect(out).toContain('leaving cluster kch: kept');
    expect(pidAlive(mine.pid!)).toBe(true);
    expect(existsSync(join(cache, 'kind', 'kch-t1', 'cluster.json'))).toBe(true);
  });

  it('--test-session removes only that session: the kept kch, an unrecorded cluster, an unlabelled k6 survive', async () => {
    const out = await cleanup(['--test-session', SESSION]);
    expect(out).toContain(`stopping k6 (pid ${mine.pid}, test:${SESSION})`);
    expect(out).toContain('deleting kind cluster kch-t1');
    expect(out).toMatch(/leaving cluster kch-legacy: no harness ownership record/);
    expect(out).toMatch(/leaving cluster kch-t2: belongs to test:other/);
    await new Promise((r) => setTimeout(r, 300));
    expect(pidAlive(mine.pid!)).toBe(false);
    for (const s of strangers) expect(pidAlive(s.pid!)).toBe(true);
    expect(existsSync(join(cache, 'kind', 'kch-t1', 'cluster.json'))).toBe(false);
    for (const kept of ['kch', 'kch-legacy', 'kch-t2']) expect(existsSync(join(cache, 'kind', kept, 'cluster.json'))).toBe(true);
  });

  it('with no flag removes only disposable leftovers whose creator is gone, never a kept or unrecorded one', async () => {
    const out = await cleanup([]);
    expect(out).toContain('deleting kind cluster kch-t2 (left behind by test:other (pid 999999 is gone))');
    expect(out).toContain('leaving cluster kch: kept');
    // the labelled prometheus's creator (this test process) is alive: a run in progress is left alone
    for (const s of strangers) expect(pidAlive(s.pid!)).toBe(true);
    expect(existsSync(join(cache, 'kind', 'kch', 'cluster.json'))).toBe(true);
  });
});

// The local registry a test starts (registry.cluster.test.ts): its container labels say whose it is.
// Started here without network or ports, so it cannot collide with anything but its own name.
describe('npm run cleanup and the local registry container', () => {
  const name = LOCAL_REGISTRY.container;
  beforeAll(async () => {
    if (await findLocalRegistry()) throw new Error(`a container ${name} exists already; this test would replace it: remove it first (podman rm -f ${name})`);
    const image = await buildLocalRegistryImage(() => {});
    const labels = ownerLabelArgs({ owner: `test:${SESSION}`, ownerPid: process.pid, testSession: SESSION, keep: false, createdAt: new Date().toISOString() });
    await exec('podman', ['run', '-d', '--name', name, ...labels, '--network', 'none', image], { timeoutMs: 60_000 });
  }, 300_000);

  afterAll(async () => {
    await exec('podman', ['rm', '-f', '-t', '0', name], { timeoutMs: 60_000, nothrow: true });
  });

  it("is left while its creator runs or another session is named, and removed when its own session is", async () => {
    expect(await cleanup([])).toContain(`leaving local registry ${name}: its creator (pid ${process.pid}, test:${SESSION}) is still running`);
    expect(await cleanup(['--test-session', 'other'])).toContain(`leaving local registry ${name}: belongs to test:${SESSION} (test session ${SESSION})`);
    expect(await findLocalRegistry()).toMatchObject({ name, ownership: { owner: `test:${SESSION}`, ownerPid: process.pid, testSession: SESSION } });
    expect(await cleanup(['--test-session', SESSION, '--dry-run'])).toContain(`would remove local registry ${name} (made by test session ${SESSION})`);
    expect(await findLocalRegistry()).not.toBeNull();
    expect(await cleanup(['--test-session', SESSION])).toContain(`removing local registry ${name} (made by test session ${SESSION})`);
    expect(await findLocalRegistry()).toBeNull();
  });
});
