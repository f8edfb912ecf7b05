// The tools step: one line per tool with where it is and how long it took, then the total; a
// tool that cannot be had fails the step naming it, before any cluster exists.
import { describe, expect, it } from 'vitest';
import { gatherTools } from './tools.ts';

describe('gatherTools', () => {
  it('says one line per tool and the total', async () => {
    const lines: string[] = [];
    const got = await gatherTools(
      [
        { name: 'k6 v1.8.1', get: async () => '/cache/bin/k6', describe: (p) => String(p) },
        { name: 'node image', get: async () => ({ ref: 'localhost/kindest/node:v1.34.4-kch' }), describe: (i) => (i as { ref: string }).ref },
      ],
      (l) => lines.push(l),
    );
    expect(got).toEqual(['/cache/bin/k6', { ref: 'localhost/kindest/node:v1.34.4-kch' }]);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ {2}tools: k6 v1\.8\.1 +\/cache\/bin\/k6 \(\d+\.\d s\)$/);
    expect(lines[1]).toMatch(/^ {2}tools: node image +localhost\/kindest\/node:v1\.34\.4-kch \(\d+\.\d s\)$/);
    expect(lines[2]).toMatch(/^ {2}tools: 2 ready in \d+\.\d s$/);
  });

  it('names the tool that failed, and stops on the interrupt before the next', async () => {
    await expect(gatherTools([{ name: 'kind', get: async () => Promise.reject(new Error('go: module proxy unreachable')), describe: String }], () => undefined)).rejects.toThrow(
      'tools: kind: go: module proxy unreachable',
    );
    const ac = new AbortController();
    ac.abort();
    await expect(gatherTools([{ name: 'k6', get: async () => 'x', describe: String }], () => undefined, ac.signal)).rejects.toThrow('tools: interrupted before k6');
  });
});
