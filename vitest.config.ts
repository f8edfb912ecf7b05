import { defineConfig } from 'vitest/config';

// Four projects, by what a test needs:
//   unit      pure code on recorded fixtures            *.test.ts
//   load      real k6 against servers on 127.0.0.1      *.load.test.ts
//   contract  built workload images in real containers  *.contract.test.ts
//   cluster   a real kind cluster                       *.cluster.test.ts (own clusters, then shared)
const exclude = ['node_modules/**', 'runs/**'];
const OWN_CLUSTER_TESTS = ['clusters/**/*.cluster.test.ts', 'harness/cli/cleanup.cluster.test.ts', 'harness/chaos/faults.cluster.test.ts'];
const clusterTimeouts = { testTimeout: 900_000, hookTimeout: 1_800_000, fileParallelism: false };
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...exclude, '**/*.load.test.ts', '**/*.contract.test.ts', '**/*.cluster.test.ts'],
          testTimeout: 20_000,
        },
      },
      { test: { name: 'load', include: ['**/*.load.test.ts'], exclude, testTimeout: 240_000, hookTimeout: 600_000, fileParallelism: false } },
      { test: { name: 'contract', include: ['**/*.contract.test.ts'], exclude, testTimeout: 180_000, hookTimeout: 900_000, fileParallelism: false } },
      // Real kind. Tests of the provider, of cleanup and of node faults make (and delete) clusters of
      // their own; every other cluster test shares one cluster (test/cluster/shared-cluster.ts),
      // made once and deleted by the global teardown when the project is done.
      { test: { name: 'cluster', include: OWN_CLUSTER_TESTS, exclude, ...clusterTimeouts } },
      {
        test: {
          name: 'cluster-shared',
          include: ['**/*.cluster.test.ts'],
          exclude: [...exclude, ...OWN_CLUSTER_TESTS],
          ...clusterTimeouts,
          globalSetup: ['test/cluster/global-setup.ts'],
        },
      },
    ],
  },
});
