// Pure: the objects `--load-from cluster` creates in the run's namespace. One bare Pod per shard
// (not an indexed Job): each shard has its own execution segment in its arguments, and a runner
// that dies must stay dead and be named — a Job would replace it and replay its segment from the
// start. Plus the run's Prometheus (ServiceAccount, Role, RoleBinding, ConfigMap, Pod, Service)
// that the runners remote-write to and that scrapes the workloads' own /metrics.
// Every object carries the role label that chaos refuses to touch (harness/chaos/pod-kill.ts).
import { stringify } from 'yaml';
import type { PlannedRunners } from '../../plan/types.ts';
import { SHAPE_ENV, type LoadShape } from '../../../scenarios/k6/shape.ts';
import type { ShardSegment } from '../segments.ts';
import { PROMETHEUS_BINARY, RUNNER_ENTRY } from './images.ts';

import { HARNESS_ROLE_LABEL, PROMETHEUS_ROLE, RUNNER_ROLE } from './labels.ts';

export { HARNESS_ROLE_LABEL, PROMETHEUS_ROLE, RUNNER_ROLE } from './labels.ts';
export const SHARD_LABEL = 'kube-chaos-harness/shard';
export const PROMETHEUS_NAME = 'kch-prometheus';
export const PROMETHEUS_PORT = 9090;
export const RUNNER_API_PORT = 6565;
export const RUNNER_CONTAINER = 'k6';
const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';

export function runnerPodName(shard: number): string {
  return `kch-k6-runner-${shard}`;
}

/** Label selector of the runner pods of this run. */
export const RUNNER_SELECTOR = `${HARNESS_ROLE_LABEL}=${RUNNER_ROLE}`;

export interface KubeManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  [field: string]: unknown;
}

function labels(role: string, name: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'kube-chaos-harness', [HARNESS_ROLE_LABEL]: role, ...extra };
}

// Neither image needs root, a writable root or any capability.
const RESTRICTED = {
  runAsNonRoot: true,
  runAsUser: 65534,
  runAsGroup: 65534,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** In-cluster URL of the run's Prometheus (the runners' remote-write target is `${it}/api/v1/write`). */
export function prometheusServiceUrl(namespace: string): string {
  return `http://${PROMETHEUS_NAME}.${namespace}.svc:${PROMETHEUS_PORT}`;
}

/** Scrape interval of the workloads' /metrics (s): the drain witness is exact to this. */
export const WORKLOAD_SCRAPE_INTERVAL_S = 1;
/** The scrape jobs' names: pods by their prometheus.io/* annotations, or by a port named `metrics`. */
export const WORKLOAD_SCRAPE_JOBS = ['kch-workloads-annotated', 'kch-workloads-metrics-port'] as const;

export interface PrometheusManifestOptions {
  namespace: string;
  image: string;
  /** Hard bound on the pod's life (s). */
  lifetimeS: number;
  /** TSDB retention (s); it must cover the run. Default 1 day. */
  retentionS?: number;
}

// The target labels every workload series carries: which pod (and workload, container) it came from.
const TARGET_LABELS = [
  { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
  { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
  { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
  { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node' },
  // The observers' workload name (harness/observe/pod-transitions.ts workloadOf): app.kubernetes.io/name, else app.
  { source_labels: ['__meta_kubernetes_pod_label_app'], regex: '(.+)', target_label: 'workload' },
  { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], regex: '(.+)', target_label: 'workload' },
];

/**
 * Pure: Prometheus's scrape_configs for every pod of the run's namespace (kubernetes_sd role pod,
 * limited to it) but the harness's own: a pod annotated `prometheus.io/scrape: "true"` at its
 * `prometheus.io/port` and `/path`; any other pod at each container port named `metrics`.
 * Only Running pods: a pod that is terminating stays Running until its containers exit, so the
 * last scrapes before an exit and the failed ones after it are kept.
 */
export function workloadScrapeConfigs(namespace: string): Record<string, unknown>[] {
  const common = (name: string) => ({
    job_name: name,
    scrape_interval: `${WORKLOAD_SCRAPE_INTERVAL_S}s`,
    scrape_timeout: `${WORKLOAD_SCRAPE_INTERVAL_S}s`,
    kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [namespace] } }],
  });
  const notOurs = [
    { source_labels: ['__meta_kubernetes_pod_labelpresent_kube_chaos_harness_role'], regex: 'true', action: 'drop' },
    { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Running', action: 'keep' },
  ];
  return [
    {
      ...common(WORKLOAD_SCRAPE_JOBS[0]),
      relabel_configs: [
        { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true', action: 'keep' },
        ...notOurs,
        // One target per container port comes from service discovery; they all map to the annotated
        // port, and Prometheus keeps one of targets whose labels are equal.
        { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'], regex: '(.+)', target_label: '__metrics_path__' },
        { source_labels: ['__meta_kubernetes_pod_ip', '__meta_kubernetes_pod_annotation_prometheus_io_port'], regex: '(.+);(\\d+)', replacement: '$1:$2', target_label: '__address__' },
        ...TARGET_LABELS.filter((l) => l.target_label !== 'container'),
      ],
    },
    {
      ...common(WORKLOAD_SCRAPE_JOBS[1]),
      relabel_configs: [
        // Pods that say whether to be scraped are the other job's.
        { source_labels: ['__meta_kubernetes_pod_annotationpresent_prometheus_io_scrape'], regex: 'true', action: 'drop' },
        { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: 'metrics', action: 'keep' },
        ...notOurs,
        ...TARGET_LABELS,
      ],
    },
  ];
}

/** Pure: the Prometheus configuration file of the run's Prometheus. */
export function prometheusConfig(namespace: string): string {
  return stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: workloadScrapeConfigs(namespace),
  }, { aliasDuplicateObjects: false });
}

/**
 * The run's Prometheus: remote-write receiver (k6 runner pods write here), native histograms, TSDB
 * on an emptyDir, like harness/tools/prometheus.ts; and it scrapes the workloads' /metrics every
 * second, discovering pods through the API server with a Role that can read pods in this
 * namespace only. Its Service name and port are what KEDA's Prometheus triggers point at.
 */
export function prometheusManifests(o: PrometheusManifestOptions): KubeManifest[] {
  const meta = (name: string) => ({ name, namespace: o.namespace, labels: labels(PROMETHEUS_ROLE, PROMETHEUS_NAME) });
  const retentionS = Math.max(3600, Math.ceil(o.retentionS ?? 86_400));
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(PROMETHEUS_NAME), automountServiceAccountToken: false },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(PROMETHEUS_NAME),
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(PROMETHEUS_NAME),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: PROMETHEUS_NAME },
      subjects: [{ kind: 'ServiceAccount', name: PROMETHEUS_NAME, namespace: o.namespace }],
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${PROMETHEUS_NAME}-config`), data: { 'prometheus.yml': prometheusConfig(o.namespace) } },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta(PROMETHEUS_NAME),
      spec: {
        restartPolicy: 'Never',
        activeDeadlineSeconds: Math.ceil(o.lifetimeS),
        terminationGracePeriodSeconds: 5,
        enableServiceLinks: false,
        serviceAccountName: PROMETHEUS_NAME,
        // Service discovery reads pods with this token (the Role above: this namespace, read only).
        automountServiceAccountToken: true,
        // On the control plane where it may run: node-fail and node-drain never touch that node, so
        // the witness of the workloads is not lost with the node it observes. Preferred, not
        // required: a cluster whose control plane takes no pods puts it on a worker.
        tolerations: [{ key: CONTROL_PLANE_LABEL, operator: 'Exists', effect: 'NoSchedule' }],
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: CONTROL_PLANE_LABEL, operator: 'Exists' }] } }],
          },
        },
        containers: [
          {
            name: 'prometheus',
            image: o.image,
            imagePullPolicy: 'Never',
            command: [PROMETHEUS_BINARY],
            args: [
              '--config.file=/etc/prometheus/prometheus.yml',
              '--storage.tsdb.path=/prometheus',
              `--web.listen-address=0.0.0.0:${PROMETHEUS_PORT}`,
              '--web.enable-remote-write-receiver',
              '--enable-feature=native-histograms',
              `--storage.tsdb.retention.time=${retentionS}s`,
            ],
            ports: [{ name: 'http', containerPort: PROMETHEUS_PORT }],
            readinessProbe: { httpGet: { path: '/-/ready', port: PROMETHEUS_PORT }, periodSeconds: 1, failureThreshold: 60 },
            resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
            securityContext: RESTRICTED,
            volumeMounts: [
              { name: 'tsdb', mountPath: '/prometheus' },
              { name: 'config', mountPath: '/etc/prometheus', readOnly: true },
            ],
          },
        ],
        volumes: [
          { name: 'tsdb', emptyDir: {} },
          { name: 'config', configMap: { name: `${PROMETHEUS_NAME}-config` } },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(PROMETHEUS_NAME),
      spec: {
        type: 'ClusterIP',
        selector: { [HARNESS_ROLE_LABEL]: PROMETHEUS_ROLE },
        ports: [{ name: 'http', port: PROMETHEUS_PORT, targetPort: PROMETHEUS_PORT }],
      },
    },
  ];
}

export interface RunnerManifestOptions {
  namespace: string;
  image: string;
  shard: number;
  segment: ShardSegment | null;
  shape: LoadShape;
  testId: string;
  runners: Pick<PlannedRunners, 'requests' | 'limits'>;
  /** Hard bound on the pod's life (s): activeDeadlineSeconds. */
  lifetimeS: number;
}

/** The k6 arguments of one runner: paused behind its REST API, its segment, tags, remote write, summary on stdout. */
export function runnerArgs(o: Pick<RunnerManifestOptions, 'shard' | 'segment' | 'testId'>): string[] {
  const args = [
    'run', '--quiet', '--no-usage-report', '--paused',
    '--address', `0.0.0.0:${RUNNER_API_PORT}`,
    '--tag', `testid=${o.testId}`, '--tag', `shard=${o.shard}`,
    // The witness goes to the pod log (stdout) when k6 ends: no shell in the image to `cat` a file.
    '--summary-export', '/dev/stdout',
    '-o', 'experimental-prometheus-rw',
  ];
  if (o.segment) args.push('--execution-segment', o.segment.segment, '--execution-segment-sequence', o.segment.sequence);
  args.push(RUNNER_ENTRY);
  return args;
}

export function runnerPod(o: RunnerManifestOptions): KubeManifest {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: runnerPodName(o.shard), namespace: o.namespace, labels: labels(RUNNER_ROLE, 'kch-k6-runner', { [SHARD_LABEL]: String(o.shard) }) },
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: Math.ceil(o.lifetimeS),
      // SIGTERM: k6 stops gracefully, pushes its last metrics and writes its summary.
      terminationGracePeriodSeconds: 15,
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      containers: [
        {
          name: RUNNER_CONTAINER,
          image: o.image,
          imagePullPolicy: 'Never',
          command: ['/k6'],
          args: runnerArgs(o),
          env: [
            { name: SHAPE_ENV, value: JSON.stringify(o.shape) },
            { name: 'K6_NO_USAGE_REPORT', value: 'true' },
            { name: 'K6_PROMETHEUS_RW_SERVER_URL', value: `${prometheusServiceUrl(o.namespace)}/api/v1/write` },
            { name: 'K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM', value: 'true' },
            { name: 'K6_PROMETHEUS_RW_PUSH_INTERVAL', value: '1s' },
          ],
          ports: [{ name: 'api', containerPort: RUNNER_API_PORT }],
          // Ready = its REST API answers; "paused before run" is asked through the pod proxy.
          readinessProbe: { httpGet: { path: '/v1/status', port: RUNNER_API_PORT }, periodSeconds: 1, failureThreshold: 120 },
          resources: { requests: { ...o.runners.requests }, limits: { ...o.runners.limits } },
          securityContext: RESTRICTED,
        },
      ],
    },
  };
}
