// npm run cleanup: the safety net after tests or a killed run. Removes only what the harness or its
// tests made and recorded as theirs: kind clusters whose ownership record says disposable, k6 and
// Prometheus processes carrying the harness's owner label, a run's namespaces. Never a cluster it
// has no record of or one kept on purpose (a user's `kch`), never a process found by its name.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { helpText, parseFlags, type FlagSpecs } from './args.ts';
import { runCli, UsageError, EXIT } from './usage.ts';
import { KindProvider, kubectl, stderrProgress } from '../../clusters/index.ts';
import { detectEngine } from '../../clusters/engine/detect.ts';
import { CLUSTER_LABEL } from '../../clusters/kind/node-containers.ts';
import { findLocalRegistry, removeLocalRegistry } from '../../clusters/registry/local-registry.ts';
import { cleanupVerdict, readRecord, recordedClusters, type CleanupSelector } from '../../clusters/kind/cluster-record.ts';
import { binDir } from '../base/cache.ts';
import { exec } from '../base/exec.ts';
import { listOwnedProcesses, pidAlive, selectOwned, type OwnedProcess } from '../tools/owned-processes.ts';

export const CLEANUP_FLAGS = {
  run: { type: 'string', value: '<id>', help: 'only what run <id> made, and its namespaces in every recorded cluster' },
  'test-session': { type: 'string', value: '<id>', help: 'only what the test session <id> made (scripts/test.sh exports KCH_TEST_SESSION and calls this at its end)' },
  'dry-run': { type: 'boolean', help: 'say what would be removed, remove nothing' },
  help: { type: 'boolean', short: 'h', help: 'this text' },
} satisfies FlagSpecs;

const USAGE = `usage: npm run cleanup [-- --run <id>] [--test-session <id>] [--dry-run]

Removes what the harness made and left behind, and nothing else:
  kind clusters   recorded by the harness as disposable (made by a test session, or by a run
                  that meant to delete it); never one kept on purpose ('npm run cluster -- up',
                  --keep-cluster) or one the harness has no record of
  processes       k6 and Prometheus carrying the harness's KCH_OWNER label (never by name)
  namespaces      a run's namespace (label kube-chaos-harness/run=<id>) in clusters kept here
  local registry  the container kch-registry, started by a test (its labels say which)

Without a flag: clusters, processes and the registry whose creator process is gone; run
namespaces are listed, not deleted.`;

/** Names of every kind cluster with a node container, running or not (a killed run's too). */
async function clusterNames(engine: 'podman' | 'docker'): Promise<string[]> {
  const filter = ['ps', '-a', '--filter', `label=${CLUSTER_LABEL}`];
  if (engine === 'podman') {
    // podman 4.3's Go templates cannot read one label; its JSON carries them all
    const r = await exec('podman', [...filter, '--format', 'json'], { timeoutMs: 30_000, nothrow: true });
    const list = JSON.parse(r.stdout.trim() || '[]') as { Labels?: Record<string, string> | null }[];
    return list.map((c) => c.Labels?.[CLUSTER_LABEL] ?? '').filter(Boolean);
  }
  const r = await exec('docker', [...filter, '--format', `{{.Label "${CLUSTER_LABEL}"}}`], { timeoutMs: 30_000, nothrow: true });
  return r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
}

async function stopProcesses(list: OwnedProcess[], say: (l: string) => void): Promise<void> {
  for (const p of list) {
    say(`cleanup: stopping ${p.comm} (pid ${p.pid}, ${p.owner})`);
    try {
      process.kill(p.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const until = Date.now() + 5_000;
  while (list.some((p) => pidAlive(p.pid)) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
  for (const p of list.filter((x) => pidAlive(x.pid))) {
    say(`cleanup: ${p.comm} (pid ${p.pid}) ignored SIGTERM for 5 s: SIGKILL`);
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** A run's namespaces in the clusters recorded here whose kubeconfig is still in the cache. */
async function runNamespaces(clusters: string[], run: string | undefined, dryRun: boolean, say: (l: string) => void): Promise<void> {
  if (!existsSync(join(binDir(), 'kubectl'))) return; // never build kubectl just to clean up
  const kind = new KindProvider();
  for (const name of clusters) {
    const kubeconfigPath = kind.kubeconfigPath(name);
    if (!existsSync(kubeconfigPath)) continue;
    const selector = run === undefined ? 'app.kubernetes.io/managed-by=kube-chaos-harness' : `kube-chaos-harness/run=${run.slice(0, 63)}`;
    const r = await kubectl({ kubeconfigPath }, ['get', 'namespaces', '-l', selector, '-o', 'name', '--request-timeout=5s'], { timeoutMs: 15_000, nothrow: true });
    const found = r.code === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [];
    if (found.length === 0) continue;
    if (run === undefined) {
      say(`cleanup: cluster ${name} has run namespaces (${found.map((n) => n.replace('namespace/', '')).join(', ')}); remove one run's with --run <id>`);
      continue;
    }
    say(`cleanup: ${dryRun ? 'would delete' : 'deleting'} ${found.join(', ')} in cluster ${name}`);
    if (!dryRun) await kubectl({ kubeconfigPath }, ['delete', ...found, '--wait=false', '--request-timeout=10s'], { timeoutMs: 30_000, nothrow: true });
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, CLEANUP_FLAGS);
  if (values.help) {
    process.stdout.write(helpText(USAGE, CLEANUP_FLAGS));
    return EXIT.pass;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'; see npm run cleanup -- --help`);
  for (const flag of ['run', 'test-session'] as const) {
    const v = values[flag];
    if (v !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(v)) throw new UsageError(`--${flag}: '${v}' is not an id (letters, digits, '.', '_', ':', '-')`);
  }
  const sel: CleanupSelector = { ...(values.run !== undefined ? { run: values.run } : {}), ...(values['test-session'] !== undefined ? { testSession: values['test-session'] } : {}) };
  const dryRun = values['dry-run'] === true;
  const say = stderrProgress;
  const scope = sel.run !== undefined || sel.testSession !== undefined
    ? [sel.run && `run ${sel.run}`, sel.testSession && `test session ${sel.testSession}`].filter(Boolean).join(' and ')
    : 'whatever the harness left behind (creator gone)';
  say(`cleanup: ${scope}${dryRun ? ' (dry run)' : ''}`);

  const processes = selectOwned(listOwnedProcesses(), sel, pidAlive);
  if (dryRun) for (const p of processes) say(`cleanup: would stop ${p.comm} (pid ${p.pid}, ${p.owner})`);
  else await stopProcesses(processes, say);

  const engine = await detectEngine({ setUp: false });
  const names = new Set(recordedClusters());
  if (engine.engine) for (const n of await clusterNames(engine.engine)) names.add(n);
  const kept: string[] = [];
  for (const name of [...names].sort()) {
    const verdict = cleanupVerdict(readRecord(name)?.ownership, sel, pidAlive);
    if (!verdict.remove) {
      say(`cleanup: leaving cluster ${name}: ${verdict.why}`);
      kept.push(name);
      continue;
    }
    say(`cleanup: ${dryRun ? 'would delete' : 'deleting'} kind cluster ${name} (${verdict.why})`);
    if (!dryRun) await new KindProvider().down(name, say);
  }
  await runNamespaces(kept, sel.run, dryRun, say);

  const registry = engine.engine === 'podman' ? await findLocalRegistry() : null;
  if (registry) {
    const verdict = cleanupVerdict(registry.ownership, sel, pidAlive);
    if (!verdict.remove) say(`cleanup: leaving local registry ${registry.name}: ${verdict.why}`);
    else {
      say(`cleanup: ${dryRun ? 'would remove' : 'removing'} local registry ${registry.name} (${verdict.why})`);
      if (!dryRun) await removeLocalRegistry();
    }
  }
  return EXIT.pass;
}

// Run only as the entry point: importing the module (tests) runs nothing.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runCli(() => main(process.argv.slice(2)));
