// The timeline: one JSON document per run, everything observed, on one clock (epoch ms).
// It is the seam of the product: everything before it talks to the world, everything after it
// (score, report) is a pure function of it. Change it only by adding optional fields, and bump
// TIMELINE_SCHEMA when a field changes meaning.
import type { Plan } from '../plan/types.ts';

export const TIMELINE_SCHEMA = 'timeline/v1' as const;

/** Epoch milliseconds (Date.now()), the one clock of a run. */
export type EpochMs = number;

export interface Timeline {
  schema: typeof TIMELINE_SCHEMA;
  runId: string;
  /** The resolved plan; offsets in it are seconds after `loadStartedAt`. */
  plan: Plan;
  /** When the harness started the run (before cluster/deploy). */
  startedAt: EpochMs;
  /** t = 0 of the plan's load and chaos schedule (k6 started). Null if load never started. */
  loadStartedAt: EpochMs | null;
  endedAt: EpochMs;
  /** Per-second load series, merged over shards (read back from Prometheus). */
  load: LoadSeries | null;
  /** Chaos actions as they happened. */
  chaos: ChaosMark[];
  /** What the observers saw in Kubernetes. */
  kube: KubeRecord[];
  /** Independent witnesses for the harness's numbers. */
  witnesses: Witnesses;
  /** Named steps of the run (cluster, deploy, load, ...) with their outcome. */
  steps: StepRecord[];
  /** Set when the run was cut short (SIGINT, failed step). Scorers report partial results. */
  interrupted: { at: EpochMs; reason: string } | null;
}

export interface StepRecord {
  name: string;
  startedAt: EpochMs;
  endedAt: EpochMs;
  outcome: 'ok' | 'failed' | 'skipped' | 'interrupted';
  error?: string;
}

// ---------------------------------------------------------------- load

/** Why a request failed; derived from k6's status / error_code tags. */
export type FailureCause = 'http5xx' | 'http4xx' | 'refused' | 'reset' | 'timeout' | 'other';
export const FAILURE_CAUSES: readonly FailureCause[] = ['http5xx', 'http4xx', 'refused', 'reset', 'timeout', 'other'];

export interface LoadSeries {
  /** Seconds, ascending, contiguous from loadStartedAt (step 1 s). */
  seconds: LoadSecond[];
  /** Totals over the whole run, from the same source as `seconds` (sum of increases). */
  totals: LoadTotals;
  /** k6 test id label and shard labels used in Prometheus. */
  testId: string;
  shards: number;
}

export interface LoadSecond {
  /** Start of this second, epoch ms. */
  at: EpochMs;
  /** Plan stage active at this second, if any. */
  stage: string | null;
  /** HTTP requests completed in this second (all shards). */
  requests: number;
  /** Failed requests in this second, by cause. */
  failures: Record<FailureCause, number>;
  /** Latency quantiles over the requests of this second (ms); null when no requests. */
  latencyMs: { p50: number; p95: number; p99: number } | null;
  /** Iterations k6 could not start (arrival-rate executors out of VUs). */
  droppedIterations: number;
  ws?: WsSecond;
  grpc?: GrpcSecond;
}

export interface WsSecond {
  /** Sessions open at the end of this second. */
  open: number;
  /**
   * Sessions k6 holds at the end of this second: open, connecting, or backing off after a failed
   * connect (the client side of the planned level). Absent in timelines recorded before it.
   */
  held?: number;
  opened: number;
  /** Sessions closed in this second by close code ('1000', '1001', '1006', ...). */
  closedByCode: Record<string, number>;
  messagesSent: number;
  messagesReceived: number;
  /** Echo latency p95 over this second (ms). */
  messageLatencyP95Ms: number | null;
  /** Reconnect time p95 of sessions that reconnected in this second (ms). */
  reconnectP95Ms: number | null;
}

export interface GrpcSecond {
  requests: number;
  /** By gRPC status code name or number as k6 reports it ('0' = OK). */
  byStatus: Record<string, number>;
  latencyP99Ms: number | null;
  /** p50 and p95 of the same second (added after timeline/v1: absent in older timelines, where only p99 bounds them). */
  latencyP50Ms?: number | null;
  latencyP95Ms?: number | null;
}

export interface LoadTotals {
  requests: number;
  failedRequests: number;
  failuresByCause: Record<FailureCause, number>;
  droppedIterations: number;
  checksPassed: number;
  checksFailed: number;
  wsSessions: number;
  wsClosedByCode: Record<string, number>;
  grpcRequests: number;
}

// ---------------------------------------------------------------- chaos

export type ChaosActionKind = 'pod-kill' | 'rollout' | 'scale' | 'node-drain' | 'node-fail' | 'network-fault';

export interface ChaosMark {
  /** Id from the plan (e.g. "rollout@60s"). */
  id: string;
  action: ChaosActionKind;
  /** Workload (or node, for node-drain) the plan named. */
  target: string;
  plannedAt: EpochMs;
  startedAt: EpochMs;
  endedAt: EpochMs;
  outcome: 'ok' | 'failed' | 'deadline';
  /** Pods the action made go away (kill victims, pods replaced by a rollout, evicted pods). */
  pods: string[];
  /** Evictions refused by a PDB (node-drain), with when. */
  refusedEvictions?: { pod: string; at: EpochMs; message: string }[];
  /** What the API answered, briefly. */
  detail: string;
  /** For faults with a window (node-fail, network-fault): when the fault held and who undid it. */
  fault?: FaultWindow;
  /** For node-fail: the node's Ready condition and taints as the harness polled them (changes only). */
  nodeStates?: NodeStateRecord[];
}

export interface FaultWindow {
  /** e.g. "pause node kch-worker2", "latency 200±0 ms toward object-store on 3 pods". */
  what: string;
  /** Pods whose network changed (network-fault) or that were on the lost node (node-fail). */
  pods: string[];
  /** Nodes touched (the failed node; the nodes of the faulted pods). */
  nodes: string[];
  /** When the fault took effect; null when it never did (then `detail` says why). */
  appliedAt: EpochMs | null;
  /** When the harness undid it (network-fault: when the undo began, its first step unhooks the rules); null when it could not (the dead-man's switch then does). */
  undoneAt: EpochMs | null;
  /** When the dead-man's switch, armed where the fault lives, undoes it even if the harness died. */
  deadManAt: EpochMs;
}

export interface NodeStateRecord {
  at: EpochMs;
  node: string;
  /** The node's Ready condition status: 'True', 'False', 'Unknown'. */
  ready: string;
  /** Taint keys with their effect, e.g. "node.kubernetes.io/unreachable:NoExecute". */
  taints: string[];
}

// ---------------------------------------------------------------- kube observations

/** Every record has `at` (observer receive time) and, where the object says, `objectTime`. */
export type KubeRecord =
  | PodRecord
  | EndpointRecord
  | RolloutRecord
  | HpaRecord
  | EventRecord
  | PodMetricsRecord
  | WorkloadLogRecord
  | WorkloadCountersRecord;

interface RecordBase {
  at: EpochMs;
  namespace: string;
  objectTime?: EpochMs;
}

export type PodTransition =
  | 'created'
  | 'scheduled'
  | 'containerStarted'
  | 'ready'
  | 'notReady'
  | 'deleting'
  | 'containerTerminated'
  | 'deleted';

export interface PodRecord extends RecordBase {
  kind: 'pod';
  pod: string;
  /** Workload name (the pod's `app.kubernetes.io/name` or `app` label). */
  workload: string;
  transition: PodTransition;
  node?: string;
  container?: string;
  exitCode?: number;
  reason?: string;
  /** For 'deleting': the grace period the API set. */
  gracePeriodS?: number;
}

export interface EndpointRecord extends RecordBase {
  kind: 'endpoint';
  service: string;
  pod: string;
  ip: string;
  /** Condition values after this change; `removed` when the endpoint left the slice. */
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  removed: boolean;
}

export interface RolloutRecord extends RecordBase {
  kind: 'rollout';
  object: 'Deployment' | 'ReplicaSet' | 'DaemonSet';
  name: string;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  generation?: number;
}

export interface HpaRecord extends RecordBase {
  kind: 'hpa';
  name: string;
  currentReplicas: number;
  desiredReplicas: number;
  /** e.g. { cpu: 73 } as percent of request, as the HPA status reports. */
  metrics: Record<string, number>;
  lastScaleTime?: EpochMs;
  conditions: { type: string; status: string; reason?: string }[];
}

export interface EventRecord extends RecordBase {
  kind: 'event';
  reason: string;
  message: string;
  involved: { kind: string; name: string };
  type: string;
}

export interface PodMetricsRecord extends RecordBase {
  kind: 'podMetrics';
  pod: string;
  workload: string;
  cpuMillis: number;
  memoryBytes: number;
}

/** A structured line the workload logged (the stand-in logs drain steps and final counters). */
export interface WorkloadLogRecord extends RecordBase {
  kind: 'workloadLog';
  pod: string;
  workload: string;
  /** Parsed JSON line as the workload wrote it (see deploy/standin: `event` names the step). */
  line: Record<string, unknown>;
}

/**
 * One scrape of a pod's own /metrics by the run's Prometheus (drain and error witness), at the
 * scrape's own timestamp. Keys are series as exposed, without the target's labels:
 * `standin_requests_served_total`, `standin_ws_closed_total{code="1001"}`, `active_connections`.
 */
export interface WorkloadCountersRecord extends RecordBase {
  kind: 'workloadCounters';
  pod: string;
  workload: string;
  counters: Record<string, number>;
  /** false: this scrape failed (the process did not answer; `counters` is empty). Absent in hand-made records: a successful scrape. */
  up?: boolean;
  /** The scraped address (pod IP:port), when a pod has more than one metrics target. */
  target?: string;
}

// ---------------------------------------------------------------- witnesses

export interface Witnesses {
  /** k6's own end-of-test summary per shard (from --summary-export), reduced to totals. */
  k6Summaries: K6ShardSummary[];
  /** How each k6 shard process ended (added after timeline/v1 first shipped: absent in older timelines). */
  k6Exits?: K6ShardExit[];
  /** How the workloads' /metrics were scraped and read back (absent: the run did not scrape them). */
  workloadScrape?: WorkloadScrapeInfo;
}

/** The run's in-cluster Prometheus scraping the workloads' pods; their scrapes are `workloadCounters` records. */
export interface WorkloadScrapeInfo {
  /** Scrape interval (ms): a pod's exit is bracketed by its scrapes to this. */
  intervalMs: number;
  /** The range read back (scrape timestamps in [from, to]). */
  from: EpochMs;
  to: EpochMs;
  /** Pods with at least one scrape in the range. */
  pods: string[];
  /** Why nothing (or not everything) could be read back; scrapes missing for that reason are not evidence. */
  error?: string;
}

export interface K6ShardExit {
  shard: number;
  /** Process exit code; null when it died of a signal or never started. */
  code: number | null;
  signal: string | null;
  /** Why it could not run or was stopped (spawn error, stopped by the harness on abort). */
  error?: string;
  logFile?: string;
}

export interface K6ShardSummary {
  shard: number;
  /** Path of the raw summary file in the run folder. */
  file: string;
  requests: number;
  failedRequests: number;
  checksPassed: number;
  checksFailed: number;
  wsSessions: number;
  droppedIterations: number;
  grpcRequests: number;
}
