// The resolved plan: a scenario with --scale, --seed, --duration and --set applied, every stage
// at an absolute offset (seconds after load start), shards computed. Pure data; printed with
// --plan, written to runs/<id>/plan.json, embedded in the timeline.
import type { ChaosStep, DrainMode, LoadEntry, ScoringTargets, Slos, SystemName } from '../../scenarios/model.ts';

export const PLAN_SCHEMA = 'plan/v1' as const;

export type ProviderName = 'kind' | 'existing';
/** Cluster components a run asks for beyond the basics (clusters/provider.ts ClusterOptions.addons). */
export type ClusterAddon = 'keda';

/** Where k6 runs: processes beside the harness (NodePorts on 127.0.0.1) or runner pods in the run's namespace. */
export type LoadFrom = 'host' | 'cluster';

/** k6 runner pods for `--load-from cluster`: one pod per shard, sized from a per-pod rate budget. */
export interface PlannedRunners {
  pods: number;
  /** Request rate one runner pod is planned to carry (req/s); pods = ceil(peak / perPodRate). */
  perPodRate: number;
  /** Why this budget (--per-pod-rate, or the provider's default). */
  perPodRateReason: string;
  /** Per pod, as Kubernetes quantities; cpu in proportion to the rate the pod carries. */
  requests: { cpu: string; memory: string };
  /** How the CPU request was sized (budget × rate carried). */
  cpuReason: string;
  limits: { memory: string };
}

export interface PlannedStage {
  name: string;
  startS: number;
  endS: number;
  /** Scaled target at the start and the end of the stage (req/s, or sessions for WS). */
  fromTarget: number;
  toTarget: number;
}

export interface PlannedStream {
  entry: LoadEntry;
  stages: PlannedStage[];
  /** Per shard: the same stages with targets divided exactly by k6 execution segments. */
  perShardPeak: number;
}

export interface PlannedWs extends PlannedStream {
  messagesPerSecond: number;
  openRate: number;
}

export interface PlannedWorkload {
  name: string;
  /** Folder under deploy/, or the absolute path of the user's own kustomize folder. */
  deploy: string;
  object: { kind: 'Deployment' | 'DaemonSet'; name: string };
  drain: DrainMode;
  image: string | null;
  cpuCostMicros: number | null;
  /** Overlay of deploy/<deploy>/ to render (e.g. "kind"). */
  overlay: string;
}

export interface PlannedChaos {
  /** Stable id, e.g. "rollout-proxy@60s". */
  id: string;
  atS: number;
  step: ChaosStep;
}

export interface PlannedPhase {
  name: string;
  startS: number;
  endS: number;
}

/**
 * What "the plan was carried out" means, declared once and printed with the plan: the verdict
 * holds the run to these (harness/score/adherence.ts).
 */
export interface AdherenceRules {
  /** Each stream's achieved count over each stage must reach this share of the planned count. */
  minRateShare: number;
  /** Iterations k6 could not start (out of VUs), as a share of those it was asked to start. */
  maxDroppedShare: number;
  /** Seconds a stream may lag the planned profile where it changes (jumps, ramps, VU start-up). */
  lagS: number;
  /** The last second with load must be at most this many seconds before the planned end. */
  endSlackS: number;
  /** A chaos action that started later than this after its planned time did not run as planned. */
  chaosLateS: number;
}

/** The one declaration of the adherence rules; resolvePlan copies it into every plan. */
export const ADHERENCE: AdherenceRules = { minRateShare: 0.95, maxDroppedShare: 0.01, lagS: 2, endSlackS: 2, chaosLateS: 5 };

export interface Plan {
  schema: typeof PLAN_SCHEMA;
  scenario: string;
  purpose: string;
  system: SystemName;
  provider: ProviderName;
  /** Why this provider (auto-detected or named by flag). */
  providerReason: string;
  scale: number;
  /** Why this scale (flag, or the machine-fit default with its arithmetic). */
  scaleReason: string;
  seed: number;
  /** Why this seed (--seed, or derived from the scenario name). Optional: added after plan/v1. */
  seedReason?: string;
  durationS: number;
  shards: number;
  /** Per-process capacity assumed when computing shards (req/s). */
  perShardCapacity: number;
  workloads: PlannedWorkload[];
  load: {
    http: PlannedStream | null;
    ws: PlannedWs | null;
    grpc: PlannedStream | null;
    /** Peak total request rate over all streams at this scale. */
    peakRate: number;
    timeoutS: number;
  };
  chaos: PlannedChaos[];
  phases: PlannedPhase[];
  slos: Slos;
  /** HPA perPodRate and drain limits scaled where they are rates. */
  scoring: ScoringTargets;
  /** How closely the run must follow the plan to count (optional: added after plan/v1; default ADHERENCE). */
  adherence?: AdherenceRules;
  /** --set overrides that were applied, as given. */
  overrides: Record<string, string>;
  /** Where the run folder goes (--out). */
  outDir: string;
  keepCluster: boolean;
  /** Where k6 runs (optional: added after plan/v1; absent = host). */
  loadFrom?: LoadFrom;
  /** Why (flag or default). */
  loadFromReason?: string;
  /**
   * --registry HOST[:PORT][/PATH] (optional: added after plan/v1; absent = loaded with kind load): the
   * run's images are pushed there with the local engine and the nodes pull them.
   */
  registry?: string;
  /** The runner pods when loadFrom is 'cluster' (then shards = runners.pods). */
  runners?: PlannedRunners | null;
  /**
   * Add-ons the cluster must run (optional: added after plan/v1; absent = none). `keda` on kind when
   * the scenario needs the seeds' custom-metric HPAs: the overlay's HPAs become ScaledObjects.
   */
  addons?: ClusterAddon[];
  /**
   * Client connections k6 holds at the plan's peak, here and at full scale (optional: added after
   * plan/v1): the scale of per-pod connection targets (an HPA on active_connections).
   */
  connections?: PlannedConnections;
}

/** k6 holds one connection per pre-allocated HTTP or gRPC VU and one per WS session. */
export interface PlannedConnections {
  /** At this plan's scale: the VU pools of the rate streams plus the WS sessions at their peak. */
  atScale: number;
  /** The same plan at scale 1. */
  fullScale: number;
  /** atScale / fullScale: what per-pod connection targets are multiplied by. */
  scale: number;
  reason: string;
}
