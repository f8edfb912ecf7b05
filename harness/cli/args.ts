// Flag parsing shared by the CLIs: node:util parseArgs in strict mode, with its errors turned
// into UsageErrors (exit 2) that name the flag and list the valid ones.
import { parseArgs } from 'node:util';
import { UsageError } from './usage.ts';

export interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** One-letter alias: "h" for -h. */
  short?: string;
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
    Object.entries(specs).map(([k, s]) => [k, { type: s.type, ...(s.multiple ? { multiple: true } : {}), ...(s.short ? { short: s.short } : {}) }]),
  ) as Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
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
  const rows = Object.entries(specs).map(([k, s]) => [`${s.short ? `-${s.short}, ` : ''}--${k}${s.type === 'string' ? ` ${s.value ?? '<value>'}` : ''}`, s.help]);
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
 * What npm did with the harness's flags given before `--` (`npm run scenario x --plan`): it took
 * them as its own config, passed them on only as npm_config_<flag> in the environment, and left
 * a string flag's value behind as a positional (`--scale 0.5` arrives as "0.5", npm_config_scale=true).
 * npm 11 even reads `--plan` as the shorthands -p -l -a (parseable, long, all).
 * - `booleans`: harness boolean flags npm took; the CLI reads them back (nothing was lost).
 * - `strings`: harness string flags npm took; their values are lost, so the CLI names them in a
 *   usage error that shows the form with `--`.
 * Only under `npm run` (npm_lifecycle_event set); an .npmrc's own settings are not ours.
 */
export function flagsTakenByNpm(specs: FlagSpecs, env: NodeJS.ProcessEnv = process.env): { booleans: string[]; strings: string[] } {
  const none = { booleans: [], strings: [] };
  if (!env.npm_lifecycle_event) return none;
  const set = (k: string) => env[`npm_config_${k.replace(/-/g, '_')}`];
  const taken = Object.keys(specs).filter((k) => !NPM_OWN.has(k) && set(k) !== undefined && set(k) !== '');
  if ('plan' in specs && !taken.includes('plan') && NPM_PLAN_SHORTHANDS.every((k) => set(k) === 'true')) taken.push('plan');
  // --json is npm's own config too: ours only beside a flag it modifies.
  if ('json' in specs && set('json') === 'true' && (taken.includes('plan') || taken.includes('list'))) taken.push('json');
  return {
    booleans: taken.filter((k) => specs[k]!.type === 'boolean'),
    strings: taken.filter((k) => specs[k]!.type === 'string'),
  };
}

/**
 * npm's own configs that a user may have set on purpose (.npmrc); never read as the harness's.
 * `registry` is npm's package registry: a .npmrc naming one must not pass for --registry (which
 * therefore works only after `--`).
 */
const NPM_OWN = new Set(['json', 'help', 'registry']);
/** npm 11 parses `--plan` as -p -l -a: parseable, long, all. */
const NPM_PLAN_SHORTHANDS = ['parseable', 'long', 'all'];

/** The usage error for string flags npm took: the right form, with `--`, and where the value went. */
export function npmTookStringFlags(command: string, strings: string[], positionals: readonly string[]): string {
  const flags = strings.map((f) => `--${f} <value>`).join(' ');
  const first = positionals[0];
  return (
    `npm took ${strings.map((f) => `--${f}`).join(', ')} for its own config (flags before \`--\` are npm's) and passed the value on as an argument` +
    `${positionals.length > 1 ? ` (got ${positionals.join(' ')})` : ''}; put the harness's flags after \`--\`: npm run ${command}${first ? ` ${first}` : ''} -- ${flags}`
  );
}
