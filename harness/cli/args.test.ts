import { describe, expect, it } from 'vitest';
import { choiceFlag, durationFlag, flagsEatenByNpm, numberFlag, parseFlags, type FlagSpecs } from './args.ts';
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

  it('spots flags npm swallowed (no `--`) only when run by npm', () => {
    expect(flagsEatenByNpm(SPECS, { npm_lifecycle_event: 'scenario', npm_config_keep_cluster: 'true', npm_config_scale: 'true' })).toEqual(['scale', 'keep-cluster']);
    expect(flagsEatenByNpm(SPECS, { npm_config_scale: 'true' })).toEqual([]);
  });
});
