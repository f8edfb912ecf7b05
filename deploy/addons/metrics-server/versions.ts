// metrics-server as data: its pinned version, the image name upstream's manifests use, and the
// manifests beside this file. Building the image is the cluster provider's job (clusters/node-image).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const METRICS_SERVER_VERSION = 'v0.9.0';
export const METRICS_SERVER_IMAGE = `registry.k8s.io/metrics-server/metrics-server:${METRICS_SERVER_VERSION}`;
export const METRICS_SERVER_MANIFEST = join(dirname(fileURLToPath(import.meta.url)), 'metrics-server.yaml');
