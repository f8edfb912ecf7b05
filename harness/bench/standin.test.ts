import { describe, expect, it } from 'vitest';
import { parseArgs } from './standin.ts';

describe('bench standin flags', () => {
  it('defaults to short runs: 8 s, 20 VUs, 2 rounds', () => {
    expect(parseArgs([])).toEqual({ durationS: 8, vus: 20, rounds: 2, json: false });
  });
  it('refuses runs longer than 15 s and names the flag', () => {
    expect(() => parseArgs(['--duration', '60'])).toThrow(/--duration 60: want 1..15/);
    expect(() => parseArgs(['--rounds', '9'])).toThrow(/--rounds 9/);
    expect(() => parseArgs(['--vus'])).toThrow(/--vus needs a value/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown flag --fast/);
  });
});
