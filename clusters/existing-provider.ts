// Any cluster a kubeconfig context points at. The harness never created it, so it never deletes
// it, never drains its nodes unless allowed, and never assumes its NodePorts are on loopback.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, delimiter } from 'node:path';
import { cacheDir } from '../harness/base/cache.ts';
import type { ClusterOptions, ClusterProvider, ClusterStatus, ProgressSink, RunningCluster } from './provider.ts';
import { stderrProgress } from './progress.ts';
import { kubectl } from './kubectl.ts';
import { kindArchiveLoader, kindClusterOfNodes, type KindIdentity } from './kind/kind-context.ts';
import { listNodeContainers } from './kind/node-containers.ts';
import { detectEngine } from './engine/detect.ts';
import type { EngineName } from './engine/engine.ts';

export interface ExistingProviderOptions {
  /** --kubeconfig; else $KUBECONFIG's first file; else ~/.kube/config. */
  kubeconfig?: string;
  /** --allow-node-drain */
  allowNodeDrain?: boolean;
}

export function defaultKubeconfig(env: NodeJS.ProcessEnv = process.env): string {
  const first = env.KUBECONFIG?.split(delimiter).find(Boolean);
  return first ?? join(homedir(), '.kube', 'config');
}

interface NodeJson {
  items: { metadata: { name: string; labels?: Record<string, string> }; spec?: { providerID?: string }; status: { conditions?: { type: string; status: string }[] } }[];
}

export class ExistingProvider implements ClusterProvider {
  readonly name = 'existing' as const;
  readonly kubeconfig: string;

  constructor(private readonly options: ExistingProviderOptions = {}) {
    this.kubeconfig = options.kubeconfig ?? defaultKubeconfig();
  }

  async contexts(): Promise<{ names: string[]; current: string }> {
    if (!existsSync(this.kubeconfig)) return { names: [], current: '' };
    const target = { kubeconfigPath: this.kubeconfig };
    const names = await kubectl(target, ['config', 'get-contexts', '-o', 'name'], { timeoutMs: 15_000, nothrow: true });
    const current = await kubectl(target, ['config', 'current-context'], { timeoutMs: 15_000, nothrow: true });
    return { names: names.stdout.split('\n').map((s) => s.trim()).filter(Boolean), current: current.code === 0 ? current.stdout.trim() : '' };
  }

  async available(): Promise<{ ok: boolean; reason: string }> {
    if (!existsSync(this.kubeconfig)) return { ok: false, reason: `no kubeconfig at ${this.kubeconfig}` };
    const { names, current } = await this.contexts();
    if (names.length === 0) return { ok: false, reason: `kubeconfig ${this.kubeconfig} has no contexts` };
    return { ok: true, reason: `kubeconfig ${this.kubeconfig}: contexts ${names.join(', ')}${current ? ` (current: ${current})` : ''}` };
  }

  private async resolveContext(name: string): Promise<string> {
    const { names, current } = await this.contexts();
    const context = name || current;
    if (!context) throw new Error(`existing: kubeconfig ${this.kubeconfig} has no current context; pass --context`);
    if (!names.includes(context)) throw new Error(`existing: context '${context}' not in ${this.kubeconfig}; valid: ${names.join(', ') || '(none)'}`);
    return context;
  }

  private async nodes(kubeconfigPath: string, context?: string): Promise<(ClusterStatus['nodes'][number] & { providerID?: string })[]> {
    const r = await kubectl({ kubeconfigPath, context }, ['get', 'nodes', '-o', 'json', '--request-timeout=15s'], { timeoutMs: 25_000 });
    return (JSON.parse(r.stdout) as NodeJson).items.map((n) => ({
      name: n.metadata.name,
      ready: n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      role: n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined ? 'control-plane' : 'worker',
      providerID: n.spec?.providerID,
    }));
  }

  /**
   * The engine that runs this context's kind cluster here, or why images cannot be loaded:
   * a kind cluster whose node containers this machine's engine lists takes images by `kind load`.
   */
  private async localKind(kind: KindIdentity | null): Promise<{ engine: EngineName } | { why: string }> {
    if (!kind) return { why: 'its nodes are not kind nodes (providerID kind://…)' };
    if (kind.engine !== 'podman' && kind.engine !== 'docker') return { why: `kind cluster '${kind.cluster}' runs on '${kind.engine}', which the harness does not drive` };
    const d = await detectEngine({ setUp: false });
    if (d.engine !== kind.engine) return { why: `kind cluster '${kind.cluster}' runs on ${kind.engine}, which does not work here${d.engine ? ` (the engine here is ${d.engine})` : ''}` };
    const containers = await listNodeContainers(kind.engine, kind.cluster).catch(() => []);
    if (containers.length === 0) return { why: `kind cluster '${kind.cluster}' is not among ${kind.engine}'s containers here (another machine's?)` };
    return { engine: kind.engine };
  }

  async up(opts: ClusterOptions): Promise<RunningCluster> {
    const progress = opts.progress ?? stderrProgress;
    const context = await this.resolveContext(opts.name);
    // a self-contained copy of just this context: the run never touches the user's file
    const flat = await kubectl({ kubeconfigPath: this.kubeconfig }, ['config', 'view', '--minify', '--flatten', '--context', context], { timeoutMs: 15_000 });
    const kubeconfigPath = this.copyPath(context);
    writeFileSync(kubeconfigPath, flat.stdout, { mode: 0o600 });
    const nodes = await this.nodes(kubeconfigPath, context);
    const metrics = await kubectl({ kubeconfigPath, context }, ['get', 'apiservice', 'v1beta1.metrics.k8s.io', '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}'], {
      timeoutMs: 20_000,
      nothrow: true,
    });
    // The base's custom-metric HPAs need the cluster's own adapter: say which metrics APIs answer.
    const available = async (apiService: string) =>
      (await kubectl({ kubeconfigPath, context }, ['get', 'apiservice', apiService, '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}'], { timeoutMs: 20_000, nothrow: true })).stdout.trim() === 'True';
    const customMetrics = await available('v1beta1.custom.metrics.k8s.io');
    const externalMetrics = await available('v1beta1.external.metrics.k8s.io');
    progress(`  custom metrics API ${customMetrics ? 'available' : 'absent'}, external metrics API ${externalMetrics ? 'available' : 'absent'} (the seeds' Pods-metric HPAs need one of them)`);
    const workers = nodes.filter((n) => n.role !== 'control-plane').length;
    progress(`existing cluster, context '${context}': ${nodes.length} nodes (${nodes.filter((n) => n.ready).length} Ready), metrics API ${metrics.stdout.trim() === 'True' ? 'available' : 'absent'}`);
    const kind = kindClusterOfNodes(nodes.map((n) => n.providerID));
    const local = await this.localKind(kind);
    const loader = 'engine' in local && kind ? { loadImages: kindArchiveLoader(local.engine, kind.cluster, progress) } : {};
    progress(
      'engine' in local
        ? `images: kind load reaches the nodes — the context is kind cluster '${kind!.cluster}' on this machine's ${local.engine} (no registry needed)`
        : `images: kind load cannot reach the nodes (${local.why}); they pull from registries only (--registry)`,
    );
    return {
      provider: 'existing',
      name: context,
      kubeconfigPath,
      context,
      createdHere: false,
      capabilities: {
        nodes: nodes.length,
        workers,
        metricsApi: metrics.stdout.trim() === 'True',
        externalMetricsApi: externalMetrics,
        imageLoad: 'loadImages' in loader,
        nodeDrain: this.options.allowNodeDrain === true,
        nodePortsOnLoopback: [],
      },
      // loadImages only where `kind load` reaches the nodes; elsewhere they pull from registries (callers check canLoadImages).
      ...loader,
    };
  }

  /** The harness's own flattened copy of one context (removed by down; the user's file never is). */
  private copyPath(context: string): string {
    return join(cacheDir('kubeconfig'), `existing-${context.replace(/[^A-Za-z0-9_.-]/g, '_')}.yaml`);
  }

  async down(name: string, progress: ProgressSink = stderrProgress): Promise<void> {
    if (name) rmSync(this.copyPath(name), { force: true });
    progress(`existing cluster '${name || '(current context)'}': not deleted — the harness did not create it (runs delete their own namespaces)`);
  }

  async status(name: string): Promise<ClusterStatus> {
    if (!existsSync(this.kubeconfig)) return { exists: false, healthy: false, detail: `no kubeconfig at ${this.kubeconfig}`, nodes: [] };
    let context: string;
    try {
      context = await this.resolveContext(name);
    } catch (e) {
      return { exists: false, healthy: false, detail: (e as Error).message, nodes: [] };
    }
    try {
      const nodes = await this.nodes(this.kubeconfig, context);
      const ready = nodes.filter((n) => n.ready).length;
      return { exists: true, healthy: nodes.length > 0 && ready === nodes.length, detail: `context '${context}': ${ready}/${nodes.length} nodes Ready`, nodes };
    } catch (e) {
      return { exists: true, healthy: false, detail: `context '${context}': API does not answer: ${(e as Error).message.split('\n').pop()}`, nodes: [] };
    }
  }
}
