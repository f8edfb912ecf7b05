// What `up` created, kept in the cache beside the cluster's config: how (workers, ports, image,
// so a later `up` can tell whether it matches) and for whom (owner, test session, keep), so that
// `npm run cleanup` deletes only clusters the harness or its tests made to throw away.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../harness/base/cache.ts';
import { processOwner, TEST_SESSION_ENV } from '../../harness/base/exec.ts';

export interface ClusterOwnership {
  /** run:<id> | test:<session> | pid:<pid> (see harness/base/exec.ts processOwner). */
  owner: string;
  /** The process that created it (gone: nobody is using it as a disposable cluster any more). */
  ownerPid: number;
  /** KCH_TEST_SESSION of the creator, when a test made it. */
  testSession: string | null;
  /** A cluster someone means to keep (`npm run cluster -- up`, --keep-cluster): never cleaned up. */
  keep: boolean;
  createdAt: string;
}

/** Ownership of something this process makes now; whatever a test session makes is never kept. */
export function ownershipHere(keep: boolean): ClusterOwnership {
  const testSession = process.env[TEST_SESSION_ENV] || null;
  return { owner: processOwner(), ownerPid: process.pid, testSession, keep: testSession === null && keep, createdAt: new Date().toISOString() };
}

export interface ClusterRecord {
  workers: number;
  nodePorts: number[];
  nodeImage: string;
  podNetwork: 'bridge' | 'kind-default';
  /** The registry name its nodes' containerd mirrors to the local registry (absent: created before the mirror). */
  registryMirror?: string;
  /** Absent in records written before ownership was recorded: such clusters are never cleaned up. */
  ownership?: ClusterOwnership;
}

export function recordPath(name: string): string {
  return join(cacheDir('kind', name), 'cluster.json');
}

export function readRecord(name: string): ClusterRecord | null {
  const path = recordPath(name);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ClusterRecord;
  } catch {
    return null;
  }
}

export function writeRecord(name: string, record: ClusterRecord): void {
  writeFileSync(recordPath(name), JSON.stringify(record, null, 2));
}

/** Names of clusters with a record in the cache (a create killed half-way included). */
export function recordedClusters(): string[] {
  const dir = cacheDir('kind');
  return readdirSync(dir).filter((n) => existsSync(join(dir, n, 'cluster.json')));
}

export interface CleanupSelector {
  run?: string;
  testSession?: string;
}

/**
 * Whether cleanup may delete this cluster (or the local registry), and why (pure), from its
 * ownership record. Only what the harness recorded making and did not keep; with
 * --run/--test-session only that run's or session's; by default only what its creator left
 * behind. Without an ownership record it is someone's own.
 */
export function cleanupVerdict(o: ClusterOwnership | null | undefined, sel: CleanupSelector, alive: (pid: number) => boolean): { remove: boolean; why: string } {
  if (!o) return { remove: false, why: 'no harness ownership record (not made by this harness version, or not by it at all)' };
  if (o.keep) return { remove: false, why: `kept (created by ${o.owner} to keep)` };
  if (sel.run !== undefined || sel.testSession !== undefined) {
    if (sel.run !== undefined && o.owner === `run:${sel.run}`) return { remove: true, why: `made by run ${sel.run}` };
    if (sel.testSession !== undefined && o.testSession === sel.testSession) return { remove: true, why: `made by test session ${sel.testSession}` };
    return { remove: false, why: `belongs to ${o.owner}${o.testSession ? ` (test session ${o.testSession})` : ''}` };
  }
  if (alive(o.ownerPid)) return { remove: false, why: `its creator (pid ${o.ownerPid}, ${o.owner}) is still running` };
  return { remove: true, why: `left behind by ${o.owner} (pid ${o.ownerPid} is gone)` };
}
