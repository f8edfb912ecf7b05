// Pinned inputs of the offline node image. Changing any of them changes the image's cache key.
import { createHash } from 'node:crypto';

export const KIND_VERSION = 'v0.33.0';
/** What `kind create` would pull by default with this kind version (tried before building offline). */
export const OFFICIAL_NODE_IMAGE =
  'docker.io/kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5';

export const NODE_VERSIONS = {
  kubernetes: 'v1.34.4',
  etcd: 'v3.6.5',
  etcdTag: '3.6.5-0',
  coredns: 'v1.12.1',
  crictl: 'v1.34.0',
  pauseTags: ['3.10.1', '3.10'],
  metricsServer: 'v0.9.0',
  debianSuite: 'bookworm',
} as const;

/** k8s.io staging modules are tagged v0.X.Y for Kubernetes v1.X.Y. */
export function stagingVersion(kubeVersion: string): string {
  const m = /^v1\.(\d+)\.(\d+)$/.exec(kubeVersion);
  if (!m) throw new Error(`kubernetes version '${kubeVersion}' is not of the form v1.X.Y`);
  return `v0.${m[1]}.${m[2]}`;
}

export function minorOf(kubeVersion: string): number {
  const m = /^v?1\.(\d+)/.exec(kubeVersion);
  if (!m) throw new Error(`kubernetes version '${kubeVersion}' is not of the form v1.X[.Y]`);
  return Number(m[1]);
}

/** Short stable hash of a step's inputs: the cache key of its output folder or image tag. */
export function inputsKey(...inputs: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 12);
}
