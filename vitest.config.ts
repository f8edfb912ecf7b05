import { defineConfig } from 'vitest/config';

// Four projects, by what a test needs:
//   unit      pure code on recorded fixtures            *.test.ts
//   load      real k6 against servers on 127.0.0.1      *.load.test.ts
//   contract  built workload images in real containers  *.contract.test.ts
//   cluster   a real kind cluster                       *.cluster.test.ts
const exclude = ['node_modules/**', 'runs/**'];
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
      { test: { name: 'cluster', include: ['**/*.cluster.test.ts'], exclude, testTimeout: 900_000, hookTimeout: 1_800_000, fileParallelism: false } },
    ],
  },
});
