// Pure: manifests whose images were pushed to a registry (--registry) instead of loaded into the
// nodes. Each container whose image was pushed gets the registry's name for it, and a pull policy
// of Never becomes IfNotPresent: the image is not on the node until the node pulls it.
// One function for every pod the run makes: the workloads' templates, the k6 runners, Prometheus.

interface Container {
  image?: string;
  imagePullPolicy?: string;
}

interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
}

/** The pod spec of a Pod, of a workload's template, or of a CronJob's job template; null for other kinds. */
function podSpecOf(obj: { kind: string; spec?: unknown }): PodSpec | null {
  const spec = obj.spec as { template?: { spec?: PodSpec }; jobTemplate?: { spec?: { template?: { spec?: PodSpec } } } } | undefined;
  if (!spec) return null;
  if (obj.kind === 'Pod') return spec as PodSpec;
  if (obj.kind === 'CronJob') return spec.jobTemplate?.spec?.template?.spec ?? null;
  return spec.template?.spec ?? null;
}

/** Copies of `objects` with every pushed image (local name → registry name) renamed and pullable. */
export function pullFromRegistry<T extends { kind: string; spec?: unknown }>(objects: readonly T[], pushed: ReadonlyMap<string, string>): T[] {
  if (pushed.size === 0) return [...objects];
  return objects.map((orig) => {
    const obj = structuredClone(orig);
    const pod = podSpecOf(obj);
    for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
      const to = c.image !== undefined ? pushed.get(c.image) : undefined;
      if (!to) continue;
      c.image = to;
      if (c.imagePullPolicy === 'Never') c.imagePullPolicy = 'IfNotPresent';
    }
    return obj;
  });
}
