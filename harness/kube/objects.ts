// The shape of a Kubernetes object as the harness renders and applies it (a manifest document):
// defined once here, for deploy/ (render) and harness/deploy/ (apply, readiness).
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

/** "Deployment/ns/name": how messages name an object. */
export function objectRef(o: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}
