// npm run bench -- <name> [args]: a registry by file name. harness/bench/<name>.ts default-exports
// a Bench (harness/bench/types.ts); adding a benchmark is adding a file.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCli, unknownChoice } from './usage.ts';
import type { Bench } from '../bench/types.ts';

const BENCH_DIR = fileURLToPath(new URL('../bench/', import.meta.url));

export function benchNames(files: readonly string[] = readdirSync(BENCH_DIR)): string[] {
  return files
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'types.ts')
    .map((f) => f.slice(0, -3))
    .sort();
}

async function main(): Promise<number> {
  const [name, ...args] = process.argv.slice(2);
  const names = benchNames();
  if (!name || !names.includes(name)) throw unknownChoice('bench', name ?? '(none)', names);
  const bench = ((await import(`../bench/${name}.ts`)) as { default: Bench }).default;
  process.stderr.write(`bench ${name}: ${bench.description}\n`);
  return bench.run(args, (line) => process.stdout.write(`${line}\n`));
}

// Run only as the entry point, so tests can import the pure parts.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void runCli(main);
