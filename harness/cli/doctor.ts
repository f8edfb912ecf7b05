// `npm run doctor`: what this machine has, what a run needs, and what is missing with the
// command that fixes it. A report: exit 0 even when things are missing, unless --strict.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { binDir } from '../base/cache.ts';
import { exec, toolEnv } from '../base/exec.ts';
import { KIND_VERSION, NODE_VERSIONS } from '../../clusters/node-image/versions.ts';
import { findK6, K6_VERSION } from '../tools/k6.ts';
import { helpText, parseFlags, type FlagSpecs } from './args.ts';
import { EXIT, runCli } from './usage.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type Status = 'ok' | 'missing' | 'warn';

export interface Check {
  group: 'runtime' | 'tools' | 'providers';
  name: string;
  status: Status;
  detail: string;
  /** The command (or step) that fixes it. */
  fix?: string;
  /** A run cannot start without it (--strict fails on these). */
  needed: boolean;
}

export const DOCTOR_FLAGS = {
  strict: { type: 'boolean', help: 'exit 3 when something a run needs is missing' },
  json: { type: 'boolean', help: 'print the checks as JSON' },
  help: { type: 'boolean', help: 'this text' },
} satisfies FlagSpecs;

/** ">=20.11" style ranges (the only form package.json uses here). */
export function satisfiesMin(version: string, range: string): boolean | null {
  const want = /^>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  const have = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  if (!want || !have) return null;
  for (let i = 1; i <= 3; i++) {
    const h = Number(have[i]);
    const w = Number(want[i] ?? 0);
    if (h !== w) return h > w;
  }
  return true;
}

/** First executable `name` on the children's PATH (the tool cache first). */
export function which(name: string, path = toolEnv().PATH ?? ''): string | null {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

async function versionOf(path: string, args: string[], pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const r = await exec(path, args, { timeoutMs, nothrow: true }).catch((err: Error) => ({ code: -1, stdout: '', stderr: err.message }));
  const text = `${r.stdout}\n${r.stderr}`;
  const m = pattern.exec(text);
  if (m) return m[1] ?? m[0];
  return r.code === 0 ? text.trim().split('\n')[0] ?? 'unknown version' : `did not answer (${(r.stderr || r.stdout).trim().split('\n').pop() ?? `exit ${r.code}`})`;
}

function runtimeChecks(): Check[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    engines?: { node?: string };
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const checks: Check[] = [];
  const range = pkg.engines?.node ?? '>=20';
  const sat = satisfiesMin(process.version, range);
  checks.push({
    group: 'runtime',
    name: 'node',
    status: sat === false ? 'missing' : sat === null ? 'warn' : 'ok',
    detail: `${process.version} (package.json engines: ${range}${sat === null ? ', range not understood' : sat ? ', satisfied' : ', NOT satisfied'})`,
    fix: sat === false ? `install Node ${range.replace('>=', '')} or newer (Node 20 LTS)` : undefined,
    needed: true,
  });
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  const missing: string[] = [];
  const found: string[] = [];
  for (const name of Object.keys(deps).sort()) {
    const p = join(ROOT, 'node_modules', name, 'package.json');
    if (!existsSync(p)) missing.push(name);
    else found.push(`${name}@${(JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version ?? '?'}`);
  }
  checks.push({
    group: 'runtime',
    name: 'npm packages',
    status: missing.length ? 'missing' : 'ok',
    detail: missing.length ? `missing: ${missing.join(', ')}` : `${found.length} installed (${found.filter((f) => /^(@kubernetes|vitest|tsx|zx|typescript)/.test(f)).join(', ')})`,
    fix: missing.length ? 'npm ci' : undefined,
    needed: true,
  });
  return checks;
}

interface ToolProbe {
  name: string;
  bins: string[];
  args: string[];
  pattern: RegExp;
  needed: boolean;
  /** Why the harness wants it. */
  role: string;
  fix: string;
}

async function toolChecks(): Promise<Check[]> {
  const kindVersion = KIND_VERSION;
  const kubeVersion = NODE_VERSIONS.kubernetes;
  const go = which('go');
  const probes: ToolProbe[] = [
    { name: 'go', bins: ['go'], args: ['version'], pattern: /go version (go\S+)/, needed: false, role: 'builds k6, kind, kubectl and the node image when missing', fix: 'install Go 1.24 or newer (https://go.dev/dl/) and put it on PATH' },
    {
      name: 'kind',
      bins: ['kind'],
      args: ['version'],
      pattern: /kind (v\S+)/,
      needed: false,
      role: 'creates the local cluster (kind provider)',
      fix: go ? `built on the first kind run; now: GOBIN=${binDir()} go install sigs.k8s.io/kind@${kindVersion}` : `install Go, then GOBIN=${binDir()} go install sigs.k8s.io/kind@${kindVersion}`,
    },
    {
      name: 'kubectl',
      bins: ['kubectl'],
      args: ['version', '--client'],
      pattern: /Client Version: (v\S+)/,
      needed: false,
      role: 'node set-up and diagnostics',
      fix: go ? `built (${kubeVersion}) on the first run into ${binDir()}` : 'apt-get install -y kubernetes-client, or install Go so the harness can build it',
    },
    { name: 'podman', bins: ['podman'], args: ['--version'], pattern: /podman version (\S+)/, needed: false, role: 'container engine for kind (works without CAP_SYS_RESOURCE)', fix: 'apt-get install -y podman' },
    { name: 'docker', bins: ['docker'], args: ['--version'], pattern: /Docker version ([^,\s]+)/, needed: false, role: 'container engine for kind (where privileged containers work)', fix: 'apt-get install -y docker.io' },
    { name: 'prometheus', bins: ['prometheus'], args: ['--version'], pattern: /prometheus, version (\S+)/, needed: true, role: "receives k6's remote write; the run's per-second numbers", fix: 'apt-get install -y prometheus' },
    { name: 'chromium', bins: ['chromium', 'chromium-browser', 'google-chrome'], args: ['--version'], pattern: /(?:Chromium|Chrome) (\S+)/, needed: false, role: 'renders report.html for its checks (optional)', fix: 'apt-get install -y chromium' },
  ];
  const checks = await Promise.all(
    probes.map(async (p): Promise<Check> => {
      const path = p.bins.map((b) => which(b)).find((x) => x !== null) ?? null;
      if (!path) return { group: 'tools', name: p.name, status: p.needed ? 'missing' : 'warn', detail: `not found (${p.role})`, fix: p.fix, needed: p.needed };
      const version = await versionOf(path, p.args, p.pattern);
      const silent = version.startsWith('did not answer');
      return { group: 'tools', name: p.name, status: silent ? 'warn' : 'ok', detail: `${version} at ${path}`, fix: silent ? `run ${path} ${p.args.join(' ')} to see why; else ${p.fix}` : undefined, needed: p.needed };
    }),
  );
  checks.splice(1, 0, await k6Check(go !== null));
  return checks;
}

async function k6Check(haveGo: boolean): Promise<Check> {
  const pinned = K6_VERSION;
  const build = `GOBIN=${binDir()} CGO_ENABLED=0 go install go.k6.io/k6@${pinned}`;
  const found = await findK6();
  if (found) return { group: 'tools', name: 'k6', status: 'ok', detail: `${found.version} at ${found.path} (pinned ${pinned})`, needed: true };
  const other = which('k6');
  const otherVersion = other ? await versionOf(other, ['version'], /k6 (v\S+)/) : null;
  return {
    group: 'tools',
    name: 'k6',
    // Not fatal when Go is here: the first run builds it.
    status: haveGo ? 'warn' : 'missing',
    detail: `pinned ${pinned} not found${other ? ` (k6 ${otherVersion} at ${other} is another version)` : ''}; ${haveGo ? 'the first run builds it with Go (about 5 min cold)' : 'Go is missing too, so it cannot be built'}`,
    fix: haveGo ? `build it now: ${build}` : `install Go, then ${build}`,
    needed: !haveGo,
  };
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function providerChecks(): Promise<{ checks: Check[]; choice: string }> {
  // Loaded here, not at the top: a broken install (npm packages missing) must still get its report.
  let clusters: typeof import('../../clusters/index.ts') | null = null;
  let loadError = '';
  try {
    clusters = await import('../../clusters/index.ts');
  } catch (err) {
    loadError = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  }
  if (!clusters) {
    const why = `clusters/index.ts not loadable${loadError ? `: ${loadError}` : ''}`;
    return {
      checks: [{ group: 'providers', name: 'kind / existing', status: 'missing', detail: why, fix: 'npm ci, then npm run typecheck to see what breaks', needed: true }],
      choice: `kind (default: ${why})`,
    };
  }
  const loaded = clusters;
  const fixes: Record<string, string> = {
    kind: 'install podman (apt-get install -y podman) or a Docker that can run privileged containers; see the kind row of the tools',
    existing: 'point KUBECONFIG (or ~/.kube/config) at a cluster context: npm run scenario <name> -- --provider existing --name <context>',
  };
  const checks = await Promise.all(
    (['kind', 'existing'] as const).map(async (name): Promise<Check> => {
      try {
        const a = await withDeadline(loaded.providerByName(name).available(), 60_000, `${name}.available()`);
        return { group: 'providers', name, status: a.ok ? 'ok' : 'warn', detail: a.reason, fix: a.ok ? undefined : fixes[name], needed: false };
      } catch (err) {
        return { group: 'providers', name, status: 'warn', detail: `check failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, fix: fixes[name], needed: false };
      }
    }),
  );
  if (!checks.some((c) => c.status === 'ok')) {
    checks.push({ group: 'providers', name: 'any provider', status: 'missing', detail: 'neither kind nor existing can run here', fix: fixes.kind, needed: true });
  }
  let choice: string;
  try {
    const d = await withDeadline(loaded.detectProvider(), 60_000, 'detectProvider()');
    choice = `${d.name}${d.ok === false ? ' (NOT usable yet)' : ''}: ${d.reason}`;
  } catch (err) {
    choice = `kind (default: detection failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
  return { checks, choice };
}

const MARK: Record<Status, string> = { ok: 'ok  ', warn: 'warn', missing: 'MISS' };

export function formatDoctor(checks: readonly Check[], choice: string): string {
  const out: string[] = [];
  for (const group of ['runtime', 'tools', 'providers'] as const) {
    out.push(group);
    const rows = checks.filter((c) => c.group === group);
    const w = Math.max(...rows.map((r) => r.name.length));
    for (const c of rows) {
      out.push(`  [${MARK[c.status]}] ${c.name.padEnd(w)}  ${c.detail}${c.status !== 'ok' && c.needed ? '  (a run needs this)' : ''}`);
      if (c.fix && c.status !== 'ok') out.push(`  ${' '.repeat(7)}${' '.repeat(w)}  fix: ${c.fix}`);
    }
    out.push('');
  }
  out.push(`a run would use: ${choice}`);
  out.push(`  (choose with npm run scenario <name> -- --provider kind|existing)`);
  const blocking = checks.filter((c) => c.needed && c.status === 'missing');
  out.push('', blocking.length ? `not ready: ${blocking.map((c) => c.name).join(', ')} missing` : 'ready: everything a run needs is here or is built on first use');
  return `${out.join('\n')}\n`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags(argv, DOCTOR_FLAGS);
  if (values.help) {
    process.stdout.write(helpText('usage: npm run doctor [-- --strict] [--json]', DOCTOR_FLAGS));
    return EXIT.pass;
  }
  const [tools, providers] = await Promise.all([toolChecks(), providerChecks()]);
  const checks = [...runtimeChecks(), ...tools, ...providers.checks];
  if (values.json) process.stdout.write(`${JSON.stringify({ checks, provider: providers.choice }, null, 2)}\n`);
  else process.stdout.write(formatDoctor(checks, providers.choice));
  const blocking = checks.some((c) => c.needed && c.status === 'missing');
  return values.strict && blocking ? EXIT.infrastructure : EXIT.pass;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runCli(() => main(process.argv.slice(2)));
}
