// The CLI as a user meets it: a real process (npx tsx harness/cli/scenario.ts), its stdout,
// stderr and exit code. --plan never touches a cluster, so these run anywhere.
import { describe, expect, it } from 'vitest';
import { scenarioCli as cli, scenarioCliWithEnv as cliWithEnv } from '../../test/cli/scenario-cli.ts';

const ALL = ['proxy-rollout', 'proxy-spike-hpa', 'proxy-pod-kill', 'echo-grpc-rollout', 'gateway-pod-kill', 'dex-ws-spike-hpa', 'proxy-ws-spike-hpa', 'tracer-daemonset-rollout', 'proxy-node-loss', 'gateway-store-latency'];

describe('npm run scenario', { timeout: 60_000 }, () => {
  it('--list shows every scenario with its system, workloads and purpose', () => {
    const r = cli('--list');
    expect(r.code, r.stderr).toBe(0);
    for (const name of ALL) expect(r.stdout).toMatch(new RegExp(`^${name} `, 'm'));
    expect(r.stdout).toMatch(/^proxy-rollout +aenebris +aenebris, aenebris-upstream +rollout restart/m);
    expect(r.stdout).toContain('nightly: ');
    const json = JSON.parse(cli('--list', '--json').stdout) as { name: string }[];
    expect(json.map((s) => s.name).sort()).toEqual([...ALL].sort());
  });

  it('--plan --json is a plan whose stages, shards and chaos offsets add up', () => {
    const r = cli('proxy-rollout', '--plan', '--json', '--provider', 'kind');
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ schema: 'plan/v1', scenario: 'proxy-rollout', provider: 'kind', providerReason: '--provider kind' });
    for (const stream of [plan.load.http, plan.load.ws]) {
      const stages = stream.stages as { startS: number; endS: number }[];
      expect(stages[0]!.startS).toBe(0);
      stages.slice(1).forEach((s, i) => expect(s.startS).toBe(stages[i]!.endS));
      expect(stages.at(-1)!.endS).toBe(plan.durationS);
      expect(stream.perShardPeak * plan.shards).toBeCloseTo(Math.max(...stream.stages.map((s: { toTarget: number }) => s.toTarget)), 9);
    }
    expect(plan.shards).toBe(Math.max(1, Math.ceil(plan.load.peakRate / plan.perShardCapacity)));
    expect(plan.chaos).toHaveLength(1);
    expect(plan.chaos[0].atS).toBeGreaterThan(0);
    expect(plan.chaos[0].atS).toBeLessThan(plan.durationS);
    expect(plan.chaos[0].id).toBe(`rollout-aenebris@${plan.chaos[0].atS}s`);
  });

  it('--plan prints the readable table; flags change it', () => {
    const r = cli('proxy-spike-hpa', '--plan', '--provider', 'existing', '--scale', '0.02', '--duration', '1m', '--seed', '7', '--set', 'proxy.cpuCostMicros=250');
    expect(r.code, r.stderr).toBe(0);
    const flat = r.stdout.replace(/ +/g, ' ');
    expect(flat).toContain('provider existing — --provider existing');
    expect(flat).toContain('scale 0.02 — --scale 0.02');
    expect(flat).toContain('seed 7 — --seed');
    expect(flat).toContain('duration 60 s of load');
    expect(flat).toContain('http spike 15 60 45 2,000 req/s');
    expect(flat).toContain('250 µs');
  });

  it('--plan with the provider auto-detected says which and why', () => {
    const r = cli('proxy-rollout', '--plan', '--json');
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(['kind', 'existing']).toContain(plan.provider);
    expect(plan.providerReason.length).toBeGreaterThan(0);
  });

  it('--suite --plan --json plans every scenario of the suite', () => {
    const r = cli('--suite', 'pre-release', '--plan', '--json', '--provider', 'kind');
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { scenario: string }[]).map((p) => p.scenario)).toEqual(ALL);
  });

  it.each([
    [['nope', '--plan'], "unknown scenario 'nope'; valid: dex-ws-spike-hpa, echo-grpc-rollout"],
    [['proxy-rollout', '--plan', '--bogus'], "unknown flag '--bogus'; valid: --list, --plan"],
    [['proxy-rollout', '--plan', '--provider', 'local'], "unknown --provider 'local'; valid: kind, existing"],
    [['proxy-rollout', '--plan', '--scale', 'lots'], "--scale 'lots': not a number"],
    [['proxy-rollout', '--plan', '--scale'], '--scale needs a value'],
    [['proxy-rollout', '--plan', '--duration', 'soon'], "--duration 'soon': expected seconds"],
    [['proxy-rollout', '--plan', '--set', 'proxy.drain=slow'], '--set proxy.drain=slow: scenarios/proxy-rollout.ts: workloads[0].drain must be one of graceful, none, sticky-ready, got "slow"'],
    [['proxy-rollout', '--plan', '--set', 'load.http.stages[1].durationS=-3'], 'load.http.stages[1].durationS must be a positive number, got -3'],
    [['--suite', 'weekly', '--plan'], "unknown suite 'weekly'; valid: nightly, pre-release"],
    [['--plan'], 'name a scenario (valid: dex-ws-spike-hpa'],
    [['proxy-rollout', 'proxy-pod-kill', '--plan'], 'one scenario at a time'],
    [['proxy-rollout', '--json'], '--json goes with --plan or --list'],
    [['proxy-rollout', '--plan', '--name', 'Bad_Name'], "--name 'Bad_Name'"],
  ])('%j → exit 2 naming it', (args, message) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('--help lists every flag and the `--` form, exit 0', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    for (const flag of ['--provider kind|existing', '--scale', '--duration', '--seed', '--out', '--keep-cluster', '--set', '--name', '--allow-namespace', '--allow-node-drain', '--suite']) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain('npm run scenario <name> -- --plan');
  });
});

// What npm 11 hands the CLI for `npm run scenario <args>` without `--` (seen here with npm 11.19).
describe('npm run scenario without `--`', { timeout: 60_000 }, () => {
  const npm = { npm_lifecycle_event: 'scenario' };
  it('`npm run scenario proxy-rollout --plan` prints the plan (npm passed --plan as -p -l -a)', () => {
    const r = cliWithEnv({ ...npm, npm_config_parseable: 'true', npm_config_long: 'true', npm_config_all: 'true' }, 'proxy-rollout');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('proxy-rollout');
    expect(r.stderr).toContain('note: npm took --plan');
  });
  it('`npm run scenario proxy-rollout --plan --json` prints the plan as JSON', () => {
    const r = cliWithEnv({ ...npm, npm_config_plan: 'true', npm_config_json: 'true' }, 'proxy-rollout');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { scenario: string }).scenario).toBe('proxy-rollout');
  });
  it('`npm run scenario proxy-rollout --scale 0.5` fails (exit 2) showing the form with `--`', () => {
    const r = cliWithEnv({ ...npm, npm_config_scale: 'true' }, 'proxy-rollout', '0.5');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('npm run scenario proxy-rollout -- --scale <value>');
  });
});
