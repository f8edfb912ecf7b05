// --set key=value: override any scenario value by path, then validate the result. A path's first
// segment may name a workload (`proxy.drain=none`, or by its object name `aenebris.drain=none`);
// otherwise it is a path into the scenario (`slos.successRatio=0.99`,
// `load.http.stages[0].target=500`). Values take the type of the value they replace.
import type { Scenario } from '../../scenarios/model.ts';
import { ScenarioError, validateScenario } from '../../scenarios/validate.ts';
import { UsageError } from '../base/errors.ts';

export interface Override {
  /** As given: "proxy.drain". */
  key: string;
  /** As given: "none". */
  raw: string;
  /** Path into the scenario: "workloads[0].drain". */
  path: string;
}

type Segment = string | number;

const TOP_LEVEL = ['name', 'purpose', 'system', 'workloads', 'load', 'chaos', 'slos', 'scoring', 'baselineS', 'needs'];

/** "a.b[2].c" → ['a', 'b', 2, 'c']; null when malformed. */
export function parsePath(key: string): Segment[] | null {
  if (!/^[A-Za-z_][\w-]*(\[\d+\])*(\.[A-Za-z_][\w-]*(\[\d+\])*)*$/.test(key)) return null;
  const out: Segment[] = [];
  for (const part of key.split('.')) {
    const m = /^([^[]+)((?:\[\d+\])*)$/.exec(part)!;
    out.push(m[1]!);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

export function showPath(segments: Segment[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** Split "key=value" and find what it addresses. Throws UsageError naming the --set. */
export function parseOverride(given: string, scenario: Scenario): Override & { segments: Segment[] } {
  const eq = given.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set '${given}': expected key=value (e.g. proxy.drain=none, slos.successRatio=0.99)`);
  const key = given.slice(0, eq);
  const raw = given.slice(eq + 1);
  const segments = parsePath(key);
  if (!segments) throw new UsageError(`--set ${key}: not a path (use dots and [index], e.g. load.http.stages[0].target)`);
  const head = segments[0] as string;
  if (head === 'name') throw new UsageError(`--set ${key}: the scenario's name cannot be overridden`);
  if (!TOP_LEVEL.includes(head)) {
    const i = scenario.workloads.findIndex((w) => w.name === head || w.object.name === head);
    if (i < 0) {
      const valid = [...TOP_LEVEL.filter((k) => k !== 'name'), ...scenario.workloads.map((w) => w.name)];
      throw new UsageError(`--set ${key}: '${head}' is neither a scenario field nor a workload; valid: ${valid.join(', ')}`);
    }
    if (segments.length === 1) throw new UsageError(`--set ${key}: name a field of workload '${head}' (e.g. ${head}.drain=none)`);
    segments.splice(0, 1, 'workloads', i);
  }
  return { key, raw, path: showPath(segments), segments };
}

/** The value `raw` means where it replaces `current`. */
function coerce(o: Override, current: unknown): unknown {
  const bad = (what: string): never => {
    throw new UsageError(`--set ${o.key}=${o.raw}: expected ${what} (current value ${JSON.stringify(current)})`);
  };
  switch (typeof current) {
    case 'number': {
      const n = o.raw.trim() === '' ? NaN : Number(o.raw);
      return Number.isFinite(n) ? n : bad('a number');
    }
    case 'boolean':
      return o.raw === 'true' ? true : o.raw === 'false' ? false : bad('true or false');
    case 'string':
      return o.raw;
    case 'object':
      try {
        return JSON.parse(o.raw);
      } catch {
        return bad('JSON (this field is an object or a list)');
      }
    default:
      // A field the scenario leaves out: JSON when it parses (numbers, booleans, objects), else text.
      try {
        return JSON.parse(o.raw);
      } catch {
        return o.raw;
      }
  }
}

function assign(root: unknown, o: Override & { segments: Segment[] }): void {
  let node = root as Record<string | number, unknown>;
  for (let i = 0; i < o.segments.length - 1; i++) {
    const seg = o.segments[i]!;
    const next = o.segments[i + 1]!;
    let child = node[seg];
    if (Array.isArray(node) && typeof seg === 'number' && seg >= node.length) {
      throw new UsageError(`--set ${o.key}: index ${seg} is out of range (${showPath(o.segments.slice(0, i))} has ${node.length})`);
    }
    if (child === undefined && typeof next === 'string') {
      child = {};
      node[seg] = child;
    }
    if (typeof child !== 'object' || child === null) {
      throw new UsageError(`--set ${o.key}: ${showPath(o.segments.slice(0, i + 1))} is ${JSON.stringify(child)}, not an object or list`);
    }
    node = child as Record<string | number, unknown>;
  }
  const last = o.segments[o.segments.length - 1]!;
  if (Array.isArray(node) && (typeof last !== 'number' || last >= node.length)) {
    throw new UsageError(`--set ${o.key}: index ${String(last)} is out of range (list has ${node.length})`);
  }
  node[last] = coerce(o, node[last]);
}

/**
 * Apply every --set to a copy of the scenario and validate it. A validation error names the
 * --set whose path it is about (or all of them when it cannot tell).
 */
export function applyOverrides(scenario: Scenario, sets: readonly string[], file: string): { scenario: Scenario; overrides: Override[] } {
  if (sets.length === 0) return { scenario, overrides: [] };
  const copy = structuredClone(scenario);
  const overrides = sets.map((s) => {
    const o = parseOverride(s, scenario);
    assign(copy, o);
    return o;
  });
  try {
    return { scenario: validateScenario(copy, file), overrides: overrides.map(({ key, raw, path }) => ({ key, raw, path })) };
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    const culprit = overrides.find((o) => err.field === o.path || err.field.startsWith(`${o.path}.`) || err.field.startsWith(`${o.path}[`) || o.path.startsWith(`${err.field}.`));
    const named = culprit ? `--set ${culprit.key}=${culprit.raw}` : `--set ${overrides.map((o) => `${o.key}=${o.raw}`).join(' --set ')}`;
    throw new UsageError(`${named}: ${err.message}`);
  }
}
