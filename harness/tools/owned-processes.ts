// Finds the k6 and Prometheus processes the harness started, by the owner label every child of
// exec() carries in its environment (exec.ts), never by a name pattern: a user's own k6 or
// Prometheus has no such label and is never touched.
import { readdirSync, readFileSync } from 'node:fs';
import { OWNER_ENV, OWNER_PID_ENV, TEST_SESSION_ENV } from '../base/exec.ts';

/** Executables the harness leaves running for a while (load shards, the run's Prometheus, the Podman API socket for testcontainers). */
export const LONG_LIVED_TOOLS: readonly string[] = ['k6', 'prometheus', 'podman'];

export interface OwnedProcess {
  pid: number;
  /** Executable name (/proc/<pid>/comm). */
  comm: string;
  owner: string;
  ownerPid: number | null;
  testSession: string | null;
}

/** NUL-separated /proc/<pid>/environ → the harness labels (null when unlabelled). */
export function parseOwnerLabels(environ: string): Pick<OwnedProcess, 'owner' | 'ownerPid' | 'testSession'> | null {
  const vars = new Map<string, string>();
  for (const entry of environ.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) vars.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  const owner = vars.get(OWNER_ENV);
  if (!owner) return null;
  const pid = Number(vars.get(OWNER_PID_ENV));
  return { owner, ownerPid: Number.isInteger(pid) && pid > 0 ? pid : null, testSession: vars.get(TEST_SESSION_ENV) || null };
}

export interface ProcessSelector {
  run?: string;
  testSession?: string;
}

/**
 * Which labelled processes to stop: those of the run or test session asked for; with neither,
 * only orphans (the harness process that started them is gone), so a run in progress is left alone.
 */
export function selectOwned(processes: OwnedProcess[], sel: ProcessSelector, alive: (pid: number) => boolean): OwnedProcess[] {
  return processes.filter((p) => {
    if (!LONG_LIVED_TOOLS.includes(p.comm)) return false;
    if (sel.run !== undefined || sel.testSession !== undefined) {
      return (sel.run !== undefined && p.owner === `run:${sel.run}`) || (sel.testSession !== undefined && (p.testSession === sel.testSession || p.owner === `test:${sel.testSession}`));
    }
    return p.ownerPid === null || !alive(p.ownerPid);
  });
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every process on this host that carries the harness's owner label (Linux /proc). */
export function listOwnedProcesses(proc = '/proc'): OwnedProcess[] {
  const out: OwnedProcess[] = [];
  let entries: string[];
  try {
    entries = readdirSync(proc).filter((e) => /^\d+$/.test(e));
  } catch {
    return out; // not Linux: nothing can be found, nothing is touched
  }
  for (const e of entries) {
    const pid = Number(e);
    if (pid === process.pid) continue;
    try {
      const labels = parseOwnerLabels(readFileSync(`${proc}/${e}/environ`, 'latin1'));
      if (!labels) continue;
      out.push({ pid, comm: readFileSync(`${proc}/${e}/comm`, 'utf8').trim(), ...labels });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}
