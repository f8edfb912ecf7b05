// k6 comes from the cache or PATH, else is built once with `go install` (warm Go cache: ~20 s).
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureK6, findK6, K6_VERSION } from './k6.ts';

const saved = { cache: process.env.HARNESS_CACHE, path: process.env.PATH };
afterEach(() => {
  if (saved.cache === undefined) delete process.env.HARNESS_CACHE;
  else process.env.HARNESS_CACHE = saved.cache;
  process.env.PATH = saved.path;
});

describe('ensureK6', () => {
  it('builds the pinned k6 into an empty cache when none is found, then finds it there', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'kch-k6-cache-'));
    process.env.HARNESS_CACHE = cache;
    // Keep go on PATH, hide any k6 already installed.
    process.env.PATH = (saved.path ?? '').split(':').filter((d) => !existsSync(join(d, 'k6'))).join(':');
    try {
      expect(await findK6()).toBeNull();
      const lines: string[] = [];
      const path = await ensureK6((l) => lines.push(l));
      expect(path).toBe(join(cache, 'bin', 'k6'));
      expect(lines[0]).toMatch(/not found; building it with go install go\.k6\.io\/k6@v1\.8\.1/);
      expect(await findK6()).toEqual({ path, version: K6_VERSION });
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
