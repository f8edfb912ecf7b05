// Which container engine kind uses here: Docker where it can start a privileged container, else
// Podman. Probing is I/O; the choice itself (and its reasons) is a pure function of the probes.
import { mkdtempSync, writeFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir, arch } from 'node:os';
import { join } from 'node:path';
import { exec, toolEnv } from '../../harness/base/exec.ts';
import { exitZeroElf } from './probe-image.ts';

export type EngineName = 'docker' | 'podman';

export interface EngineProbe {
  engine: EngineName;
  installed: boolean;
  /** Daemon / service answers (`docker info`, `podman info`). */
  reachable: boolean;
  /** A privileged container started ('unknown' where the probe binary cannot run, e.g. arm64). */
  privileged: 'yes' | 'no' | 'unknown';
  detail: string;
}

export interface EngineChoice {
  engine: EngineName | null;
  /** Why this one. */
  reason: string;
  /** Why each other engine was passed over. */
  passedOver: string[];
  /** Podman needs the root set-up (rlimits, /lib/modules) before it can start kind nodes. */
  needsSetup: boolean;
}

export function chooseEngine(probes: EngineProbe[], canSetUpPodman: boolean): EngineChoice {
  const docker = probes.find((p) => p.engine === 'docker');
  const podman = probes.find((p) => p.engine === 'podman');
  const works = (p: EngineProbe | undefined) => !!p && p.installed && p.reachable && p.privileged !== 'no';
  const why = (p: EngineProbe | undefined, name: EngineName) => {
    if (!p || !p.installed) return `${name}: not installed`;
    if (!p.reachable) return `${name}: not reachable (${p.detail})`;
    return `${name}: cannot start a privileged container (${p.detail})`;
  };
  if (works(docker)) {
    return {
      engine: 'docker',
      reason: `docker starts privileged containers${docker?.privileged === 'unknown' ? ' (not probed on this CPU)' : ''}`,
      passedOver: [],
      needsSetup: false,
    };
  }
  if (works(podman)) {
    return { engine: 'podman', reason: 'podman starts privileged containers', passedOver: [why(docker, 'docker')], needsSetup: false };
  }
  if (podman?.installed && podman.reachable && canSetUpPodman) {
    return {
      engine: 'podman',
      reason: 'podman, once the root set-up makes it start privileged containers (rlimits within the host hard limits; crun and hybrid cgroups)',
      passedOver: [why(docker, 'docker')],
      needsSetup: true,
    };
  }
  return { engine: null, reason: 'no engine can start a privileged container', passedOver: [why(docker, 'docker'), why(podman, 'podman')], needsSetup: false };
}

const PROBE_IMAGE = 'kch-privileged-probe:1';

/** Env for kind so it drives the chosen engine. */
export function kindEnv(engine: EngineName): NodeJS.ProcessEnv {
  return toolEnv(engine === 'podman' ? { KIND_EXPERIMENTAL_PROVIDER: 'podman' } : { KIND_EXPERIMENTAL_PROVIDER: 'docker' });
}

export async function probeEngine(engine: EngineName): Promise<EngineProbe> {
  const version = await exec(engine, ['version'], { timeoutMs: 15_000, nothrow: true }).catch((e: Error) => e);
  if (version instanceof Error) return { engine, installed: false, reachable: false, privileged: 'no', detail: 'not on PATH' };
  const info = await exec(engine, ['info'], { timeoutMs: 20_000, nothrow: true });
  if (info.code !== 0) {
    const line = (info.stderr.trim().split('\n').pop() ?? '').slice(0, 160);
    return { engine, installed: true, reachable: false, privileged: 'no', detail: line || `info exited ${info.code}` };
  }
  if (arch() !== 'x64') return { engine, installed: true, reachable: true, privileged: 'unknown', detail: `probe needs x86-64, this is ${arch()}` };
  const dir = mkdtempSync(join(tmpdir(), 'kch-probe-'));
  try {
    writeFileSync(join(dir, 'probe'), exitZeroElf());
    chmodSync(join(dir, 'probe'), 0o755);
    await exec('tar', ['-C', dir, '-cf', join(dir, 'probe.tar'), 'probe'], { timeoutMs: 10_000 });
    await exec(engine, ['import', '--change', 'ENTRYPOINT ["/probe"]', join(dir, 'probe.tar'), PROBE_IMAGE], { timeoutMs: 60_000 });
    const run = await exec(engine, ['run', '--rm', '--privileged', '--network', 'none', PROBE_IMAGE], { timeoutMs: 60_000, nothrow: true });
    if (run.code === 0) return { engine, installed: true, reachable: true, privileged: 'yes', detail: 'privileged container started' };
    const line = (run.stderr.trim().split('\n').pop() ?? '').slice(0, 200);
    return { engine, installed: true, reachable: true, privileged: 'no', detail: line || `run exited ${run.code}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await exec(engine, ['rmi', '-f', PROBE_IMAGE], { timeoutMs: 30_000, nothrow: true });
  }
}
