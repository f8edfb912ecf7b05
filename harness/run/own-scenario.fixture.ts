// A user's own scenario as the README shows it, written to a folder outside the repo: the
// scenario file (typed with the harness's exported Scenario type) and its kustomize folder, whose
// Deployment runs OWN_IMAGE, an image built locally (the e2e test retags the stand-in as it).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const OWN_IMAGE = 'localhost/my-service:dev';
const SCENARIO_TYPES = fileURLToPath(new URL('../../scenarios/index.ts', import.meta.url));

/** Writes my-scenario.ts and k8s/ into `dir`; returns `dir`. */
export function ownScenarioFolder(dir: string): string {
  mkdirSync(join(dir, 'k8s'), { recursive: true });
  writeFileSync(
    join(dir, 'my-scenario.ts'),
    `import type { Scenario } from '${SCENARIO_TYPES}';

export default {
  name: 'my-service-rollout',
  purpose: 'a rollout of my service under load fails no request',
  system: 'my-service',
  workloads: [{ name: 'web', deploy: './k8s', object: { kind: 'Deployment', name: 'my-service' } }],
  load: { http: { entry: { workload: 'web', port: 'http', path: '/' }, stages: [{ name: 'steady', durationS: 60, target: 50 }] } },
  chaos: [{ action: 'rollout', target: 'web', atS: 20 }],
  slos: { successRatio: 0.999, latencyMs: { p95: 500 } },
  scoring: { errorBudget: { maxUsedPct: 50 } },
} satisfies Scenario;
`,
  );
  writeFileSync(join(dir, 'k8s', 'kustomization.yaml'), 'resources:\n  - deployment.yaml\n  - service.yaml\n');
  writeFileSync(
    join(dir, 'k8s', 'deployment.yaml'),
    `apiVersion: apps/v1
kind: Deployment
metadata: { name: my-service, labels: { app.kubernetes.io/name: my-service } }
spec:
  replicas: 2
  selector: { matchLabels: { app.kubernetes.io/name: my-service } }
  template:
    metadata: { labels: { app.kubernetes.io/name: my-service } }
    spec:
      terminationGracePeriodSeconds: 30
      containers:
        - name: web
          image: ${OWN_IMAGE}
          imagePullPolicy: Never
          env:
            - { name: ROLE, value: upstream }
            - { name: DRAIN_MODE, value: graceful }
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /health, port: 8080 }, periodSeconds: 2 }
          resources: { requests: { cpu: 50m, memory: 32Mi }, limits: { cpu: 500m, memory: 128Mi } }
`,
  );
  writeFileSync(
    join(dir, 'k8s', 'service.yaml'),
    `apiVersion: v1
kind: Service
metadata: { name: my-service }
spec:
  type: NodePort
  selector: { app.kubernetes.io/name: my-service }
  ports: [{ name: http, port: 8080, targetPort: 8080, nodePort: 30097 }]
`,
  );
  return dir;
}
