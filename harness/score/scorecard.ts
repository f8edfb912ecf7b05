// The Scorecard: everything the scorers conclude from one timeline. Versioned like the timeline:
// add optional fields freely, bump SCORECARD_SCHEMA when a field changes meaning. report.json
// embeds it; `report compare` reads it back, so keep names stable.
import type { AdherenceRules } from '../plan/types.ts';
import type { EpochMs } from '../timeline/types.ts';

export const SCORECARD_SCHEMA = 'scorecard/v1' as const;

export type Verdict = 'pass' | 'fail' | 'incomplete';

/** Which scorer produced a check; 'witness' checks compare a harness number with an independent one. */
export type CheckArea = 'plan' | 'drain' | 'hpa' | 'budget' | 'latency' | 'slo' | 'witness' | 'run';

/**
 * pass; fail (the workload or the run broke a rule); incomplete (the input the check needs is
 * missing, e.g. a pod's exit was never observed or the run stopped before a planned step: the
 * run proves nothing either way, exit 3); skip (the scenario does not ask for this check).
 */
export type CheckStatus = 'pass' | 'fail' | 'incomplete' | 'skip';

export interface TimeWindow {
  from: EpochMs;
  to: EpochMs;
}

/** One named, gradeable statement. A failed check names its subject, window, number and limit. */
export interface Check {
  /** Stable id, e.g. "drain.failed/aenebris-7d9f-abc12"; unique within a scorecard. */
  id: string;
  area: CheckArea;
  /** What the check is about: a pod, a load step, a phase, "run". */
  subject: string;
  /** Short name of the measured quantity, e.g. "excess failed requests". */
  metric: string;
  status: CheckStatus;
  measured: number | string | null;
  /** The limit as a comparison, e.g. "<= 5", "== 12034", ">= 1". */
  limit: string | null;
  window?: TimeWindow;
  /** One sentence a release manager can act on: which pod, which window, which number against which limit. */
  message: string;
}

/** What a scorer returns: its score, its gradeable checks, and the approximations it relied on. */
export interface Scored<T> {
  score: T;
  checks: Check[];
  notes: string[];
}

// ---------------------------------------------------------------- plan adherence

export type StreamKind = 'http' | 'ws' | 'grpc';

export interface StageAdherence {
  stream: StreamKind;
  stage: string;
  window: { from: EpochMs; to: EpochMs };
  seconds: number;
  planned: number;
  achieved: number;
  share: number | null;
}

export interface AdherenceScore {
  rules: AdherenceRules;
  rulesSource: 'plan' | 'default (timeline predates plan.adherence)';
  stages: StageAdherence[];
  droppedShare: number | null;
  lastLoadedS: number | null;
}

// ---------------------------------------------------------------- drain

export interface ContainerExit {
  container: string | null;
  at: EpochMs;
  exitCode: number | null;
  reason: string | null;
}

/** The workload's own account of its exit (stand-in `exit` log line or /metrics counters). */
export interface DrainWitness {
  source: 'exit-log' | 'metrics' | 'none';
  cutOff: number | null;
  wsClosed1001: number | null;
  wsClosed1006: number | null;
  /** Sessions still open when the process exited: dropped without a close frame (clients see 1006). */
  wsOpenAtExit: number | null;
  served: number | null;
}

export interface PodDrain {
  pod: string;
  /**
   * Timeouts that completed after the window, until exit + request timeout + 1 s: requests in
   * flight on a connection that vanished with the pod only fail when the client gives up. Used by
   * the witness comparison only (not attributed, so windows stay short and rarely overlap).
   */
  lateTimeouts?: number;
  workload: string;
  /** Chaos mark id, "hpa-scale-down N→M" or "unattributed (outside the harness)": what made the pod go away. */
  cause: string;
  deletingAt: EpochMs;
  gracePeriodS: number | null;
  notReadyAt: EpochMs | null;
  endpointRemovedAt: EpochMs | null;
  exit: ContainerExit | null;
  /** deleting → endpoint not ready / removed / container exit, ms (null when not observed). */
  deleteToNotReadyMs: number | null;
  deleteToRemovedMs: number | null;
  deleteToExitMs: number | null;
  /** Exited by itself inside its grace period (false: SIGKILLed, exit 137, or later than the grace period). */
  exitedWithinGrace: boolean | null;
  killed: boolean;
  /** The termination window: deleting → exit + 2 s (or the run's end when the exit was not seen). */
  window: TimeWindow;
  /** Requests that failed in the window's seconds (this pod's share when windows overlap). */
  failedRequests: number;
  /** Failures the run's baseline rate predicts for the same requests. */
  expectedBaselineFailures: number;
  /** failedRequests − expected, floored at 0: what the scorer attributes to this pod. */
  excessFailures: number;
  failuresByCause: Record<string, number>;
  wsClosed1001: number;
  wsClosed1006: number;
  /** Max WS reconnect p95 (ms) from deleting to exit + 10 s; null when no session reconnected. */
  reconnectP95Ms: number | null;
  /** Other pods whose windows overlap this one; their seconds' numbers were split evenly. */
  sharedWith: string[];
  witness: DrainWitness;
  /** Whether the workload's own counters agree with the attribution (null: no witness). */
  witnessAgrees: boolean | null;
  witnessNote: string;
  /** The pod's exit as the run's Prometheus scraped it (absent: the run did not scrape; null: no scrape of this pod). */
  scrapeWitness?: ScrapeWitness | null;
}

/**
 * A pod's own /metrics around its exit (harness/score/scrape-witness.ts): the last scrape it
 * answered before the exit and the first it did not. Exact to one scrape interval; a scrape is
 * taken before the exit, so it never sees what the exit cut.
 */
export interface ScrapeWitness {
  intervalMs: number;
  /** Last answered scrape at or before the observed exit (+ skew); the last one when no exit was observed. */
  lastAt: EpochMs | null;
  /** First failed or missing scrape after `lastAt`: the process stopped answering in (lastAt, gapAt]. */
  gapAt: EpochMs | null;
  /** Answered scrapes after the observed exit + skew: the exit or the scrape is wrong. */
  answeredAfterExit: number;
  /** At the last answered scrape (null: the workload does not expose it). */
  served: number | null;
  inFlight: number | null;
  wsOpen: number | null;
  /** From the last answered scrape at or before 'deleting' to `lastAt` (null: no scrape before 'deleting', or not exposed). */
  servedDuringDrain: number | null;
  wsClosedDuringDrain: Record<string, number> | null;
}

export interface DrainScore {
  /** Failure ratio over seconds in which no pod was terminating. */
  baselineFailureRatio: number;
  baselineSeconds: number;
  /** WS 1006 closes per second over the same seconds. */
  baselineWs1006PerS: number;
  pods: PodDrain[];
  totalExcessFailures: number;
  maxExcessFailuresPerPod: number;
}

// ---------------------------------------------------------------- hpa

export interface ReplicaChange {
  at: EpochMs;
  from: number;
  to: number;
  /** Matching SuccessfulRescale event, if any. */
  eventAt: EpochMs | null;
  eventMessage: string | null;
  /** The metric that event says drove the decision (`cpu resource utilization (percentage of request)`, `external metric s2-prometheus`). */
  drivenBy: string | null;
}

export interface HpaStep {
  stage: string;
  fromTarget: number;
  toTarget: number;
  plannedStartAt: EpochMs;
  /** First second whose achieved rate reached 90 % of the new target (or the planned start, see basis). */
  stepStartAt: EpochMs;
  stepStartBasis: 'achieved' | 'planned';
  maxAchievedRate: number;
  windowEnd: EpochMs;
  desiredBefore: number | null;
  firstIncrease: ReplicaChange | null;
  /** From step start to the first desired increase (s); negative when the HPA reacted during the ramp. */
  reactionS: number | null;
  /** When the Deployment reported ready >= the first increase's target. */
  readyAt: EpochMs | null;
  readyS: number | null;
  peakDesired: number | null;
  peakReadyAt: EpochMs | null;
  /** Replicas the step's target needs at the seed's per-pod rate: ceil(target / perPodRate). */
  neededReplicas: number;
  /** How neededReplicas was computed (absent in scorecards written before it). */
  neededBasis?: string;
  /** What the step's targets count (absent before WS steps: req/s). */
  unit?: 'req/s' | 'sessions';
  overshoot: number | null;
  /** Whether any second of the step broke the SLOs (failure ratio or p99). */
  sloBroken: boolean;
  /** Start of the first sustained window (10 s) in which SLOs held after the step start. */
  sloHeldAgainAt: EpochMs | null;
  sloHeldAgainS: number | null;
}

export interface ScaleDown {
  at: EpochMs;
  from: number;
  to: number;
  /** Last increase to a value above `to`: the HPA recommended at least that much then. */
  lastHigherAt: EpochMs | null;
  sinceLastHigherS: number | null;
  honoursStabilisation: boolean | null;
}

export interface HpaScore {
  hpa: string;
  workload: string;
  perPodRate: number;
  stabilisationWindowS: number;
  stabilisationSource: 'scenario' | 'kubernetes-default';
  steps: HpaStep[];
  changes: ReplicaChange[];
  flaps: number;
  scaleDowns: ScaleDown[];
  /** Event ↔ status tolerance used by the witness and why. */
  witnessToleranceMs: number;
  witnessToleranceWhy: string;
  unmatchedEvents: { at: EpochMs; message: string }[];
}

// ---------------------------------------------------------------- budget

export interface BudgetSlice {
  name: string;
  window: TimeWindow;
  requests: number;
  failed: number;
  /** Share of the run's allowed budget this slice used (%). */
  usedPctOfRun: number | null;
  /** Failure ratio / allowed failure ratio over the slice. */
  burnRate: number | null;
}

export interface BurnAlert {
  window: TimeWindow;
  maxShortBurn: number;
  maxLongBurn: number;
}

export interface BudgetScore {
  successRatio: number;
  requests: number;
  failed: number;
  allowed: number;
  usedPct: number | null;
  maxUsedPct: number;
  phases: BudgetSlice[];
  chaos: BudgetSlice[];
  burn: {
    longWindowS: number;
    shortWindowS: number;
    /** Both windows above this burn rate = a fast burn (SRE workbook's page threshold). */
    threshold: number;
    maxLong: number | null;
    maxShort: number | null;
    alerts: BurnAlert[];
  };
  ws: {
    sessions: number;
    closedByCode: Record<string, number>;
    abnormalRatio: number | null;
    limit: number | null;
  };
}

// ---------------------------------------------------------------- latency

export interface PhaseLatency {
  phase: string;
  window: TimeWindow;
  requests: number;
  seconds: number;
  /** Upper bounds of the phase quantiles derived from per-second quantiles (see latency.ts). */
  p95BoundMs: number | null;
  p99BoundMs: number | null;
  /** Worst second. */
  p95MaxMs: number | null;
  p99MaxMs: number | null;
  /** Request-weighted mean of per-second quantiles (an approximation, for trend only). */
  p95WeightedMs: number | null;
  p99WeightedMs: number | null;
}

export interface LatencyScore {
  limits: { p95?: number; p99?: number };
  run: PhaseLatency;
  phases: PhaseLatency[];
  method: string;
}

// ---------------------------------------------------------------- node and network faults

export interface LostPod {
  pod: string;
  workload: string | null;
  /** First endpoint change to not-ready / terminating / removed after the loss; null: none seen. */
  endpointOutAt: EpochMs | null;
  /** Loss → endpointOutAt (s): how long Services kept sending clients to a dead pod. */
  endpointOutS: number | null;
  /** Whether the pod stood behind a Service (had endpoint records) before the loss. */
  served: boolean;
}

export interface NodeLoss {
  chaosId: string;
  node: string;
  lostAt: EpochMs;
  returnedAt: EpochMs | null;
  /** First poll with Ready ≠ True after the loss; loss → it in s. */
  notReadyAt: EpochMs | null;
  notReadyS: number | null;
  /** Taints seen while the node was lost, with when each first appeared. */
  taints: { taint: string; at: EpochMs }[];
  pods: LostPod[];
  /** Loss → last lost endpoint out (+ 2 s), or → the node's return when an endpoint never left. */
  window: TimeWindow;
  failedRequests: number;
  expectedBaselineFailures: number;
  excessFailures: number;
  ws1006: number;
  failedPerLostPod: number | null;
  ws1006PerLostPod: number | null;
  /** Per workload that lost pods: Ready replicas dipped below their desire and came back (s after the loss). */
  capacity: { workload: string; desired: number; minReady: number; restoredS: number | null }[];
  /** Fewest Ready endpoints of the entry workloads' Services from the loss to the return (the PDB's promise). */
  minReadyEndpoints: { service: string; min: number }[];
}

export interface NodeFailScore {
  losses: NodeLoss[];
}

export interface WindowStats {
  seconds: number;
  requests: number;
  failed: number;
  failureRatio: number | null;
  /** Request-weighted mean of the per-second p50 (ms). */
  p50Ms: number | null;
  /** Upper bound of the window's p95 from the per-second quantiles (latency.ts's method). */
  p95BoundMs: number | null;
}

export interface FaultImpact {
  chaosId: string;
  what: string;
  pods: string[];
  /** Applied → undone (or the dead-man's time when the harness could not undo), cut at the load's end. */
  window: TimeWindow | null;
  baseline: WindowStats;
  during: WindowStats;
  /** during − baseline; null where either side has no data. */
  deltas: { p50Ms: number | null; p95BoundMs: number | null; failureRatio: number | null };
  /** From the undo to the first of RECOVERY_STREAK_S seconds back at baseline; null if never within the load. */
  recoveryS: number | null;
}

export interface NetworkFaultScore {
  faults: FaultImpact[];
}

// ---------------------------------------------------------------- the card

export interface Scorecard {
  schema: typeof SCORECARD_SCHEMA;
  runId: string;
  scenario: string;
  system: string;
  scale: number;
  seed: number;
  workloads: string[];
  startedAt: EpochMs;
  loadStartedAt: EpochMs | null;
  endedAt: EpochMs;
  verdict: Verdict;
  /** 0 pass, 1 fail, 3 incomplete (interrupted or infrastructure). */
  exitCode: 0 | 1 | 3;
  /** Every failed check's message, then why the run is incomplete. */
  reasons: string[];
  interrupted: { at: EpochMs; reason: string } | null;
  checks: Check[];
  drain: DrainScore | null;
  hpa: HpaScore | null;
  budget: BudgetScore | null;
  latency: LatencyScore | null;
  /** Was the plan carried out (rates, duration, chaos, shards)? Optional: absent in older report.json files. */
  adherence?: AdherenceScore | null;
  /** Node losses (node-fail.ts); absent when the run had no node-fail action. */
  nodeFail?: NodeFailScore;
  /** Network faults' impact (network-fault.ts); absent when the run had no network-fault action. */
  networkFault?: NetworkFaultScore;
  /** Approximations and attributions the numbers rely on, stated once. */
  notes: string[];
}
