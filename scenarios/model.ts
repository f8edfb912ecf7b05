// The scenario model: typed data, validated at load (scenarios/validate.ts). One file per
// scenario in scenarios/*.ts default-exports a `Scenario`. Rates and counts are FULL SCALE
// (the seeds' production numbers); a run multiplies them by --scale.

export type SeedSystem = 'aenebris' | 'ephemos' | 's3-gateway' | 'basebook' | 'ebpf-tracer';
/** The system under test: a seed system (the catalogue's), or your own service's name (a DNS label) in a scenario file of your own. */
export type SystemName = SeedSystem | (string & {});

/** How the stand-in behaves on SIGTERM (deploy/standin). */
export type DrainMode = 'graceful' | 'none' | 'sticky-ready';

/** A workload the scenario deploys: a folder under deploy/ and its overlay, or your own kustomize folder. */
export interface WorkloadRef {
  /** Short name used in flags and reports: `--set proxy.drain=none`. */
  name: string;
  /**
   * Folder under deploy/ (e.g. "aenebris", rendered at overlays/<overlay>), or a path to your own
   * kustomize folder starting with './', '../' or '/' (relative to the scenario file), rendered as it is.
   */
  deploy: string;
  /** The Kubernetes object the chaos actions and HPA scoring target (Deployment or DaemonSet name). */
  object: { kind: 'Deployment' | 'DaemonSet'; name: string };
  /** Stand-in drain mode; default 'graceful'. */
  drain?: DrainMode;
  /**
   * Image override (also `--set <workload>.image=IMG`): replaces the stand-in (run with the seed's
   * entrypoint and preStop), or in your own kustomize folder the object's first container's image.
   * Found in Podman's or Docker's local store and loaded into the cluster. Default: the stand-in.
   */
  image?: string;
  /** Stand-in per-request CPU cost in microseconds (drives CPU-based HPAs). Not scaled by --scale. */
  cpuCostMicros?: number;
  /** Overlay of deploy/<deploy>/ to render; default: the provider's name ('kind': small-cluster sizes, 'existing': the seed's). Not with a path `deploy`. */
  overlay?: string;
}

/** Where the load goes: a workload's Service exposed as a NodePort on 127.0.0.1. */
export interface LoadEntry {
  workload: string;
  /** Service port name (e.g. "http", "ws", "grpc"). */
  port: string;
  /** Request path for HTTP (default "/"). */
  path?: string;
}

/** One stage of a load profile. `rate` is full-scale: req/s (HTTP, gRPC) or sessions (WS). */
export interface LoadStage {
  name: string;
  durationS: number;
  /** Target at the END of the stage; ramps linearly from the previous stage's target when `ramp`. */
  target: number;
  ramp?: boolean;
}

export interface HttpLoad {
  entry: LoadEntry;
  stages: LoadStage[];
  /** Per-request timeout (s); default 10. */
  timeoutS?: number;
}

export interface WsLoad {
  entry: LoadEntry;
  /** Stage targets are concurrent sessions. */
  stages: LoadStage[];
  /** Messages per second per session. */
  messagesPerSecond: number;
  /** Sessions opened per second at most while ramping (full scale). */
  openRate: number;
}

export interface GrpcLoad {
  entry: LoadEntry;
  stages: LoadStage[];
}

export interface LoadProfile {
  http?: HttpLoad;
  ws?: WsLoad;
  grpc?: GrpcLoad;
}

/** A chaos step: what, on which workload (or node), at what offset from load start. */
export type ChaosStep =
  | { action: 'pod-kill'; target: string; atS: number; count?: number; percent?: number; pick?: 'oldest' | 'newest' | 'random'; graceS?: number | 'force' }
  | { action: 'rollout'; target: string; atS: number; change?: 'restart' | { env: Record<string, string> } | { image: string }; deadlineS?: number }
  | { action: 'scale'; target: string; atS: number; replicas: number; pauseHpa?: boolean }
  | { action: 'node-drain'; target: 'worker' | string; atS: number; deadlineS?: number }
  /** A worker vanishes without a drain (kind: its node container is paused), back after durationS. */
  | { action: 'node-fail'; target: 'worker' | string; atS: number; durationS: number; mode?: NodeFailMode }
  /** A fault in the network namespace of a workload's pods (all, or `count` picked with the seed) for durationS. */
  | { action: 'network-fault'; target: string; atS: number; durationS: number; fault: NetworkFault; peer?: string; count?: number };

/** How a node fails: 'pause' freezes the node container (kubelet, runtime and pods stop answering). */
export type NodeFailMode = 'pause';

/**
 * What a network fault does to the pods' traffic (egress, and ingress for a partition); with a
 * `peer` workload only to and from that workload's pods and Services.
 */
export type NetworkFault =
  | { kind: 'latency'; delayMs: number; jitterMs?: number }
  | { kind: 'loss'; percent: number }
  | { kind: 'partition' };

export interface Slos {
  /** Fraction of requests that must succeed, e.g. 0.999. */
  successRatio: number;
  /** Latency limits over the whole run (ms). */
  latencyMs?: { p95?: number; p99?: number };
  /** Max fraction of WS sessions closed abnormally (1006). */
  wsAbnormalCloseRatio?: number;
  /** WebSocket echo latency limit (ms), graded per phase on the per-second p95 of message round trips. */
  wsMessageLatencyMs?: { p95: number };
}

export interface ScoringTargets {
  hpa?: {
    /** The HPA (by workload name) whose reaction is scored. */
    workload: string;
    /** Full-scale per-pod capacity the seed plans for (req/s per pod), for overshoot. */
    perPodRate: number;
    /** From step start to first desired-replicas increase (s). */
    maxReactionS: number;
    /** From step start to the new replicas Ready (s). */
    maxReadyS: number;
    /** Max replicas above what the load needs. */
    maxOvershoot?: number;
    /** Max direction changes of desired replicas. */
    maxFlaps?: number;
    /** The HPA's behavior.scaleDown.stabilizationWindowSeconds (from the seed); default 300 as in Kubernetes. */
    scaleDownStabilizationS?: number;
    /**
     * Filled by the plan, never written in a scenario: the deployed HPA's replica bounds. What a
     * step "needs" stays within them, so a small overlay (2–6) is not scored against 50 replicas.
     */
    replicaRange?: { min: number; max: number };
    /** Filled by the plan: where perPodRate came from (the HPA's own request-rate target, or the scenario's figure). */
    perPodRateBasis?: string;
    /**
     * Filled by the plan when the deployed HPA scales on active connections: its per-pod target at
     * this scale (what a WS step needs is sessions plus k6's pooled connections over it).
     */
    perPodConnections?: number;
    perPodConnectionsBasis?: string;
    /**
     * The seed metric (e.g. active_connections) that must have driven each step's first scale-up,
     * as its SuccessfulRescale event names it: a step the wrong signal explains does not pass.
     */
    expectDrivenBy?: string;
    /** Filled by the plan: External metric names the deployed HPA reports → the seed metric each serves. */
    metricNames?: Record<string, string>;
  };
  drain?: {
    /** Failed requests attributable to one pod's termination window, above baseline. */
    maxFailedPerPod: number;
    /** WS sessions closed 1006 in one pod's termination window. */
    maxAbnormalWsPerPod: number;
    /** Every terminated pod must exit within its grace period. */
    exitWithinGrace: boolean;
  };
  /** Limits for node-fail actions (harness/score/node-fail.ts); without it the numbers are reported, not graded. */
  nodeFail?: {
    /** Failed requests per lost pod above baseline, from node loss to its endpoint leaving service + 2 s. */
    maxFailedPerPod: number;
    /** WS sessions closed 1006 per lost pod in the same window. */
    maxAbnormalWsPerPod: number;
    /** From node loss to the last lost pod's endpoint not ready (node controller grace + EndpointSlice update). */
    maxEndpointRemovalS: number;
    /** Ready endpoints of the workload that must remain at every moment (the PDB's promise). */
    minReadyEndpoints?: number;
  };
  errorBudget: {
    /** Max percent of the run's error budget one run may burn. */
    maxUsedPct: number;
  };
}

export interface Scenario {
  name: string;
  /** One line: what the scenario proves. */
  purpose: string;
  system: SystemName;
  workloads: WorkloadRef[];
  load: LoadProfile;
  chaos: ChaosStep[];
  slos: Slos;
  scoring: ScoringTargets;
  /** Seconds of steady load before the first stage counts (baseline failure rate). */
  baselineS?: number;
  /** Provider capabilities needed (e.g. node-drain needs workers). */
  needs?: {
    workers?: number;
    metricsApi?: boolean;
    /**
     * The HPAs scale on the seeds' custom metrics (request rate, connections), as their seeds write
     * them: on kind KEDA is installed and the overlay's HPAs become ScaledObjects on the run's
     * Prometheus; on an existing cluster the base is applied as it is (its own adapter serves them).
     */
    keda?: boolean;
  };
}

export interface Suite {
  name: 'nightly' | 'pre-release';
  scenarios: string[];
}
