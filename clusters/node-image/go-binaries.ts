// Go binaries of the node image, built from the Go module proxy only (no git, no registry).
// Each family builds in a throw-away "wrapper" module that requires the upstream module (so the
// upstream's replace directives are ignored) and pins the k8s.io staging modules to the matching
// v0.X.Y tag. The layout (module names, -trimpath, CGO_ENABLED=0) matches the hand-proven script
// so a warm Go build cache is hit.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exec, toolEnv } from '../../harness/base/exec.ts';
import { cacheDir } from '../../harness/base/cache.ts';
import type { ProgressSink } from '../provider.ts';
import { timedStep } from '../progress.ts';
import { NODE_VERSIONS, inputsKey, minorOf, stagingVersion } from './versions.ts';

export const KUBE_COMMANDS = [
  'kubeadm',
  'kubectl',
  'kubelet',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kube-proxy',
] as const;
export type KubeCommand = (typeof KUBE_COMMANDS)[number];

const GO_BUILD_TIMEOUT_MS = 45 * 60_000;
const GO_MOD_TIMEOUT_MS = 20 * 60_000;
/** Fixed so the same inputs give the same binaries. */
const BUILD_DATE = '2026-01-01T00:00:00Z';

function goEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return toolEnv({ CGO_ENABLED: '0', ...extra });
}

/** Go builds share 2 cores with everything else: run them niced. */
async function go(args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}, timeoutMs = GO_BUILD_TIMEOUT_MS) {
  return exec('nice', ['-n', '10', 'go', ...args], { cwd, env: goEnv(extra), timeoutMs });
}

export function binariesDir(): string {
  const v = NODE_VERSIONS;
  return cacheDir('node-image', `bin-${inputsKey(v.kubernetes, v.etcd, v.coredns, v.crictl, BUILD_DATE)}`);
}

/** -X flags stamping the version: kubeadm derives image tags from it, kind reads /kind/version. */
export function kubeLdflags(kubeVersion: string): string {
  const flags = ['-s', '-w'];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(
      `-X ${pkg}.gitVersion=${kubeVersion}`,
      `-X ${pkg}.gitMajor=1`,
      `-X ${pkg}.gitMinor=${minorOf(kubeVersion)}`,
      `-X ${pkg}.gitCommit=0000000000000000000000000000000000000000`,
      `-X ${pkg}.gitTreeState=clean`,
      `-X ${pkg}.buildDate=${BUILD_DATE}`,
    );
  }
  return flags.join(' ');
}

/** The wrapper go.mod: every `k8s.io/x => ./staging/...` of upstream's go.mod becomes `=> k8s.io/x v0.X.Y`. */
export function kubeWrapperGoMod(upstreamGoMod: string, kubeVersion: string): string {
  const staging = stagingVersion(kubeVersion);
  const replaced = [...upstreamGoMod.matchAll(/^\s+(k8s\.io\/[a-z0-9-]+) => \.\/staging/gm)].map((m) => m[1]);
  if (replaced.length === 0) throw new Error('k8s.io/kubernetes go.mod: no staging replace directives found');
  return [
    'module kproof/kbuild',
    '',
    'go 1.24.0',
    '',
    `require k8s.io/kubernetes ${kubeVersion}`,
    '',
    'replace (',
    ...replaced.map((m) => `\t${m} => ${m} ${staging}`),
    ')',
    '',
  ].join('\n');
}

function toolsGo(imports: string[]): string {
  return `//go:build tools\n\npackage tools\n\nimport (\n${imports.map((i) => `\t_ "${i}"`).join('\n')}\n)\n`;
}

/** Build into a temp name, then rename: an interrupted build never leaves a half binary. */
async function goBuild(wrapper: string, out: string, pkg: string, ldflags: string, extra: NodeJS.ProcessEnv = {}) {
  const tmp = `${out}.partial`;
  rmSync(tmp, { force: true });
  await go(['build', '-trimpath', '-ldflags', ldflags, '-o', tmp, pkg], wrapper, extra);
  renameSync(tmp, out);
}

function prepareWrapper(name: string, goMod: string, imports: string[]): string {
  const dir = cacheDir('node-image', 'go', name);
  const modPath = join(dir, 'go.mod');
  if (!existsSync(modPath) || readFileSync(modPath, 'utf8') !== goMod) {
    writeFileSync(modPath, goMod);
    rmSync(join(dir, 'go.sum'), { force: true });
    rmSync(join(dir, '.tidy'), { force: true });
  }
  writeFileSync(join(dir, 'tools.go'), toolsGo(imports));
  return dir;
}

async function tidy(dir: string, progress: ProgressSink, label: string, extra: NodeJS.ProcessEnv = {}) {
  if (existsSync(join(dir, '.tidy'))) return;
  await timedStep(progress, `go mod tidy (${label})`, () => go(['mod', 'tidy'], dir, extra, GO_MOD_TIMEOUT_MS));
  writeFileSync(join(dir, '.tidy'), '');
}

/** Build the listed Kubernetes commands (v1.34.4) into `out`; those already there are kept. */
export async function buildKubernetes(commands: readonly KubeCommand[], out: string, progress: ProgressSink): Promise<void> {
  const kver = NODE_VERSIONS.kubernetes;
  const missing = commands.filter((c) => !existsSync(join(out, c)));
  if (missing.length === 0) return;
  const dl = await exec('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${kver}`], {
    env: goEnv(),
    timeoutMs: GO_MOD_TIMEOUT_MS,
  });
  const upstreamGoMod = readFileSync((JSON.parse(dl.stdout) as { GoMod: string }).GoMod, 'utf8');
  const dir = prepareWrapper(
    'kbuild',
    kubeWrapperGoMod(upstreamGoMod, kver),
    KUBE_COMMANDS.map((c) => `k8s.io/kubernetes/cmd/${c}`),
  );
  await tidy(dir, progress, 'kubernetes');
  const ld = kubeLdflags(kver);
  for (const [i, c] of missing.entries()) {
    await timedStep(progress, `go build ${c} ${kver} (${i + 1}/${missing.length})`, () =>
      goBuild(dir, join(out, c), `k8s.io/kubernetes/cmd/${c}`, ld),
    );
  }
}

async function buildEtcdAndCoreDNS(out: string, progress: ProgressSink): Promise<void> {
  const v = NODE_VERSIONS;
  if (existsSync(join(out, 'etcd')) && existsSync(join(out, 'coredns'))) return;
  const goMod = `module kproof/xbuild\n\ngo 1.24\n\nrequire (\n\tgo.etcd.io/etcd/server/v3 ${v.etcd}\n\tgithub.com/coredns/coredns ${v.coredns}\n)\n`;
  const dir = prepareWrapper('xbuild', goMod, ['github.com/coredns/coredns', 'go.etcd.io/etcd/server/v3']);
  await tidy(dir, progress, 'etcd+coredns');
  if (!existsSync(join(out, 'etcd')))
    await timedStep(progress, `go build etcd ${v.etcd}`, () => goBuild(dir, join(out, 'etcd'), 'go.etcd.io/etcd/server/v3', '-s -w'));
  if (!existsSync(join(out, 'coredns')))
    await timedStep(progress, `go build coredns ${v.coredns}`, () => goBuild(dir, join(out, 'coredns'), 'github.com/coredns/coredns', '-s -w'));
}

/** cri-tools v1.34.0 is on the proxy but not in the checksum database, and needs k8s.io pins. */
async function buildCrictl(out: string, progress: ProgressSink): Promise<void> {
  if (existsSync(join(out, 'crictl'))) return;
  const sv = stagingVersion(NODE_VERSIONS.kubernetes);
  const pinned = ['api', 'apimachinery', 'client-go', 'component-base', 'cri-api', 'cri-client', 'kubelet'];
  const goMod = [
    'module kproof/cbuild',
    '',
    'go 1.24',
    '',
    `require sigs.k8s.io/cri-tools ${NODE_VERSIONS.crictl}`,
    '',
    'replace (',
    ...pinned.map((m) => `\tk8s.io/${m} => k8s.io/${m} ${sv}`),
    ')',
    '',
  ].join('\n');
  const dir = prepareWrapper('cbuild', goMod, ['sigs.k8s.io/cri-tools/cmd/crictl']);
  const env = { GONOSUMDB: 'sigs.k8s.io/cri-tools' };
  await tidy(dir, progress, 'crictl', env);
  await timedStep(progress, `go build crictl ${NODE_VERSIONS.crictl}`, () =>
    goBuild(dir, join(out, 'crictl'), 'sigs.k8s.io/cri-tools/cmd/crictl', `-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=${NODE_VERSIONS.crictl}`, env),
  );
}

async function buildPause(out: string, progress: ProgressSink): Promise<void> {
  if (existsSync(join(out, 'pause'))) return;
  const src = join(dirname(fileURLToPath(import.meta.url)), 'pause.c');
  await timedStep(progress, 'gcc -static pause', async () => {
    await exec('gcc', ['-Os', '-static', '-o', join(out, 'pause.partial'), src], { timeoutMs: 120_000 }).catch((e: Error) => {
      throw new Error(`building pause needs gcc with static glibc (apt-get install gcc libc6-dev): ${e.message}`);
    });
    await exec('strip', [join(out, 'pause.partial')], { timeoutMs: 30_000, nothrow: true });
    renameSync(join(out, 'pause.partial'), join(out, 'pause'));
  });
}

/** Every binary the node image needs, in binariesDir(). */
export async function buildNodeBinaries(progress: ProgressSink): Promise<string> {
  const out = binariesDir();
  mkdirSync(out, { recursive: true });
  await buildKubernetes(KUBE_COMMANDS, out, progress);
  await buildEtcdAndCoreDNS(out, progress);
  await buildCrictl(out, progress);
  await buildPause(out, progress);
  return out;
}


export function installBinary(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, `${to}.partial`);
  chmodSync(`${to}.partial`, 0o755);
  renameSync(`${to}.partial`, to);
}
