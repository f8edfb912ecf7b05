// The clusters area's public surface: pick a provider by name or let the harness choose.
import type { ClusterProvider, ProviderName } from './provider.ts';
import { KindProvider, type KindProviderOptions } from './kind-provider.ts';
import { ExistingProvider, type ExistingProviderOptions } from './existing-provider.ts';
import { detectEngine } from './engine/detect.ts';

export type { ClusterProvider, RunningCluster, ImageLoader, ClusterOptions, ClusterStatus, ClusterCapabilities, ProgressSink, ProviderName, ClusterAddon } from './provider.ts';
export { canLoadImages, cannotLoadImagesMessage, CLUSTER_ADDONS } from './provider.ts';
export { KindProvider, DEFAULT_WORKERS } from './kind-provider.ts';
export { ExistingProvider, defaultKubeconfig } from './existing-provider.ts';
export { ensureKubectl, kubectl } from './kubectl.ts';
export { DEFAULT_NODE_PORTS } from './kind/kind-config.ts';
export { stderrProgress } from './progress.ts';

export const PROVIDER_NAMES: readonly ProviderName[] = ['kind', 'existing'];

export interface ProviderChoiceOptions {
  kind?: KindProviderOptions;
  existing?: ExistingProviderOptions;
}

export function providerByName(name: ProviderName, options: ProviderChoiceOptions = {}): ClusterProvider {
  switch (name) {
    case 'kind':
      return new KindProvider(options.kind);
    case 'existing':
      return new ExistingProvider(options.existing);
    default:
      throw new Error(`unknown cluster provider '${String(name)}'; valid: ${PROVIDER_NAMES.join(', ')}`);
  }
}

export interface ProviderDetection {
  name: ProviderName;
  /** false when neither provider can run here (name is then the one the user should fix). */
  ok: boolean;
  reason: string;
}

/** kind when an engine works here or can be set up; else existing when a kubeconfig context exists. */
export async function detectProvider(options: ProviderChoiceOptions = {}): Promise<ProviderDetection> {
  const engine = await detectEngine({ setUp: false });
  if (engine.engine) {
    const passed = engine.passedOver.length ? ` (passed over ${engine.passedOver.join('; ')})` : '';
    return { name: 'kind', ok: true, reason: `kind on ${engine.engine}: ${engine.reason}${passed}` };
  }
  const existing = await new ExistingProvider(options.existing).available();
  if (existing.ok) return { name: 'existing', ok: true, reason: `no engine for kind (${engine.passedOver.join('; ')}); ${existing.reason}` };
  return { name: 'kind', ok: false, reason: `no engine for kind (${engine.passedOver.join('; ')}) and ${existing.reason}` };
}
