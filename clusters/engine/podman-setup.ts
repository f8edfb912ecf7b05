// Root set-up that lets Podman start kind's privileged nodes on hosts without CAP_SYS_RESOURCE:
// Podman's default rlimits must stay within the host's hard limits (no process may raise one),
// and kind bind-mounts /lib/modules, which some VMs lack. Says what it changed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exec } from '../../harness/tools/exec.ts';

async function onPath(cmd: string): Promise<boolean> {
  const r = await exec('sh', ['-c', `command -v ${cmd}`], { timeoutMs: 10_000, nothrow: true });
  return r.code === 0;
}

export const CONTAINERS_CONF = '/etc/containers/containers.conf';
/** conmon runs with this nproc; a higher container nproc fails with "error setting rlimit". */
export const CONMON_NPROC = 32768;

export interface HardLimits {
  nofile: number;
  nproc: number;
}

/** Parse /proc/self/limits ("Max open files  20000  20000  files"). */
export function parseHardLimits(procLimits: string): HardLimits {
  const hard = (label: string): number => {
    const line = procLimits.split('\n').find((l) => l.startsWith(label));
    const value = line?.slice(label.length).trim().split(/\s+/)[1];
    if (value === undefined) throw new Error(`/proc/self/limits: no '${label}' line`);
    return value === 'unlimited' ? Number.POSITIVE_INFINITY : Number(value);
  };
  return { nofile: hard('Max open files'), nproc: hard('Max processes') };
}

export function defaultUlimits(limits: HardLimits): string[] {
  const nofile = Math.min(limits.nofile, 1_048_576);
  const nproc = Math.min(limits.nproc, CONMON_NPROC);
  return [`nofile=${nofile}:${nofile}`, `nproc=${nproc}:${nproc}`];
}

/**
 * containers.conf with `default_ulimits` under [containers]. An existing default_ulimits is the
 * admin's choice and is kept (changed=false).
 */
export function withDefaultUlimits(existing: string | null, ulimits: string[]): { text: string; changed: boolean } {
  const line = `default_ulimits = [${ulimits.map((u) => JSON.stringify(u)).join(', ')}]`;
  const text = existing ?? '';
  if (/^\s*default_ulimits\s*=/m.test(text)) return { text, changed: false };
  if (/^\s*\[containers\]\s*$/m.test(text)) {
    return { text: text.replace(/^(\s*\[containers\]\s*)$/m, `$1\n${line}`), changed: true };
  }
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return { text: `${text}${sep}[containers]\n${line}\n`, changed: true };
}

/**
 * containers.conf with `runtime = "<name>"` under [engine]. crun refuses hybrid cgroup hosts
 * where the v2 hierarchy holds a controller ("cgroups in hybrid mode not supported"); runc runs.
 */
export function withEngineRuntime(existing: string | null, runtime: string): { text: string; changed: boolean } {
  const line = `runtime = ${JSON.stringify(runtime)}`;
  const text = existing ?? '';
  const engine = /^\s*\[engine\]\s*$/m;
  if (engine.test(text)) {
    const start = text.search(engine);
    const rest = text.slice(start + 1);
    const nextSection = rest.search(/^\s*\[[^\]]+\]\s*$/m);
    const section = nextSection === -1 ? text.slice(start) : text.slice(start, start + 1 + nextSection);
    if (/^\s*runtime\s*=/m.test(section)) {
      if (section.includes(line)) return { text, changed: false };
      const replaced = section.replace(/^\s*runtime\s*=.*$/m, line);
      return { text: text.replace(section, replaced), changed: true };
    }
    return { text: text.replace(engine, (m) => `${m}\n${line}`), changed: true };
  }
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return { text: `${text}${sep}[engine]\n${line}\n`, changed: true };
}

export function crunRefusesHybridCgroups(probeDetail: string): boolean {
  return /cgroups in hybrid mode not supported/.test(probeDetail);
}

/** Apply the set-up; returns one line per change made (empty when nothing was needed). */
export async function setUpPodmanHost(probeDetail: string): Promise<string[]> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return [];
  const changes: string[] = [];
  if (!existsSync('/lib/modules')) {
    mkdirSync('/lib/modules', { recursive: true });
    changes.push('created /lib/modules (kind bind-mounts it into every node)');
  }
  if (crunRefusesHybridCgroups(probeDetail)) {
    if (!(await onPath('runc'))) {
      await exec('apt-get', ['install', '-y', '-qq', 'runc'], { timeoutMs: 10 * 60_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).catch((e: Error) => {
        throw new Error(`podman's crun refuses this hybrid cgroup host and runc could not be installed (apt-get install runc): ${e.message}`);
      });
      changes.push('installed runc (apt-get install runc): crun refuses this hybrid cgroup host');
    }
    const current = existsSync(CONTAINERS_CONF) ? readFileSync(CONTAINERS_CONF, 'utf8') : null;
    const next = withEngineRuntime(current, 'runc');
    if (next.changed) {
      mkdirSync(dirname(CONTAINERS_CONF), { recursive: true });
      writeFileSync(CONTAINERS_CONF, next.text);
      changes.push(`${CONTAINERS_CONF}: [engine] runtime = "runc" (crun: "cgroups in hybrid mode not supported")`);
    }
  }
  const limits = parseHardLimits(readFileSync('/proc/self/limits', 'utf8'));
  const existing = existsSync(CONTAINERS_CONF) ? readFileSync(CONTAINERS_CONF, 'utf8') : null;
  const ulimits = defaultUlimits(limits);
  const next = withDefaultUlimits(existing, ulimits);
  if (next.changed) {
    mkdirSync(dirname(CONTAINERS_CONF), { recursive: true });
    writeFileSync(CONTAINERS_CONF, next.text);
    changes.push(`${CONTAINERS_CONF}: default_ulimits ${ulimits.join(' ')} (within the host's hard limits)`);
  }
  return changes;
}

/** /lib/modules is needed by kind under either engine. */
export function ensureLibModules(): string[] {
  if (process.platform !== 'linux' || existsSync('/lib/modules')) return [];
  try {
    mkdirSync('/lib/modules', { recursive: true });
    return ['created /lib/modules (kind bind-mounts it into every node)'];
  } catch {
    return [];
  }
}
