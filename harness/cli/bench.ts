// npm run bench -- <name> [args]: a registry by file name. harness/bench/<name>.ts default-exports
// a Bench (harness/bench/types.ts); adding a benchmark is adding a file.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { helpText, parseFlags, type FlagSpecs } from './args.ts';
import { EXIT, runCli, unknownChoice } from './usage.ts';
import type { Bench } from '../bench/types.ts';

const BENCH_DIR = fileURLToPath(new URL('../bench/', import.meta.url));

export const BENCH_FLAGS = {
  help: { type: 'boolean', short: 'h', help: 'this text, with the benches; after a bench name: that bench\'s flags' },
} satisfies FlagSpecs;

const USAGE = 'usage: npm run bench -- <name> [<bench flags>]';

export function benchNames(files: readonly string[] = readdirSync(BENCH_DIR)): string[] {
  return files
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'types.ts')
    .map((f) => f.slice(0, -3))
    .sort();
}

async function loadBench(name: string): Promise<Bench> {
  return ((await import(`../bench/${name}.ts`)) as { default: Bench }).default;
}

export async function main(argv: readonly string[]): Promise<number> {
  // Flags before the bench name are this CLI's; everything after it is the bench's own.
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const own = at < 0 ? argv : argv.slice(0, at);
  const [name, ...args] = at < 0 ? [] : argv.slice(at);
  const { values } = parseFlags(own, BENCH_FLAGS);
  const names = benchNames();
  if (values.help && name === undefined) {
    const rows = await Promise.all(names.map(async (n) => `  ${n.padEnd(10)} ${(await loadBench(n)).description}`));
    process.stdout.write(`${helpText(USAGE, BENCH_FLAGS)}\nbenches:\n${rows.join('\n')}\n`);
    return EXIT.pass;
  }
  if (!name || !names.includes(name)) throw unknownChoice('bench', name ?? '(none)', names);
  const bench = await loadBench(name);
  if (values.help || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${bench.usage}\n\n${bench.description}\n`);
    return EXIT.pass;
  }
  process.stderr.write(`bench ${name}: ${bench.description}\n`);
  return bench.run(args, (line) => process.stdout.write(`${line}\n`));
}

// Run only as the entry point: importing the module (tests) runs nothing.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runCli(() => main(process.argv.slice(2)));
