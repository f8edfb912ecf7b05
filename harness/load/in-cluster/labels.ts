// The label on the harness's own pods in a run's namespace (k6 runners, the run's Prometheus):
// chaos never selects a pod that carries it. No imports, so chaos can read it cheaply.
export const HARNESS_ROLE_LABEL = 'kube-chaos-harness/role';
export const RUNNER_ROLE = 'load-runner';
export const PROMETHEUS_ROLE = 'prometheus';

/** True for the harness's own pods (any value of the role label): never a chaos victim. */
export function isHarnessPod(labels: Record<string, string> | undefined): boolean {
  return labels?.[HARNESS_ROLE_LABEL] !== undefined;
}
