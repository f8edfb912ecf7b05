// KEDA as data: its pinned version, the images built here for it, and the kustomization that
// adapts KEDA's own manifests (the module's config/) to them. Building the images and rendering
// the manifests is the cluster provider's job (clusters/node-image/keda-images.ts).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** v2.21.1 asks for Go 1.27.4, beyond the toolchain these machines may fetch. */
export const KEDA_VERSION = 'v2.21.0';
export const KEDA_MODULE = 'github.com/kedacore/keda/v2';

export interface KedaComponent {
  /** The package under cmd/ that builds it. */
  cmd: 'operator' | 'adapter' | 'webhooks';
  /** The path KEDA's manifests run it as (their `command`). */
  entrypoint: string;
  /** Image name in KEDA's manifests (kustomization.yaml rewrites it to `image`). */
  upstreamImage: string;
  /** Image built here, FROM scratch. */
  image: string;
}

export const KEDA_COMPONENTS: readonly KedaComponent[] = [
  { cmd: 'operator', entrypoint: '/keda', upstreamImage: 'ghcr.io/kedacore/keda', image: `localhost/keda:${KEDA_VERSION}` },
  { cmd: 'adapter', entrypoint: '/keda-adapter', upstreamImage: 'ghcr.io/kedacore/keda-metrics-apiserver', image: `localhost/keda-metrics-apiserver:${KEDA_VERSION}` },
  { cmd: 'webhooks', entrypoint: '/keda-admission-webhooks', upstreamImage: 'ghcr.io/kedacore/keda-admission-webhooks', image: `localhost/keda-admission-webhooks:${KEDA_VERSION}` },
];

/** KEDA's namespace (its config/general/namespace.yaml). */
export const KEDA_NAMESPACE = 'keda';
/** KEDA's Deployments as its config/ names them (the webhooks' is keda-admission). */
export const KEDA_DEPLOYMENTS = ['keda-operator', 'keda-metrics-apiserver', 'keda-admission'] as const;
/** The APIService KEDA's metrics server answers for: what HPAs made from ScaledObjects read. */
export const KEDA_APISERVICE = 'v1beta1.external.metrics.k8s.io';

/** kustomization.yaml beside this file; it expects KEDA's config/ copied as `upstream/` next to it. */
export const KEDA_KUSTOMIZATION = join(dirname(fileURLToPath(import.meta.url)), 'kustomization.yaml');
