import { describe, expect, it } from 'vitest';
import { wrapperGoMod } from './keda-images.ts';

const KEDA_GO_MOD = `module github.com/kedacore/keda/v2

go 1.26.0

require (
	github.com/go-chi/chi/v5 v5.2.4
)

// needed until upstream tags a release with the fix
replace github.com/nexus-rpc/nexus-proto-annotations v0.1.0 => github.com/nexus-rpc/nexus-proto-annotations v0.1.1-0.20260629224316-835bd8d49cb4

exclude github.com/go-chi/chi/v5 v5.2.3 // CVE
`;

describe('wrapperGoMod', () => {
  it("requires KEDA and repeats its one replace and one exclude line (comments dropped)", () => {
    expect(wrapperGoMod(KEDA_GO_MOD, 'github.com/kedacore/keda/v2', 'v2.21.0')).toBe(
      [
        'module kedabuild',
        '',
        'go 1.26.0',
        '',
        'require github.com/kedacore/keda/v2 v2.21.0',
        '',
        'replace github.com/nexus-rpc/nexus-proto-annotations v0.1.0 => github.com/nexus-rpc/nexus-proto-annotations v0.1.1-0.20260629224316-835bd8d49cb4',
        'exclude github.com/go-chi/chi/v5 v5.2.3',
        '',
      ].join('\n'),
    );
  });
  it('repeats block forms line by line', () => {
    const mod = 'module m\ngo 1.22\n\nreplace (\n\ta v1 => b v2\n\tc => d v3 // why\n)\nexclude (\n\te v1\n)\n';
    expect(wrapperGoMod(mod, 'm', 'v1').split('\n').filter((l) => /^(replace|exclude)/.test(l))).toEqual(['replace a v1 => b v2', 'replace c => d v3', 'exclude e v1']);
  });
  it('refuses a replace with a local path', () => {
    expect(() => wrapperGoMod('module m\ngo 1.22\nreplace a => ../a\n', 'm', 'v1')).toThrow(/local path/);
  });
  it('refuses a go.mod without a go directive (the wrapper would load the unpruned graph)', () => {
    expect(() => wrapperGoMod('module m\n', 'm', 'v1')).toThrow(/no go directive/);
  });
});
