import { describe, expect, it } from 'vitest';
import { choiceFlag, durationFlag, flagsTakenByNpm, npmTookStringFlags, numberFlag, parseFlags, type FlagSpecs } from './args.ts';
import { UsageError } from './usage.ts';

const SPECS = {
  plan: { type: 'boolean', help: 'p' },
  scale: { type: 'string', value: '<x>', help: 's' },
  set: { type: 'string', multiple: true, help: 'k=v' },
  'keep-cluster': { type: 'boolean', help: 'k' },
} satisfies FlagSpecs;

describe('parseFlags', () => {
  it('parses booleans, strings, repeated flags and positionals', () => {
    const { values, positionals } = parseFlags(['proxy-rollout', '--plan', '--scale', '0.5', '--set', 'a=1', '--set=b=2'], SPECS);
    expect(positionals).toEqual(['proxy-rollout']);
    expect(values).toEqual({ plan: true, scale: '0.5', set: ['a=1', 'b=2'] });
  });

  it('names an unknown flag and lists the valid ones', () => {
    expect(() => parseFlags(['--plna'], SPECS)).toThrow(new UsageError("unknown flag '--plna'; valid: --plan, --scale, --set, --keep-cluster"));
  });

  it('names a flag missing its value, and a boolean given one', () => {
    expect(() => parseFlags(['--scale'], SPECS)).toThrow('--scale needs a value <x>');
    expect(() => parseFlags(['--plan=yes'], SPECS)).toThrow('--plan takes no value');
  });
});

describe('flag values', () => {
  it('reads durations in seconds and minutes', () => {
    expect(durationFlag('duration', '90')).toBe(90);
    expect(durationFlag('duration', '90s')).toBe(90);
    expect(durationFlag('duration', '2m')).toBe(120);
    expect(durationFlag('duration', '1m30s')).toBe(90);
    for (const bad of ['', 'm', '1h', '-5', '0', '1.5']) expect(() => durationFlag('duration', bad)).toThrow(UsageError);
  });

  it('reads numbers and choices, naming the flag', () => {
    expect(numberFlag('scale', '0.25')).toBe(0.25);
    expect(() => numberFlag('scale', 'x')).toThrow("--scale 'x': not a number");
    expect(() => numberFlag('scale', '-1', (n) => (n > 0 ? null : 'must be > 0'))).toThrow('--scale -1: must be > 0');
    expect(choiceFlag('provider', 'kind', ['kind', 'existing'])).toBe('kind');
    expect(() => choiceFlag('provider', 'local', ['kind', 'existing'])).toThrow("unknown --provider 'local'; valid: kind, existing");
  });

  // The environments below are what npm 11.19 sets for `npm run scenario x <flags>` (no `--`), as seen here.
  it('reads back the boolean flags npm took, and names the string flags whose value it separated', () => {
    const npm = { npm_lifecycle_event: 'scenario' };
    expect(flagsTakenByNpm(SPECS, { ...npm, npm_config_keep_cluster: 'true', npm_config_scale: 'true' })).toEqual({ booleans: ['keep-cluster'], strings: ['scale'] });
    // `--plan` arrives as npm's shorthands -p -l -a.
    expect(flagsTakenByNpm(SPECS, { ...npm, npm_config_parseable: 'true', npm_config_long: 'true', npm_config_all: 'true' })).toEqual({ booleans: ['plan'], strings: [] });
    expect(flagsTakenByNpm(SPECS, { ...npm, npm_config_plan: 'true' })).toEqual({ booleans: ['plan'], strings: [] });
    // `--no-plan` leaves an empty value: not a flag given.
    expect(flagsTakenByNpm(SPECS, { ...npm, npm_config_plan: '' })).toEqual({ booleans: [], strings: [] });
  });

  it('takes npm_config_json as --json only beside --plan or --list (json is also npm\'s own config)', () => {
    const specs = { ...SPECS, json: { type: 'boolean', help: 'j' } } satisfies FlagSpecs;
    expect(flagsTakenByNpm(specs, { npm_lifecycle_event: 'scenario', npm_config_json: 'true' })).toEqual({ booleans: [], strings: [] });
    expect(flagsTakenByNpm(specs, { npm_lifecycle_event: 'scenario', npm_config_json: 'true', npm_config_plan: 'true' })).toEqual({ booleans: ['plan', 'json'], strings: [] });
  });

  it("never takes npm's own registry (a .npmrc may name one) for --registry", () => {
    const specs = { ...SPECS, registry: { type: 'string', help: 'r' } } satisfies FlagSpecs;
    expect(flagsTakenByNpm(specs, { npm_lifecycle_event: 'scenario', npm_config_registry: 'https://npm.example.com/' })).toEqual({ booleans: [], strings: [] });
  });

  it('reads nothing outside npm run', () => {
    expect(flagsTakenByNpm(SPECS, { npm_config_scale: 'true', npm_config_plan: 'true' })).toEqual({ booleans: [], strings: [] });
  });

  it('shows the form with `--` for string flags', () => {
    expect(npmTookStringFlags('scenario', ['scale'], ['proxy-rollout', '0.5'])).toBe(
      "npm took --scale for its own config (flags before `--` are npm's) and passed the value on as an argument (got proxy-rollout 0.5); " +
        "put the harness's flags after `--`: npm run scenario proxy-rollout -- --scale <value>",
    );
  });
});
