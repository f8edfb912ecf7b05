// kind, on Docker or Podman (whichever starts privileged containers here), with a node image that
// is pulled or built offline, a generated config, a bridge pod network where kindnetd cannot be
// obtained, metrics-server, and the add-ons a run asks for (KEDA). Reuses a healthy cluster by name; recreates a broken one.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, type ExecResult } from '../harness/base/exec.ts';
import { cacheDir } from '../harness/base/cache.ts';
import type { ClusterAddon, ClusterOptions, ClusterProvider, ClusterStatus, ImageLoader, ProgressSink, RunningCluster } from './provider.ts';
import { seconds, stderrProgress, timedStep } from './progress.ts';
import { detectEngine, describeEngine } from './engine/detect.ts';
import { kindEnv, type EngineName } from './engine/engine.ts';
import { ensureKind } from './kind/kind-binary.ts';
import { kindArchiveLoader } from './kind/kind-context.ts';
import { ensureKubectl, kubectl } from './kubectl.ts';
import { ensureNodeImage, type NodeImage } from './node-image/node-image.ts';
import { DEFAULT_NODE_PORTS, LOCAL_REGISTRY, SERVICE_SUBNET, kindConfig } from './kind/kind-config.ts';
import { listNodeContainers, removeLeftovers } from './kind/node-containers.ts';
import { applyPodNetwork, waitForPodCIDRs } from './kind/pod-network-apply.ts';
import { applyServiceGuard } from './kind/service-guard.ts';
import { installMetricsServer } from './kind/metrics-server-addon.ts';
import { busyLoopbackPorts, waitForLoopbackPorts } from './kind/host-ports.ts';
import { ownershipHere, readRecord, recordPath, writeRecord, type ClusterRecord } from './kind/cluster-record.ts';
import { buildMetricsServerImage, METRICS_SERVER_IMAGE } from './node-image/metrics-server-image.ts';
import { ensureKeda, kedaInstalled } from './kind/keda-addon.ts';
import { buildKedaImages } from './node-image/keda-images.ts';

export const DEFAULT_WORKERS = 2;
/** Bound on waiting for a deleted cluster's host ports before the NodePort pre-check. */
const PORT_RELEASE_TIMEOUT_MS = 60_000;

export interface KindProviderOptions {
  /** Where the kubeconfig is written (default cacheDir('kubeconfig')/<name>.yaml). */
  kubeconfigPath?: (name: string) => string;
}

export class KindProvider implements ClusterProvider {
  readonly name = 'kind' as const;

  constructor(private readonly options: KindProviderOptions = {}) {}

  kubeconfigPath(name: string): string {
    return this.options.kubeconfigPath?.(name) ?? join(cacheDir('kubeconfig'), `${name}.yaml`);
  }

  async available(): Promise<{ ok: boolean; reason: string }> {
    const d = await detectEngine({ setUp: false });
    const others = d.passedOver.length ? `; passed over ${d.passedOver.join('; ')}` : '';
    return d.engine ? { ok: true, reason: `kind on ${d.engine}: ${d.reason}${others}` } : { ok: false, reason: `${d.reason}${others}` };
  }

  private async engine(progress: ProgressSink): Promise<EngineName> {
    const d = await detectEngine({ setUp: true, progress });
    describeEngine(d, progress);
    if (!d.engine) throw new Error(`kind: no container engine can start kind's privileged nodes here: ${d.passedOver.join('; ')}`);
    return d.engine;
  }

  private async kind(engine: EngineName, args: string[], timeoutMs: number, progress?: ProgressSink, signal?: AbortSignal): Promise<ExecResult> {
    const bin = await ensureKind(progress ?? stderrProgress);
    return exec(bin, args, {
      env: kindEnv(engine),
      timeoutMs,
      // Ctrl-C or SIGTERM stops a create at once instead of after its 15-minute bound; the catch below deletes what it left.
      signal,
      onLine: progress ? (line) => line.trim() && progress(`  kind: ${line.trim()}`) : undefined,
    });
  }

  private async clusterNames(engine: EngineName): Promise<string[]> {
    const r = await this.kind(engine, ['get', 'clusters'], 60_000);
    return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  }

  async status(name: string): Promise<ClusterStatus> {
    const engine = await this.engine(() => undefined);
    const containers = await listNodeContainers(engine, name);
    if (containers.length === 0) return { exists: false, healthy: false, detail: `no kind cluster named '${name}'`, nodes: [] };
    const stopped = containers.filter((c) => c.state !== 'running');
    const fromContainers = containers.map((c) => ({ name: c.name, ready: false, role: c.role }));
    if (stopped.length > 0)
      return { exists: true, healthy: false, detail: `node containers not running: ${stopped.map((c) => `${c.name} (${c.state})`).join(', ')}`, nodes: fromContainers };
    const kubeconfig = this.kubeconfigPath(name);
    const kc = await this.kind(engine, ['get', 'kubeconfig', '--name', name], 30_000).catch((e: Error) => e);
    if (kc instanceof Error) return { exists: true, healthy: false, detail: `kind get kubeconfig failed: ${kc.message.split('\n')[0]}`, nodes: fromContainers };
    writeFileSync(kubeconfig, kc.stdout, { mode: 0o600 });
    const r = await kubectl({ kubeconfigPath: kubeconfig }, ['get', 'nodes', '-o', 'json', '--request-timeout=10s'], { timeoutMs: 20_000, nothrow: true });
    if (r.code !== 0) return { exists: true, healthy: false, detail: `API server does not answer: ${r.stderr.trim().split('\n').pop()}`, nodes: fromContainers };
    const list = JSON.parse(r.stdout) as {
      items: { metadata: { name: string; labels?: Record<string, string> }; status: { conditions?: { type: string; status: string }[] } }[];
    };
    const nodes = list.items.map((n) => ({
      name: n.metadata.name,
      ready: n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      role: n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined ? 'control-plane' : 'worker',
    }));
    const notReady = nodes.filter((n) => !n.ready);
    const missing = containers.filter((c) => !nodes.some((n) => n.name === c.name));
    const healthy = notReady.length === 0 && missing.length === 0 && nodes.length > 0;
    const detail = healthy
      ? `${nodes.length} nodes Ready`
      : [notReady.length ? `not Ready: ${notReady.map((n) => n.name).join(', ')}` : '', missing.length ? `not registered: ${missing.map((c) => c.name).join(', ')}` : '']
          .filter(Boolean)
          .join('; ');
    return { exists: true, healthy, detail, nodes };
  }

  async up(opts: ClusterOptions): Promise<RunningCluster & ImageLoader> {
    const progress = opts.progress ?? stderrProgress;
    const name = opts.name;
    const workers = opts.workers ?? DEFAULT_WORKERS;
    const nodePorts = [...(opts.nodePorts ?? DEFAULT_NODE_PORTS)];
    const started = Date.now();
    const engine = await this.engine(progress);
    await ensureKind(progress);
    await ensureKubectl(progress);

    const existing = await this.status(name);
    if (existing.exists) {
      const record = readRecord(name);
      const mismatch = record ? this.mismatch(record, workers, nodePorts) : 'no record of how it was created';
      if (existing.healthy && !mismatch) {
        progress(`cluster '${name}' exists and is healthy (${existing.detail}): reusing it`);
        // Not recreated for it (it may be someone's kept cluster): said, so a --registry pull failure is explained.
        if (record!.registryMirror !== LOCAL_REGISTRY.name) progress(`  it was created before the local-registry mirror: its nodes cannot pull ${LOCAL_REGISTRY.name}/… (delete it to get the mirror)`);
        const running = await this.ready(engine, name, record!, false, progress, opts.addons ?? []);
        progress(`cluster '${name}' ready in ${seconds(Date.now() - started)} (reused)`);
        return running;
      }
      progress(`cluster '${name}' exists but ${existing.healthy ? mismatch : `is broken (${existing.detail})`}: deleting and recreating it`);
      await this.down(name, progress);
      // its stopping node containers can hold their published ports for a while after the delete
      const held = (record?.nodePorts ?? [...DEFAULT_NODE_PORTS]).filter((p) => nodePorts.includes(p));
      const freed = await waitForLoopbackPorts(held, { timeoutMs: PORT_RELEASE_TIMEOUT_MS });
      if (freed.waitedMs >= 1000 || freed.busy.length > 0)
        progress(`  waited ${seconds(freed.waitedMs)} for the deleted cluster's ports${freed.busy.length ? `; still held: ${freed.busy.join(', ')}` : ''}`);
    } else {
      // a create that failed before kind labelled a cluster can still have left volumes
      const left = await removeLeftovers(engine, name);
      if (left.length) progress(`removed leftovers of an earlier failed create: ${left.join(', ')}`);
    }

    const busy = await busyLoopbackPorts(nodePorts);
    if (busy.length > 0) {
      const others = (await this.clusterNames(engine)).filter((c) => c !== name);
      throw new Error(
        `kind: 127.0.0.1 port(s) ${busy.join(', ')} of nodePorts are in use${others.length ? ` (other kind clusters here: ${others.join(', ')})` : ''}; ` +
          'map other ports (--node-ports 30100-30119) or none (--no-ports)',
      );
    }
    const image = await ensureNodeImage(engine, progress);
    const record: ClusterRecord = {
      workers,
      nodePorts,
      nodeImage: image.ref,
      podNetwork: image.offline ? 'bridge' : 'kind-default',
      registryMirror: LOCAL_REGISTRY.name,
      // written before the create, so a create killed half-way is still known as ours
      ownership: ownershipHere(opts.keep ?? true),
    };
    writeRecord(name, record);
    const configPath = join(cacheDir('kind', name), 'kind-config.yaml');
    writeFileSync(
      configPath,
      kindConfig({ name, workers, nodeImage: image.ref, kubernetesVersion: image.kubernetesVersion, nodePorts, disableDefaultCNI: record.podNetwork === 'bridge' }),
    );
    const kubeconfig = this.kubeconfigPath(name);
    try {
      await timedStep(progress, `kind create cluster '${name}' (1 control plane + ${workers} workers, image ${image.ref})`, () =>
        this.kind(
          engine,
          ['create', 'cluster', '--name', name, '--config', configPath, '--kubeconfig', kubeconfig, ...(record.podNetwork === 'kind-default' ? ['--wait', '5m'] : [])],
          15 * 60_000,
          progress,
          opts.signal,
        ),
      );
      const running = await this.ready(engine, name, record, true, progress, opts.addons ?? [], image);
      progress(`cluster '${name}' ready in ${seconds(Date.now() - started)} (created)`);
      return running;
    } catch (err) {
      progress(`cluster '${name}' failed to come up; cleaning up what the create left behind`);
      await this.down(name, progress).catch((e: Error) => progress(`cleanup failed too: ${e.message.split('\n')[0]}`));
      throw err;
    }
  }

  private mismatch(record: ClusterRecord, workers: number, nodePorts: number[]): string | null {
    if (record.workers !== workers) return `has ${record.workers} workers, ${workers} asked`;
    if (record.nodePorts.join(',') !== nodePorts.join(',')) return 'maps other NodePorts than asked';
    return null;
  }

  /** Pod network, Ready nodes, CoreDNS, metrics-server, add-ons: idempotent, so it also heals a reused cluster. */
  private async ready(
    engine: EngineName,
    name: string,
    record: ClusterRecord,
    createdHere: boolean,
    progress: ProgressSink,
    addons: readonly ClusterAddon[],
    image?: NodeImage,
  ): Promise<RunningCluster & ImageLoader> {
    const kubeconfigPath = this.kubeconfigPath(name);
    const target = { kubeconfigPath };
    const nodeCount = 1 + record.workers;
    const loadImages = kindArchiveLoader(engine, name, progress);
    // before anything creates a Service or an APIService (metrics-server below, then KEDA)
    await timedStep(progress, 'service guard: un-rewritten traffic to the service subnet rejected on every node', async () => {
      const nodes = (await listNodeContainers(engine, name)).map((c) => c.name);
      await applyServiceGuard(engine, nodes, SERVICE_SUBNET);
    });
    // metrics-server is applied before the pod network is laid: its pod starts the moment the
    // network does, and its rollout, APIService and first answer overlap the network and the
    // waits for Ready nodes and CoreDNS instead of following them
    const metrics = (async () => {
      if (image && !image.preloaded.includes(METRICS_SERVER_IMAGE)) await loadImages([await buildMetricsServerImage(engine, progress)]);
      await timedStep(progress, 'metrics-server (metrics API answering)', () =>
        installMetricsServer(target, progress),
      );
    })();
    metrics.catch(() => undefined); // awaited below; a Ready/CoreDNS failure must not leave it unhandled
    if (image) {
      // kubeadm's CoreDNS probes readiness every 10 s: a first probe a moment too early cost `up`
      // up to 10 s. Patched while its pods still wait for the pod network, so nothing restarts.
      await kubectl(target, ['-n', 'kube-system', 'patch', 'deploy', 'coredns', '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/readinessProbe/periodSeconds', value: 1 }])], {
        timeoutMs: 30_000,
        nothrow: true,
      });
    }
    if (record.podNetwork === 'bridge') {
      await timedStep(progress, 'pod network: per-node bridge on its podCIDR + routes to the other nodes', async () => {
        const nodes = await waitForPodCIDRs(target, nodeCount, 300_000).catch(async (e: Error) => {
          throw new Error(`${e.message}\n${await this.kubeletTails(engine, name, record.workers)}`);
        });
        await applyPodNetwork(engine, nodes);
        progress(`  ${nodes.map((n) => `${n.name} ${n.podCIDR} via ${n.internalIP}`).join('; ')}`);
      });
    }
    await timedStep(progress, `wait for ${nodeCount} nodes Ready`, () =>
      kubectl(target, ['wait', '--for=condition=Ready', 'node', '--all', '--timeout=300s'], { timeoutMs: 310_000 }),
    );
    await timedStep(progress, 'wait for CoreDNS', () =>
      kubectl(target, ['-n', 'kube-system', 'rollout', 'status', 'deploy/coredns', '--timeout=180s'], { timeoutMs: 190_000 }),
    );
    await metrics;
    // KEDA only when asked: cold it adds its build (minutes) and its install to `up`
    const externalMetricsApi = addons.includes('keda')
      ? (await timedStep(progress, 'KEDA add-on', () => ensureKeda(target, { archives: () => buildKedaImages(engine, progress), loadImages: (a) => loadImages(a) }, progress)), true)
      : await kedaInstalled(target);
    const cluster: RunningCluster & ImageLoader = {
      provider: 'kind',
      name,
      kubeconfigPath,
      context: `kind-${name}`,
      createdHere,
      capabilities: {
        nodes: nodeCount,
        workers: record.workers,
        metricsApi: true,
        externalMetricsApi,
        imageLoad: true,
        nodeDrain: true,
        nodePortsOnLoopback: record.nodePorts,
      },
      loadImages,
    };
    return cluster;
  }

  /** Last kubelet log lines of every node: why a node did not register or get Ready. */
  private async kubeletTails(engine: EngineName, name: string, workers: number): Promise<string> {
    const nodes = [`${name}-control-plane`, ...Array.from({ length: workers }, (_, i) => `${name}-worker${i === 0 ? '' : i + 1}`)];
    const tails: string[] = [];
    for (const node of nodes) {
      const r = await exec(engine, ['exec', node, 'journalctl', '-u', 'kubelet', '--no-pager', '-n', '5'], { timeoutMs: 30_000, nothrow: true });
      tails.push(`--- ${node} kubelet:\n${(r.stdout || r.stderr).trim()}`);
    }
    return tails.join('\n');
  }

  async down(name: string, progress: ProgressSink = stderrProgress): Promise<void> {
    const d = await detectEngine({ setUp: true });
    if (!d.engine) {
      progress(`no container engine here: nothing to delete for '${name}'`);
      return;
    }
    const engine = d.engine;
    const started = Date.now();
    const known = (await this.clusterNames(engine)).includes(name);
    if (known) {
      await timedStep(progress, `kind delete cluster '${name}'`, () => this.kind(engine, ['delete', 'cluster', '--name', name], 5 * 60_000));
    }
    const left = await removeLeftovers(engine, name);
    if (left.length) progress(`removed leftovers: ${left.join(', ')}`);
    rmSync(this.kubeconfigPath(name), { force: true });
    rmSync(recordPath(name), { force: true });
    if (!known && left.length === 0) progress(`cluster '${name}': nothing to delete`);
    else progress(`cluster '${name}' deleted in ${seconds(Date.now() - started)}`);
  }
}
