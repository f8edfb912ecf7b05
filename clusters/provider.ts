// One interface per seam: every cluster the harness runs against is a ClusterProvider.
// `up()` returns a *running* cluster handle (testcontainers' shape): its methods only make
// sense once the cluster is Ready. Providers say what they can do instead of throwing "not
// supported": `capabilities` for listings, and optional interfaces (ImageLoader, e2e-framework's
// ProviderWithImageLoader shape) that a handle has only when it can. A provider never knows about
// scenarios.

import type { ClusterAddon, ProviderName } from '../harness/plan/types.ts';

export type { ProviderName, ClusterAddon } from '../harness/plan/types.ts';

export interface ProgressSink {
  /** A long step started / moved / ended: "[cluster] building node image 3/7 kube-apiserver (212 s)". */
  (line: string): void;
}

/**
 * Components a run asks the cluster for beyond the basics, installed only when asked (each adds
 * minutes cold): `keda` serves external metrics (KEDA's ScaledObjects) for the seeds' custom-metric
 * HPAs. A reused cluster that already runs one keeps it.
 */
export const CLUSTER_ADDONS: readonly ClusterAddon[] = ['keda'];

export interface ClusterOptions {
  /** Cluster name (kind) or kubeconfig context (existing). */
  name: string;
  /** Worker nodes to create (kind). Default 2. */
  workers?: number;
  /** Host ports (127.0.0.1) to map to the same NodePorts (kind extraPortMappings). */
  nodePorts?: number[];
  progress?: ProgressSink;
  /**
   * A cluster created here is meant to outlive its creator (a user's own): `npm run cleanup`
   * never deletes it. Default true; always false inside a test session (KCH_TEST_SESSION), whose
   * safety net must be able to remove everything the session made.
   */
  keep?: boolean;
  /** Abort long waits (Ctrl-C). */
  signal?: AbortSignal;
  /** Add-ons to install (kind) or to find (existing); default none. */
  addons?: readonly ClusterAddon[];
}

export interface ClusterCapabilities {
  nodes: number;
  workers: number;
  metricsApi: boolean;
  /**
   * external.metrics.k8s.io answers: KEDA on kind (installed when the run asks for it), whatever
   * adapter an existing cluster runs. Absent: not probed.
   */
  externalMetricsApi?: boolean;
  /** Can images built here be loaded into the nodes? True exactly when the handle is an ImageLoader. */
  imageLoad: boolean;
  /** May the harness cordon/drain nodes? (existing: only with --allow-node-drain) */
  nodeDrain: boolean;
  /** NodePorts reachable on 127.0.0.1. */
  nodePortsOnLoopback: number[];
}

export interface RunningCluster {
  provider: ProviderName;
  name: string;
  /** Path of a kubeconfig file for this cluster (written by the provider). */
  kubeconfigPath: string;
  /** Context name inside that kubeconfig. */
  context: string;
  capabilities: ClusterCapabilities;
  /** Whether the harness created this cluster in this process (so teardown may delete it). */
  createdHere: boolean;
}

/** What a cluster handle has when images built here can be put into its nodes (kind's). */
export interface ImageLoader {
  /** Load image archives (docker-archive/OCI tar) into every node. */
  loadImages(archives: string[], progress?: ProgressSink): Promise<void>;
}

/**
 * Can this cluster load images? Narrows the handle to an ImageLoader. capabilities.imageLoad says
 * the same for listings; a handle where the two disagree is a provider bug, named here.
 */
export function canLoadImages<C extends RunningCluster>(cluster: C): cluster is C & ImageLoader {
  const has = typeof (cluster as Partial<ImageLoader>).loadImages === 'function';
  if (has !== cluster.capabilities.imageLoad) {
    throw new Error(
      `${cluster.provider} cluster '${cluster.name}': capabilities.imageLoad is ${cluster.capabilities.imageLoad} but its handle ${has ? 'has' : 'has no'} loadImages`,
    );
  }
  return has;
}

/** The error for images a cluster without an ImageLoader would need: which, and what to do. */
export function cannotLoadImagesMessage(cluster: RunningCluster, archives: readonly string[]): string {
  const names = archives.map((a) => a.split('/').pop() ?? a).join(', ');
  return (
    `${cluster.provider} cluster '${cluster.name}': images cannot be loaded into its nodes (capabilities.imageLoad is false), ` +
    `and the run needs ${archives.length} there (${names}); pass --registry HOST/PATH of a registry its nodes pull from ` +
    '(the harness pushes them there with the local engine and points the manifests at it), or run on kind (--provider kind)'
  );
}

export interface ClusterStatus {
  exists: boolean;
  healthy: boolean;
  detail: string;
  nodes: { name: string; ready: boolean; role: string }[];
}

export interface ClusterProvider {
  readonly name: ProviderName;
  /** Can this provider run here? Says why not (doctor prints it). */
  available(): Promise<{ ok: boolean; reason: string }>;
  /** Create, or reuse by name when healthy; recreate when broken (saying so). */
  up(opts: ClusterOptions): Promise<RunningCluster>;
  /** Delete it and anything a failed create left behind. A second down is a no-op. */
  down(name: string, progress?: ProgressSink): Promise<void>;
  status(name: string): Promise<ClusterStatus>;
}
