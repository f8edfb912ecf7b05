// The cluster project's global teardown: delete the shared cluster once every file is done
// (KEEP_CLUSTER=1 keeps it for a developer's next run).
export async function teardown(): Promise<void> {
  if (process.env['KEEP_CLUSTER'] === '1') return;
  const { SHARED_CLUSTER } = await import('./shared-cluster.ts');
  const { providerByName } = await import('../../clusters/index.ts');
  await providerByName('kind').down(SHARED_CLUSTER, (l) => process.stdout.write(`[shared cluster] ${l}\n`));
}
