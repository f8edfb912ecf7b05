// Root set-up that lets Podman start kind's privileged nodes on hosts without CAP_SYS_RESOURCE:
// Podman's default rlimits must stay within the host's hard limits (no process may raise one),
// crun refuses hybrid cgroup hosts (controllers moved to v1, or runc), and kind bind-mounts
// /lib/modules, which some VMs lack. One round per probe error; says what it changed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exec } from '../../harness/base/exec.ts';

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

export type HybridCgroupFix = 'move-controllers' | 'runc';
export const HYBRID_FIX_ENV = 'KCH_HYBRID_CGROUP_FIX';

export interface CgroupLayout {
  /** Where the cgroup2 hierarchy is mounted (null: none). */
  v2Mount: string | null;
  /** Mount points of v1 hierarchies, with their controllers (name=systemd included as such). */
  v1: { mountPoint: string; controllers: string[] }[];
}

/** Read the cgroup mounts from /proc/self/mounts text. */
export function parseCgroupMounts(procMounts: string): CgroupLayout {
  const layout: CgroupLayout = { v2Mount: null, v1: [] };
  for (const line of procMounts.split('\n')) {
    const [, mountPoint, type, options] = line.split(' ');
    if (!mountPoint || !options) continue;
    if (type === 'cgroup2') layout.v2Mount ??= mountPoint;
    else if (type === 'cgroup') {
      const known = ['rw', 'ro', 'relatime', 'noatime', 'nosuid', 'nodev', 'noexec', 'clone_children'];
      layout.v1.push({ mountPoint, controllers: options.split(',').filter((o) => !known.includes(o) && !o.startsWith('release_agent=')) });
    }
  }
  return layout;
}

/** Hybrid means v1 hierarchies and a v2 hierarchy that holds at least one controller. */
export interface HybridHost {
  layout: CgroupLayout;
  /** cgroup.controllers at the v2 root: the controllers bound to v2. */
  v2Controllers: string[];
  /** cgroup.subtree_control at the v2 root: those enabled for some v2 cgroup (cannot move). */
  v2SubtreeControl: string[];
}

export type HybridFixPlan =
  | { fix: 'move-controllers'; mounts: { controller: string; path: string }[] }
  | { fix: 'runc'; why: string };

/**
 * Pick the fix for crun's "cgroups in hybrid mode not supported": move the v2 controllers to v1
 * mounts when no v2 cgroup has them enabled (the kernel refuses to rebind one in use; no package,
 * no config change, crun kept), else runc as Podman's runtime. `preference` forces one.
 */
export function planHybridFix(host: HybridHost, preference: HybridCgroupFix | 'auto'): HybridFixPlan {
  if (preference === 'runc') return { fix: 'runc', why: `${HYBRID_FIX_ENV}=runc` };
  const { v2Mount, v1 } = host.layout;
  const refuse = (why: string): HybridFixPlan => {
    if (preference === 'move-controllers') throw new Error(`${HYBRID_FIX_ENV}=move-controllers: cannot move the cgroup v2 controllers here: ${why}`);
    return { fix: 'runc', why };
  };
  if (!v2Mount) return refuse('no cgroup2 mount found');
  if (v1.length === 0) return refuse('no cgroup v1 hierarchies (a pure v2 host is not hybrid)');
  if (host.v2Controllers.length === 0) return refuse(`${v2Mount} holds no controller (the refusal has another cause)`);
  const inUse = host.v2Controllers.filter((c) => host.v2SubtreeControl.includes(c));
  if (inUse.length > 0) return refuse(`${inUse.join(', ')} enabled in ${v2Mount}/cgroup.subtree_control (in use on v2)`);
  // the v1 mounts for the moved controllers go beside the others (/sys/fs/cgroup/<controller>)
  const parent = v2Mount.replace(/\/[^/]+$/, '');
  const beside = (m: { mountPoint: string }) => m.mountPoint.startsWith(`${parent}/`) && !m.mountPoint.slice(parent.length + 1).includes('/');
  if (parent === '' || !v1.some(beside)) return refuse(`the v1 hierarchies are not mounted beside ${v2Mount}`);
  return { fix: 'move-controllers', mounts: host.v2Controllers.map((controller) => ({ controller, path: `${parent}/${controller}` })) };
}

export function hybridFixPreference(env: NodeJS.ProcessEnv = process.env): HybridCgroupFix | 'auto' {
  const v = env[HYBRID_FIX_ENV];
  if (v === undefined || v === '' || v === 'auto') return 'auto';
  if (v === 'move-controllers' || v === 'runc') return v;
  throw new Error(`${HYBRID_FIX_ENV}='${v}' is not one of auto, move-controllers, runc`);
}

function readHybridHost(): HybridHost {
  const layout = parseCgroupMounts(readFileSync('/proc/self/mounts', 'utf8'));
  const words = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean) : []);
  return {
    layout,
    v2Controllers: layout.v2Mount ? words(`${layout.v2Mount}/cgroup.controllers`) : [],
    v2SubtreeControl: layout.v2Mount ? words(`${layout.v2Mount}/cgroup.subtree_control`) : [],
  };
}

async function useRunc(why: string): Promise<string[]> {
  const changes: string[] = [];
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
    changes.push(`hybrid cgroup fix: runc — ${CONTAINERS_CONF}: [engine] runtime = "runc" (crun refuses hybrid cgroups; controllers not moved: ${why})`);
  }
  return changes;
}

/** crun refuses hybrid cgroups: move the v2 controllers to v1 mounts where possible, else runc. */
async function fixHybridCgroups(): Promise<{ changes: string[]; fix: HybridCgroupFix }> {
  const plan = planHybridFix(readHybridHost(), hybridFixPreference());
  if (plan.fix === 'runc') return { changes: await useRunc(plan.why), fix: 'runc' };
  const changes: string[] = [];
  for (const { controller, path } of plan.mounts) {
    mkdirSync(path, { recursive: true });
    const r = await exec('mount', ['-t', 'cgroup', '-o', controller, 'cgroup', path], { timeoutMs: 30_000, nothrow: true });
    if (r.code !== 0) {
      const why = `mount -t cgroup -o ${controller} cgroup ${path} failed: ${r.stderr.trim().split('\n').pop() ?? ''}`;
      if (hybridFixPreference() === 'move-controllers') throw new Error(`${HYBRID_FIX_ENV}=move-controllers: ${why}`);
      return { changes: [...changes, ...(await useRunc(why))], fix: 'runc' };
    }
    changes.push(`hybrid cgroup fix: moved the ${controller} controller off the cgroup v2 hierarchy to a v1 mount at ${path} (crun refuses hybrid cgroups; lasts until reboot)`);
  }
  return { changes, fix: 'move-controllers' };
}

export interface SetUpResult {
  changes: string[];
  /** Set when this round fixed crun's hybrid-cgroup refusal. */
  hybridFix?: HybridCgroupFix;
}

/** One set-up round for the error the probe saw; one line per change made (empty: nothing to do). */
export async function setUpPodmanForError(probeDetail: string): Promise<SetUpResult> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return { changes: [] };
  const changes: string[] = [];
  if (!existsSync('/lib/modules')) {
    mkdirSync('/lib/modules', { recursive: true });
    changes.push('created /lib/modules (kind bind-mounts it into every node)');
  }
  if (crunRefusesHybridCgroups(probeDetail)) {
    const hybrid = await fixHybridCgroups();
    return { changes: [...changes, ...hybrid.changes], hybridFix: hybrid.fix };
  }
  // Any other refusal: the known one is "error setting rlimit" (default rlimits above the host's).
  const limits = parseHardLimits(readFileSync('/proc/self/limits', 'utf8'));
  const existing = existsSync(CONTAINERS_CONF) ? readFileSync(CONTAINERS_CONF, 'utf8') : null;
  const ulimits = defaultUlimits(limits);
  const next = withDefaultUlimits(existing, ulimits);
  if (next.changed) {
    mkdirSync(dirname(CONTAINERS_CONF), { recursive: true });
    writeFileSync(CONTAINERS_CONF, next.text);
    changes.push(`${CONTAINERS_CONF}: default_ulimits ${ulimits.join(' ')} (within the host's hard limits)`);
  }
  return { changes };
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
