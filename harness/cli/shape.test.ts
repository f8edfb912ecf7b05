// One shape for every CLI in harness/cli/: an exported main(argv) that importing does not run,
// --help printing usage with exit 0, and an unknown flag a UsageError (exit 2) naming it.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { helpText, parseFlags, type FlagSpecs } from './args.ts';
import { UsageError } from './usage.ts';

const DIR = dirname(fileURLToPath(import.meta.url));
// Entry points: every module here but the shared flag and exit helpers.
const CLIS = readdirSync(DIR)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !['args.ts', 'usage.ts'].includes(f))
  .sort();

type Main = (argv: readonly string[]) => Promise<number>;

async function withStdout(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    return { code: await fn(), out };
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('every CLI has one shape', () => {
  it('finds the eight CLIs', () => {
    expect(CLIS).toEqual(['bench.ts', 'cleanup.ts', 'cluster.ts', 'doctor.ts', 'load.ts', 'report.ts', 'scenario.ts', 'setup.ts']);
  });

  for (const file of CLIS) {
    describe(file, () => {
      it('exports main and runs nothing on import', async () => {
        const mod = (await import(`./${file}`)) as { main?: Main };
        expect(typeof mod.main).toBe('function');
        // An entry that ran on import would have set an exit code (0..3) by now.
        expect(process.exitCode).toBeUndefined();
      });

      it('--help prints its usage and exits 0', async () => {
        const { main } = (await import(`./${file}`)) as { main: Main };
        const { code, out } = await withStdout(() => main(['--help']));
        expect(code).toBe(0);
        expect(out).toMatch(/^usage:\s+npm run /);
        expect(out).toContain('--help');
      });

      it('an unknown flag is a usage error naming it', async () => {
        const { main } = (await import(`./${file}`)) as { main: Main };
        const err = await main(['--no-such-flag']).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(UsageError);
        expect((err as Error).message).toContain("'--no-such-flag'");
      });
    });
  }
});

describe('short aliases in the shared spec', () => {
  const SPECS = { help: { type: 'boolean', short: 'h', help: 'this text' }, out: { type: 'string', value: '<dir>', help: 'where' } } satisfies FlagSpecs;

  it('reads -h as --help and shows it in the help text', () => {
    expect(parseFlags(['-h'], SPECS).values.help).toBe(true);
    expect(helpText('usage: x', SPECS)).toContain('  -h, --help   this text');
  });
});
