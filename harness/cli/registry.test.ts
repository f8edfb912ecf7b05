// `--registry` as a user meets it: a real process, --plan only (never touches a cluster or a
// registry); the plan page says which image path the run takes; a bad value exits 2 naming the flag.
import { describe, expect, it } from 'vitest';
import { scenarioCli as cli } from '../../test/cli/scenario-cli.ts';

describe('npm run scenario --registry', { timeout: 60_000 }, () => {
  it('the plan says the images are pushed there, or loaded with kind load without it', () => {
    const r = cli('proxy-rollout', '--plan', '--provider', 'existing', '--registry', 'localhost:5001/kch');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^images {4}pushed to localhost:5001\/kch — --registry/m);
    expect(JSON.parse(cli('proxy-rollout', '--plan', '--json', '--provider', 'kind', '--registry', 'localhost:5001/kch').stdout)).toMatchObject({ registry: 'localhost:5001/kch' });
    expect(cli('proxy-rollout', '--plan', '--provider', 'kind').stdout).toMatch(/^images {4}loaded with kind load — no --registry/m);
  });

  it('a scheme or a tag exits 2 naming the flag', () => {
    const scheme = cli('proxy-rollout', '--plan', '--registry', 'https://registry.example.com/kch');
    expect([scheme.code, scheme.stderr]).toEqual([2, expect.stringMatching(/--registry 'https:\/\/registry.example.com\/kch': has a scheme/)]);
    const tag = cli('proxy-rollout', '--plan', '--registry', 'localhost:5001/kch:v1');
    expect([tag.code, tag.stderr]).toEqual([2, expect.stringMatching(/--registry 'localhost:5001\/kch:v1': 'kch:v1' has a tag/)]);
  });
});
