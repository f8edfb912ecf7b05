// One KubeConfig per cluster, loaded from the kubeconfig file the provider wrote.
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

/** Load `kubeconfigPath`; switch to `context` when given (error names the known contexts). */
export function kubeFromFile(kubeconfigPath: string, context?: string): KubeConfig {
  if (!existsSync(kubeconfigPath)) throw new Error(`kubeconfig: file not found: ${kubeconfigPath}`);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  if (context !== undefined) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(context)) {
      throw new Error(`kubeconfig ${kubeconfigPath}: no context "${context}" (has: ${names.join(', ') || 'none'})`);
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) throw new Error(`kubeconfig ${kubeconfigPath}: current context names no cluster`);
  return kc;
}
