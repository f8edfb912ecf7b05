// The one direction of imports, written once and checked by layers.test.ts (part of `npm test`):
// a module may import its own layer or a lower one, never a higher one; no two folders import
// each other; no file imports itself back through others. Tests are exempt (they test across
// layers on purpose). harness/README.md draws the same picture.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** From the top of the program to its bottom; the first matching prefix decides a file's layer. */
export const LAYERS: { name: string; folders: string[] }[] = [
  { name: 'cli', folders: ['harness/cli/'] },
  { name: 'run', folders: ['harness/run/', 'harness/bench/'] },
  {
    name: 'areas',
    folders: ['harness/load/', 'harness/chaos/', 'harness/observe/', 'harness/deploy/', 'harness/score/', 'harness/plan/', 'harness/tools/', 'clusters/', 'deploy/', 'reports/'],
  },
  { name: 'kube', folders: ['harness/kube/'] },
  // The plan's and the timeline's shapes are contracts; resolving a plan is an area.
  { name: 'contracts', folders: ['harness/timeline/', 'harness/plan/types.ts', 'scenarios/'] },
  { name: 'base', folders: ['harness/base/'] },
];

/** The folder of a file: the unit of the "no two folders import each other" rule. */
export function folderOf(file: string): string {
  return dirname(file);
}

/** A folder and one inside it are one area (clusters/ holds the provider seam its kind/ uses). */
function nested(a: string, b: string): boolean {
  return a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** The layer of a file: the most specific matching entry wins (a file named in a lower layer beats its folder). */
export function layerOf(file: string): number | null {
  let best: { i: number; len: number } | null = null;
  LAYERS.forEach((l, i) => {
    for (const f of l.folders) if (file.startsWith(f) && (!best || f.length > best.len)) best = { i, len: f.length };
  });
  return best === null ? null : (best as { i: number }).i;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s+'([^']+)'/g;

/** Relative .ts imports of a file, resolved to repo paths (type-only imports count: they are still coupling). */
export function importsOf(root: string, file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec || !spec.startsWith('.')) continue;
    if (!/\.(ts|mts)$/.test(spec)) continue;
    out.push(relative(root, resolve(dirname(join(root, file)), spec)));
  }
  return out;
}

export function sourceFiles(root: string, dirs = ['harness', 'clusters', 'deploy', 'reports', 'scenarios']): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(join(root, d))) {
      const p = `${d}/${name}`;
      if (name === 'node_modules' || name.startsWith('.')) continue;
      if (statSync(join(root, p)).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.includes('/testing/')) out.push(p);
    }
  };
  for (const d of dirs) walk(d);
  return out.sort();
}

export interface LayerViolation {
  file: string;
  imports: string;
  rule: string;
}

/** Every upward import, folder pair importing each other, and file cycle, each with the rule it breaks. */
export function checkLayers(root: string, files = sourceFiles(root)): LayerViolation[] {
  const graph = new Map<string, string[]>();
  for (const f of files) graph.set(f, importsOf(root, f, readFileSync(join(root, f), 'utf8')));
  const out: LayerViolation[] = [];
  for (const [f, deps] of graph) {
    const lf = layerOf(f);
    for (const d of deps) {
      const ld = layerOf(d);
      if (lf !== null && ld !== null && ld < lf) {
        out.push({ file: f, imports: d, rule: `layer '${LAYERS[lf]!.name}' must not import the higher layer '${LAYERS[ld]!.name}'` });
      }
    }
  }
  // Folder pairs.
  const edges = new Set<string>();
  for (const [f, deps] of graph) for (const d of deps) if (folderOf(f) !== folderOf(d)) edges.add(`${folderOf(f)} ${folderOf(d)}`);
  for (const e of edges) {
    const [a, b] = e.split(' ') as [string, string];
    if (a < b && edges.has(`${b} ${a}`) && !nested(a, b)) {
      const example = (x: string, y: string) => [...graph].find(([f, ds]) => folderOf(f) === x && ds.some((d) => folderOf(d) === y));
      const ab = example(a, b)!;
      const ba = example(b, a)!;
      out.push({
        file: ab[0],
        imports: ab[1].find((d) => folderOf(d) === b)!,
        rule: `folders ${a} and ${b} import each other (also ${ba[0]} → ${ba[1].find((d) => folderOf(d) === a)})`,
      });
    }
  }
  // File cycles (depth-first search, each cycle reported once by its smallest member).
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (!graph.has(d)) continue;
      if (state.get(d) === 'open') {
        const cycle = stack.slice(stack.indexOf(d));
        const key = [...cycle].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          out.push({ file: f, imports: d, rule: `import cycle: ${[...cycle, d].join(' → ')}` });
        }
      } else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return out;
}
