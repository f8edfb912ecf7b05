// Flag parsing shared by the CLIs: node:util parseArgs in strict mode, with its errors turned
// into UsageErrors (exit 2) that name the flag and list the valid ones.
import { parseArgs } from 'node:util';
import { UsageError } from './usage.ts';

export interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** Placeholder shown in help: "<n>". */
  value?: string;
  help: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

type Values<S extends FlagSpecs> = {
  [K in keyof S]?: S[K]['type'] extends 'boolean' ? boolean : S[K]['multiple'] extends true ? string[] : string;
};

export interface Parsed<S extends FlagSpecs> {
  values: Values<S>;
  positionals: string[];
}

function flagList(specs: FlagSpecs): string {
  return Object.keys(specs)
    .map((k) => `--${k}`)
    .join(', ');
}

export function parseFlags<S extends FlagSpecs>(argv: readonly string[], specs: S): Parsed<S> {
  const options = Object.fromEntries(
    Object.entries(specs).map(([k, s]) => [k, { type: s.type, ...(s.multiple ? { multiple: true } : {}) }]),
  ) as Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
    return { values: values as Values<S>, positionals };
  } catch (err) {
    const code = (err as { code?: string }).code;
    const msg = err instanceof Error ? err.message : String(err);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(msg)?.[1] ?? msg;
      throw new UsageError(`unknown flag '${flag}'; valid: ${flagList(specs)}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = /'(--[\w-]+)/.exec(msg)?.[1];
      const spec = flag ? specs[flag.slice(2)] : undefined;
      if (spec?.type === 'boolean') throw new UsageError(`${flag} takes no value`);
      throw new UsageError(`${flag ?? 'a flag'} needs a value${spec?.value ? ` ${spec.value}` : ''}`);
    }
    throw new UsageError(msg);
  }
}

export function helpText(usage: string, specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([k, s]) => [`--${k}${s.type === 'string' ? ` ${s.value ?? '<value>'}` : ''}`, s.help]);
  const w = Math.max(...rows.map((r) => r[0]!.length));
  return `${usage}\n\nflags:\n${rows.map(([a, b]) => `  ${a!.padEnd(w)}  ${b}`).join('\n')}\n`;
}

/** A number flag: finite, else a usage error naming the flag and the value. */
export function numberFlag(flag: string, raw: string, check?: (n: number) => string | null): number {
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(n)) throw new UsageError(`--${flag} '${raw}': not a number`);
  const why = check?.(n);
  if (why) throw new UsageError(`--${flag} ${raw}: ${why}`);
  return n;
}

/** "150", "150s", "2m", "1m30s" → seconds (whole, > 0). */
export function durationFlag(flag: string, raw: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s?)?$/.exec(raw.trim());
  if (!m || (m[1] === undefined && m[2] === undefined)) {
    throw new UsageError(`--${flag} '${raw}': expected seconds (e.g. 90, 90s, 2m, 1m30s)`);
  }
  const s = Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
  if (s <= 0) throw new UsageError(`--${flag} '${raw}': must be longer than 0 s`);
  return s;
}

/** One of a fixed set, else a usage error listing them. */
export function choiceFlag<T extends string>(flag: string, raw: string, valid: readonly T[]): T {
  if (!valid.includes(raw as T)) throw new UsageError(`unknown --${flag} '${raw}'; valid: ${valid.join(', ')}`);
  return raw as T;
}

/**
 * `npm run scenario x --plan` (without `--`) makes npm swallow --plan as its own config and pass
 * it on only as npm_config_plan. Name such flags so the user can add the `--`.
 */
export function flagsEatenByNpm(specs: FlagSpecs, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!env.npm_lifecycle_event) return [];
  return Object.keys(specs).filter((k) => env[`npm_config_${k.replace(/-/g, '_')}`] !== undefined && !NPM_OWN.has(k));
}

/** npm's own configs that a user may have set on purpose (.npmrc); never flagged. */
const NPM_OWN = new Set(['json', 'help', 'name', 'out']);
