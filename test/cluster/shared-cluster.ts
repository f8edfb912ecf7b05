// One kind cluster for every cluster test that only needs "a cluster": namespaces isolate the
// tests, so the first file that asks creates it, the others reuse it (the provider reuses a
// healthy cluster by name in seconds), and the cluster project's global teardown deletes it.
// Tests of the provider itself (clusters/*.cluster.test.ts) make their own and run before.
import type { ImageLoader, RunningCluster } from '../../clusters/provider.ts';

export const SHARED_CLUSTER = process.env['KCH_SHARED_CLUSTER'] ?? 'kch-shared';

export async function sharedCluster(progress: (line: string) => void): Promise<RunningCluster & ImageLoader> {
  const { KindProvider } = await import('../../clusters/index.ts');
  const { readRecord } = await import('../../clusters/kind/cluster-record.ts');
  const { LOCAL_REGISTRY } = await import('../../clusters/kind/kind-config.ts');
  const kind = new KindProvider();
  // A shared cluster left from before the local-registry mirror cannot pull what --registry pushes:
  // the tests want today's config, so it is made again (the provider itself never recreates for this).
  const record = readRecord(SHARED_CLUSTER);
  if (record && record.registryMirror !== LOCAL_REGISTRY.name && (await kind.status(SHARED_CLUSTER)).exists) {
    progress(`'${SHARED_CLUSTER}' was created without the local-registry mirror; deleting it to create it with the mirror`);
    await kind.down(SHARED_CLUSTER, progress);
  }
  try {
    return await kind.up({ name: SHARED_CLUSTER, progress });
  } catch (err) {
    // A fresh cluster on a loaded 2-core machine has failed once on an add-on's readiness: the
    // tests need a cluster, not that first create, so delete and create once more.
    progress(`up failed (${(err as Error).message.split('\n')[0]}); deleting and creating once more`);
    await kind.down(SHARED_CLUSTER, progress);
    return kind.up({ name: SHARED_CLUSTER, progress });
  }
}
