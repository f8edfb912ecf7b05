// KEDA in a kind cluster, only when the run asks for it (ClusterOptions.addons): its images loaded
// one archive each, KEDA's own manifests (the module's config/ through deploy/addons/keda)
// applied server-side, then waited for until its pods are Ready and the external metrics API
// answers through the API server (what the HPAs KEDA makes read). Each step prints its time.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { cacheDir } from '../../harness/base/cache.ts';
import { exec, toolEnv } from '../../harness/base/exec.ts';
import { KEDA_APISERVICE, KEDA_COMPONENTS, KEDA_DEPLOYMENTS, KEDA_KUSTOMIZATION, KEDA_NAMESPACE, KEDA_VERSION } from '../../deploy/addons/keda/versions.ts';
import { ensureKubectl, kubectl, type KubeTarget } from '../kubectl.ts';
import { kedaModuleDir } from '../node-image/keda-images.ts';
import type { ProgressSink } from '../provider.ts';
import { seconds, timedStep } from '../progress.ts';
import { rawAnswers, waitForAggregatedApi } from './aggregated-api.ts';

const EXTERNAL_METRICS = { apiService: KEDA_APISERVICE, path: '/apis/external.metrics.k8s.io/v1beta1' };

/** Images of the rendered manifests that are not the ones built here (would never start: no pulls). */
export function foreignImages(manifest: string): string[] {
  const ours = new Set(KEDA_COMPONENTS.map((c) => c.image));
  const seen = new Set<string>();
  for (const doc of parseAllDocuments(manifest)) {
    const o = doc.toJS() as { spec?: { template?: { spec?: { containers?: { image?: string }[]; initContainers?: { image?: string }[] } } } } | null;
    const pod = o?.spec?.template?.spec;
    for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) if (c.image && !ours.has(c.image)) seen.add(c.image);
  }
  return [...seen].sort();
}

/** KEDA's manifests rendered once per version (kubectl kustomize over a copy of the module's config/). */
export async function kedaManifest(progress: ProgressSink): Promise<string> {
  const out = join(cacheDir('keda', KEDA_VERSION), 'keda.yaml');
  if (existsSync(out)) return readFileSync(out, 'utf8');
  const src = await kedaModuleDir(progress);
  const dir = join(cacheDir('keda', KEDA_VERSION), 'kustomize');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(src, 'config'), join(dir, 'upstream'), { recursive: true });
  copyFileSync(KEDA_KUSTOMIZATION, join(dir, 'kustomization.yaml'));
  const r = await exec(await ensureKubectl(progress), ['kustomize', dir], { env: toolEnv(), timeoutMs: 120_000 });
  const foreign = foreignImages(r.stdout);
  if (foreign.length) throw new Error(`KEDA ${KEDA_VERSION} manifests name images not built here: ${foreign.join(', ')} (deploy/addons/keda/kustomization.yaml rewrites only ${KEDA_COMPONENTS.map((c) => c.upstreamImage).join(', ')})`);
  writeFileSync(`${out}.partial`, r.stdout);
  renameSync(`${out}.partial`, out);
  rmSync(dir, { recursive: true, force: true });
  return r.stdout;
}

/** KEDA already runs here with this version's images (a reused cluster): the install is skipped. */
export async function kedaInstalled(target: KubeTarget): Promise<boolean> {
  const r = await kubectl(target, ['-n', KEDA_NAMESPACE, 'get', 'deploy', ...KEDA_DEPLOYMENTS, '-o', 'jsonpath={range .items[*]}{.spec.template.spec.containers[0].image}{"\\n"}{end}'], {
    timeoutMs: 20_000,
    nothrow: true,
  });
  if (r.code !== 0) return false;
  const images = r.stdout.split('\n').filter(Boolean);
  return images.length === KEDA_DEPLOYMENTS.length && KEDA_COMPONENTS.every((c) => images.includes(c.image));
}

const apply = (target: KubeTarget, yaml: string) =>
  kubectl(target, ['apply', '--server-side', '--force-conflicts', '--field-manager=kube-chaos-harness', '-f', '-'], { timeoutMs: 180_000, input: yaml });

export interface KedaInstallDeps {
  /** The cluster's image loader and KEDA's archives (built by the caller for its engine). */
  loadImages(archives: string[]): Promise<void>;
  archives(): Promise<string[]>;
}

/** Install KEDA unless this version already runs; returns whether it installed. */
export async function ensureKeda(target: KubeTarget, deps: KedaInstallDeps, progress: ProgressSink): Promise<boolean> {
  if (await kedaInstalled(target)) {
    await timedStep(progress, `KEDA ${KEDA_VERSION} present: wait for ${KEDA_APISERVICE}`, async () => {
      const failure = await rawAnswers(target, EXTERNAL_METRICS.path, 120_000);
      if (failure) throw new Error(`KEDA is installed but ${EXTERNAL_METRICS.path} does not answer: ${failure}`);
    });
    return false;
  }
  const started = Date.now();
  const archives = await timedStep(progress, `KEDA ${KEDA_VERSION} images (built once, cached)`, () => deps.archives());
  await timedStep(progress, `KEDA load ${archives.length} images into the nodes`, () => deps.loadImages(archives));
  const manifest = await timedStep(progress, `KEDA manifests (module config/ + deploy/addons/keda)`, () => kedaManifest(progress));
  // server-side: KEDA's CRDs exceed the 256 KiB last-applied annotation of a client-side apply
  await timedStep(progress, 'KEDA apply (server-side)', () => apply(target, manifest));
  await timedStep(progress, `KEDA pods Ready (${KEDA_DEPLOYMENTS.join(', ')})`, async () => {
    // the operator restarts once by itself after it has written its kedaorg-certs Secret
    for (const d of KEDA_DEPLOYMENTS) await kubectl(target, ['-n', KEDA_NAMESPACE, 'rollout', 'status', `deploy/${d}`, '--timeout=300s'], { timeoutMs: 310_000 });
  });
  await timedStep(progress, `KEDA ${KEDA_APISERVICE} Available, external metrics API answering`, () => waitForAggregatedApi(target, EXTERNAL_METRICS, 180, 60_000));
  progress(`KEDA ${KEDA_VERSION} installed in ${seconds(Date.now() - started)}`);
  return true;
}
