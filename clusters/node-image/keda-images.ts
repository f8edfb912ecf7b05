// KEDA (operator, metrics API server, admission webhooks) from the Go module proxy, and one image
// FROM scratch per binary, cached by version. `go install …@v2.21.0` refuses KEDA (its go.mod has
// replace directives), so a wrapper module generated here requires KEDA and repeats them; nothing
// of KEDA is committed. Measured cold on 2 cores: see clusters/README.md.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../harness/base/cache.ts';
import { exec, toolEnv } from '../../harness/base/exec.ts';
import { timedStep } from '../../harness/base/progress.ts';
import { KEDA_COMPONENTS, KEDA_MODULE, KEDA_VERSION, type KedaComponent } from '../../deploy/addons/keda/versions.ts';
import type { EngineName } from '../engine/engine.ts';
import type { ProgressSink } from '../provider.ts';

/** The operator alone took 475 s with a warm build cache here; a cold one with a busy machine, far more. */
const GO_BUILD_TIMEOUT_MS = 60 * 60_000;

/**
 * The wrapper module's go.mod: require KEDA and repeat its replace and exclude directives (single
 * lines and blocks), which a dependent module must restate because Go applies only the main
 * module's. KEDA's `go` line too: without one Go assumes 1.16, loads the whole unpruned module
 * graph and `go get` crawled for minutes here. A replace to a local path cannot be repeated
 * outside KEDA's tree: named, not guessed.
 */
export function wrapperGoMod(kedaGoMod: string, module: string, version: string): string {
  const kept: string[] = [];
  let goLine: string | null = null;
  let block: 'replace' | 'exclude' | null = null;
  for (const raw of kedaGoMod.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (!line) continue;
    if (block) {
      if (line === ')') block = null;
      else kept.push(`${block} ${line}`);
      continue;
    }
    if (/^go\s+\d/.test(line)) goLine = line.replace(/\s+/g, ' ');
    const open = /^(replace|exclude)\s*\($/.exec(line);
    if (open) block = open[1] as 'replace' | 'exclude';
    else if (/^(replace|exclude)\s/.test(line)) kept.push(line.replace(/\s+/g, ' '));
  }
  for (const d of kept) {
    const target = /=>\s*(\S+)/.exec(d)?.[1];
    if (target && (target.startsWith('.') || target.startsWith('/'))) throw new Error(`${module}@${version}: '${d}' replaces with a local path; a wrapper module cannot repeat it`);
  }
  if (!goLine) throw new Error(`${module}@${version}: its go.mod has no go directive`);
  return ['module kedabuild', '', goLine, '', `require ${module} ${version}`, '', ...kept, ''].join('\n');
}

function cache(...parts: string[]): string {
  return cacheDir('keda', KEDA_VERSION, ...parts);
}

const go = (args: string[], cwd: string, timeoutMs: number) =>
  exec('nice', ['-n', '10', 'go', ...args], { cwd, env: toolEnv({ CGO_ENABLED: '0', GOTOOLCHAIN: 'local' }), timeoutMs });

/** KEDA's module source in the Go module cache (read-only): its go.mod and config/. */
export async function kedaModuleDir(progress: ProgressSink): Promise<string> {
  const r = await timedStep(progress, `go mod download ${KEDA_MODULE}@${KEDA_VERSION}`, () =>
    exec('go', ['mod', 'download', '-json', `${KEDA_MODULE}@${KEDA_VERSION}`], { cwd: cache(), env: toolEnv(), timeoutMs: 10 * 60_000 }),
  );
  const info = JSON.parse(r.stdout) as { Dir?: string; GoMod?: string; Error?: string };
  if (!info.Dir || info.Error) throw new Error(`go mod download ${KEDA_MODULE}@${KEDA_VERSION}: ${info.Error ?? 'no Dir in its answer'}`);
  return info.Dir;
}

/** The three static, stripped binaries (cached under the version; built once). */
export async function ensureKedaBinaries(progress: ProgressSink): Promise<Record<KedaComponent['cmd'], string>> {
  const bin = cache('bin');
  const path = (c: KedaComponent) => join(bin, c.cmd);
  const missing = KEDA_COMPONENTS.filter((c) => !existsSync(path(c)));
  if (missing.length > 0) {
    const started = Date.now();
    const moduleDir = cache('module');
    const src = await kedaModuleDir(progress);
    writeFileSync(join(moduleDir, 'go.mod'), wrapperGoMod(readFileSync(join(src, 'go.mod'), 'utf8'), KEDA_MODULE, KEDA_VERSION));
    rmSync(join(moduleDir, 'go.sum'), { force: true });
    const pkgs = KEDA_COMPONENTS.map((c) => `${KEDA_MODULE}/cmd/${c.cmd}@${KEDA_VERSION}`);
    // about 320 modules, ~1.75 GB of module cache
    await timedStep(progress, `go get -tool KEDA ${KEDA_VERSION} (${KEDA_COMPONENTS.map((c) => c.cmd).join(', ')})`, () => go(['get', '-tool', ...pkgs], moduleDir, 30 * 60_000));
    for (const c of missing) {
      const partial = `${path(c)}.partial`;
      await timedStep(progress, `go build KEDA ${c.cmd} (CGO off, stripped)`, () =>
        go(['build', '-trimpath', '-buildvcs=false', '-ldflags=-s -w', '-o', partial, `${KEDA_MODULE}/cmd/${c.cmd}`], moduleDir, GO_BUILD_TIMEOUT_MS),
      );
      renameSync(partial, path(c));
    }
    progress(`KEDA ${KEDA_VERSION} binaries built in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  return Object.fromEntries(KEDA_COMPONENTS.map((c) => [c.cmd, path(c)])) as Record<KedaComponent['cmd'], string>;
}

/** One docker-archive per image: a multi-image docker-archive keeps only the first image. */
export function kedaArchivePath(c: KedaComponent, engine: EngineName): string {
  return join(cache('images'), `${c.cmd}-${engine}.tar`);
}

/** The three images (USER 65532 as KEDA's own, run as their manifests' commands), saved as archives. */
export async function buildKedaImages(engine: EngineName, progress: ProgressSink): Promise<string[]> {
  const todo = KEDA_COMPONENTS.filter((c) => !existsSync(kedaArchivePath(c, engine)));
  if (todo.length === 0) return KEDA_COMPONENTS.map((c) => kedaArchivePath(c, engine));
  const bins = await ensureKedaBinaries(progress);
  for (const c of todo) {
    const ctx = cache('context', c.cmd);
    rmSync(ctx, { recursive: true, force: true });
    mkdirSync(ctx, { recursive: true });
    const file = c.entrypoint.slice(1);
    copyFileSync(bins[c.cmd], join(ctx, file));
    chmodSync(join(ctx, file), 0o755);
    writeFileSync(join(ctx, 'Containerfile'), `FROM scratch\nCOPY ${file} ${c.entrypoint}\nUSER 65532:65532\nENTRYPOINT ["${c.entrypoint}"]\n`);
    const archive = kedaArchivePath(c, engine);
    const partial = `${archive}.partial`;
    rmSync(partial, { force: true });
    await timedStep(progress, `image ${c.image}`, async () => {
      await exec(engine, ['build', '-q', '-f', join(ctx, 'Containerfile'), '-t', c.image, ctx], { timeoutMs: 10 * 60_000 });
      const save = engine === 'podman' ? ['save', '-q', '--format', 'docker-archive', '-o', partial, c.image] : ['save', '-o', partial, c.image];
      await exec(engine, save, { timeoutMs: 5 * 60_000 });
    });
    renameSync(partial, archive);
    rmSync(ctx, { recursive: true, force: true });
  }
  return KEDA_COMPONENTS.map((c) => kedaArchivePath(c, engine));
}
