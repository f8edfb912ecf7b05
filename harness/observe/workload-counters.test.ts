import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { WORKLOAD_SCRAPE_JOBS, prometheusManifests, workloadScrapeConfigs } from '../load/in-cluster/manifests.ts';
import { counterKey, workloadCountersFromMatrix, workloadCountersQuery, type PromMatrixAnswer } from './workload-counters.ts';

// Recorded: Debian's Prometheus 2.42 scraping the stand-in (ROLE=upstream, DRAIN_DELAY_S=2,
// DRAIN_TIMEOUT_S=5) on 127.0.0.1 every 1 s with the job and target labels of the in-cluster jobs;
// 200 requests, then two /slow requests held across a SIGTERM; the stand-in's own log beside it.
// The query is workloadCountersQuery's (`{job=~"kch-workloads-.*",__name__!~".*_bucket|scrape_.*"}[40s]`).
const matrix = JSON.parse(readFileSync(new URL('./fixtures/workload-scrape-matrix.json', import.meta.url), 'utf8')) as PromMatrixAnswer;
const standinLog = readFileSync(new URL('./fixtures/workload-scrape-standin.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>);
const exitLine = standinLog.find((l) => l['event'] === 'exit')!;

describe('workload counters from the raw scrapes (recorded)', () => {
  const records = workloadCountersFromMatrix(matrix, 'kch-rec');

  it('one record per scrape, at the scrape timestamp, ascending; failed scrapes say so and carry no counters', () => {
    expect(records).toHaveLength(24);
    expect(records.map((r) => r.at)).toEqual([...records.map((r) => r.at)].sort((a, b) => a - b));
    expect(records.every((r) => r.pod === 'upstream-7d9f8-abcde' && r.workload === 'upstream' && r.namespace === 'kch-rec' && r.target === undefined)).toBe(true);
    const ok = records.filter((r) => r.up === true);
    const failed = records.filter((r) => r.up === false);
    expect([ok.length, failed.length]).toEqual([18, 6]);
    expect(failed.every((r) => Object.keys(r.counters).length === 0)).toBe(true);
    // The process answered until its exit and never after: the last answer is before the exit line, the first failure after it.
    const exitAt = Number(exitLine['ts']);
    expect(ok.at(-1)!.at).toBeLessThan(exitAt);
    expect(failed[0]!.at).toBeGreaterThan(exitAt);
    expect(failed[0]!.at - ok.at(-1)!.at).toBe(1000);
  });

  it("keeps the stand-in's witness counters and the seed's own names under their exposed keys", () => {
    const last = records.filter((r) => r.up === true).at(-1)!;
    expect(last.counters).toMatchObject({
      standin_requests_served_total: exitLine['served'],
      standin_requests_in_flight: 2,
      standin_requests_cut_total: 0, // set only at exit: a scrape never sees it
      standin_ws_open: 0,
      'standin_ws_closed_total{code="1001"}': 0,
      'http_requests_total{code="200",method="GET"}': 218,
      active_connections: 2,
    });
    expect(Object.keys(last.counters).some((k) => k.endsWith('_bucket') || k.startsWith('scrape_') || k === 'up')).toBe(false);
  });

  it('keys series by name and their own labels, sorted, without the target labels', () => {
    expect(counterKey({ __name__: 'x_total', pod: 'p', job: 'j', instance: 'i', workload: 'w', node: 'n', container: 'c', namespace: 'ns' })).toBe('x_total');
    expect(counterKey({ __name__: 'x_total', method: 'GET', code: '200', pod: 'p' })).toBe('x_total{code="200",method="GET"}');
  });

  it('keeps only scrapes in the range asked for; a pod with two targets keeps them apart', () => {
    const from = records[5]!.at;
    expect(workloadCountersFromMatrix(matrix, 'kch-rec', { from, to: from + 2000 })).toHaveLength(3);
    const two: PromMatrixAnswer = {
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          { metric: { __name__: 'up', pod: 'p', instance: '192.0.2.1:9090' }, values: [[100, '1']] },
          { metric: { __name__: 'up', pod: 'p', instance: '192.0.2.1:9091' }, values: [[100, '0']] },
          { metric: { __name__: 'g', pod: 'p', instance: '192.0.2.1:9090' }, values: [[100, 'NaN'], [101, '3']] },
        ],
      },
    };
    const r = workloadCountersFromMatrix(two, 'ns');
    expect(r.map((x) => [x.at, x.target, x.up, x.counters])).toEqual([
      [100_000, '192.0.2.1:9090', true, {}],
      [100_000, '192.0.2.1:9091', false, {}],
      [101_000, '192.0.2.1:9090', undefined, { g: 3 }],
    ]);
  });

  it('refuses an answer that is not a successful matrix, naming it', () => {
    expect(() => workloadCountersFromMatrix({ status: 'error', error: 'bad_data: parse error' }, 'ns')).toThrow(/error .*parse error/);
    expect(() => workloadCountersFromMatrix({ status: 'success', data: { resultType: 'vector', result: [] } }, 'ns')).toThrow(/vector/);
  });

  it('asks for every series of the scrape jobs but histogram buckets and scrape_* over the window', () => {
    expect(workloadCountersQuery(WORKLOAD_SCRAPE_JOBS, 39.2)).toBe('{job=~"kch-workloads-annotated|kch-workloads-metrics-port",__name__!~".*_bucket|scrape_.*"}[40s]');
  });
});

describe("the run's Prometheus scrapes the workloads' pods", () => {
  const objects = prometheusManifests({ namespace: 'kch-t', image: 'localhost/p:1', lifetimeS: 600 });
  const byKind = (k: string) => objects.find((o) => o.kind === k)!;

  it('discovers pods of its own namespace only, with a Role that reads pods there and nothing else', () => {
    const role = byKind('Role') as unknown as { rules: unknown[] };
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    const binding = byKind('RoleBinding') as unknown as { subjects: { name: string; namespace: string }[]; roleRef: { name: string } };
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kch-prometheus', namespace: 'kch-t' }]);
    const pod = byKind('Pod') as unknown as { spec: { serviceAccountName: string; automountServiceAccountToken: boolean } };
    expect(pod.spec).toMatchObject({ serviceAccountName: 'kch-prometheus', automountServiceAccountToken: true });
    // Where chaos never reaches (node-fail and node-drain spare the control plane), when it may run there.
    expect(JSON.stringify(pod.spec)).toContain('"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":100,"preference":{"matchExpressions":[{"key":"node-role.kubernetes.io/control-plane","operator":"Exists"}]}}]');
    const config = parse((byKind('ConfigMap') as unknown as { data: Record<string, string> }).data['prometheus.yml']!) as { scrape_configs: unknown[] };
    expect(config.scrape_configs).toEqual(workloadScrapeConfigs('kch-t'));
    for (const job of workloadScrapeConfigs('kch-t')) {
      expect(job).toMatchObject({ scrape_interval: '1s', kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: ['kch-t'] } }] });
    }
  });

  it("by annotation or a port named metrics, never the harness's own pods, keeping the target's pod and workload", () => {
    const [annotated, named] = workloadScrapeConfigs('kch-t') as { job_name: string; relabel_configs: Record<string, unknown>[] }[];
    expect([annotated!.job_name, named!.job_name]).toEqual([...WORKLOAD_SCRAPE_JOBS]);
    const has = (job: typeof annotated, rule: Record<string, unknown>) => expect(job!.relabel_configs).toContainEqual(expect.objectContaining(rule));
    has(annotated, { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true', action: 'keep' });
    has(annotated, { regex: '(.+);(\\d+)', target_label: '__address__' });
    has(named, { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: 'metrics', action: 'keep' });
    has(named, { source_labels: ['__meta_kubernetes_pod_annotationpresent_prometheus_io_scrape'], action: 'drop' });
    for (const job of [annotated, named]) {
      has(job, { source_labels: ['__meta_kubernetes_pod_labelpresent_kube_chaos_harness_role'], action: 'drop' });
      has(job, { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' });
      has(job, { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], target_label: 'workload' });
    }
  });
});
