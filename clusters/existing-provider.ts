// Any cluster a kubeconfig context points at. The harness never created it, so it never deletes
// it, never drains its nodes unless allowed, and never assumes its NodePorts are on loopback.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, delimiter } from 'node:path';
import { cacheDir } from '../harness/base/cache.ts';
import type { ClusterOptions, ClusterProvider, ClusterStatus, ProgressSink, RunningCluster } from './provider.ts';
import { stderrProgress } from './progress.ts';
import { kubectl } from './kubectl.ts';

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
  items: { metadata: { name: string; labels?: Record<string, string> }; status: { conditions?: { type: string; status: string }[] } }[];
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

  private async nodes(kubeconfigPath: string, context?: string): Promise<ClusterStatus['nodes']> {
    const r = await kubectl({ kubeconfigPath, context }, ['get', 'nodes', '-o', 'json', '--request-timeout=15s'], { timeoutMs: 25_000 });
    return (JSON.parse(r.stdout) as NodeJson).items.map((n) => ({
      name: n.metadata.name,
      ready: n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      role: n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined ? 'control-plane' : 'worker',
    }));
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
    const workers = nodes.filter((n) => n.role !== 'control-plane').length;
    progress(`existing cluster, context '${context}': ${nodes.length} nodes (${nodes.filter((n) => n.ready).length} Ready), metrics API ${metrics.stdout.trim() === 'True' ? 'available' : 'absent'}`);
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
        imageLoad: false,
        nodeDrain: this.options.allowNodeDrain === true,
        nodePortsOnLoopback: [],
      },
      // No loadImages: its nodes pull from registries only (callers check canLoadImages).
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
