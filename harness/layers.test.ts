import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLayers, layerOf, LAYERS } from './layers.ts';

const ROOT = new URL('..', import.meta.url).pathname;

/**
 * Imports that break the rule today, each to be removed by moving code, never added to.
 * A line here that no longer breaks the rule fails the test too, so the list only shrinks.
 */
const KNOWN: string[] = [
];

describe('the one direction of imports', () => {
  it('holds for every source file: no upward import, no two folders importing each other, no cycle', () => {
    const found = checkLayers(ROOT).map((v) => `${v.file} -> ${v.imports}: ${v.rule}`);
    const fresh = found.filter((v) => !KNOWN.includes(v));
    const stale = KNOWN.filter((k) => !found.includes(k));
    expect(fresh, `new violations of the layer rule (harness/README.md):\n${fresh.join('\n')}`).toEqual([]);
    expect(stale, `fixed: remove from KNOWN in harness/layers.test.ts:\n${stale.join('\n')}`).toEqual([]);
  });

  it('fails on a deliberately added upward import, naming the file and the rule', () => {
    const root = mkdtempSync(join(tmpdir(), 'layers-'));
    for (const d of ['harness/score', 'harness/cli']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'harness/cli/usage.ts'), 'export const EXIT = {};\n');
    writeFileSync(join(root, 'harness/score/verdict.ts'), "import { EXIT } from '../cli/usage.ts';\nexport const x = EXIT;\n");
    const v = checkLayers(root, ['harness/cli/usage.ts', 'harness/score/verdict.ts']);
    expect(v).toEqual([{ file: 'harness/score/verdict.ts', imports: 'harness/cli/usage.ts', rule: "layer 'areas' must not import the higher layer 'cli'" }]);
  });

  it('finds cycles between files and folders importing each other', () => {
    const root = mkdtempSync(join(tmpdir(), 'layers-'));
    for (const d of ['clusters/kind', 'clusters/node-image']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'clusters/kind/a.ts'), "import { b } from '../node-image/b.ts';\nexport const a = b;\n");
    writeFileSync(join(root, 'clusters/node-image/b.ts'), "import { a } from '../kind/a.ts';\nexport const b = a;\n");
    const rules = checkLayers(root, ['clusters/kind/a.ts', 'clusters/node-image/b.ts']).map((v) => v.rule);
    expect(rules.some((r) => r.startsWith('folders clusters/kind and clusters/node-image import each other'))).toBe(true);
    expect(rules.some((r) => r.startsWith('import cycle: '))).toBe(true);
  });

  it('puts the plan and timeline shapes below the code that resolves and scores them', () => {
    expect(LAYERS[layerOf('harness/plan/types.ts')!]!.name).toBe('contracts');
    expect(LAYERS[layerOf('harness/plan/resolve.ts')!]!.name).toBe('areas');
    expect(LAYERS[layerOf('harness/base/errors.ts')!]!.name).toBe('base');
  });
});
