// Render a workload folder's overlay with `kubectl kustomize` and apply the run's settings:
// namespace, the stand-in image ref (or the user's image), DRAIN_MODE and CPU_COST_MICROS.
// A workload's `deploy` is a folder under deploy/ (rendered at overlays/<overlay>), or an absolute
// path to the user's own kustomize folder (the scenario loader resolved it), rendered as it is.
// Pure transformation after the one shell-out, so it is unit-tested on rendered YAML.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../harness/kube/objects.ts';
import type { PlannedWorkload } from '../harness/plan/types.ts';
import { binDir } from '../harness/base/cache.ts';
import { exec } from '../harness/base/exec.ts';
import { STANDIN_REPO } from './image.ts';
import { withScaledObjects, type KedaRenderOptions } from './keda-scaled-object.ts';

export type { KubeObject } from '../harness/kube/objects.ts';

export interface RenderOptions {
  namespace: string;
  /** The stand-in image to run (from buildStandinImage). */
  imageRef: string;
  /**
   * KEDA runs in the cluster (plan.addons): a small-cluster overlay's HPAs whose seed HPA has Pods
   * metrics become ScaledObjects on the run's Prometheus (deploy/keda-scaled-object.ts).
   */
  keda?: KedaRenderOptions;
}

export const DEPLOY_ROOT = fileURLToPath(new URL('./', import.meta.url));

/** The names kustomize accepts for a folder's kustomization. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'StorageClass', 'CustomResourceDefinition', 'APIService']);

/** Workload folders: deploy/<name>/ with a base/kustomization.yaml. */
export function workloadFolders(): string[] {
  return readdirSync(DEPLOY_ROOT)
    .filter((d) => statSync(join(DEPLOY_ROOT, d)).isDirectory() && existsSync(join(DEPLOY_ROOT, d, 'base', 'kustomization.yaml')))
    .sort();
}

/** Where a workload's manifests come from, for messages: "deploy/aenebris/overlays/kind" or the user's folder. */
export function renderSource(deploy: string, overlay: string): string {
  return isAbsolute(deploy) ? deploy : `deploy/${deploy}/overlays/${overlay}`;
}

export function overlayDir(deploy: string, overlay: string): string {
  if (isAbsolute(deploy)) {
    if (!KUSTOMIZATION_FILES.some((f) => existsSync(join(deploy, f)))) throw new Error(`workload deploy="${deploy}": no kustomization.yaml there`);
    return deploy;
  }
  const dir = join(DEPLOY_ROOT, deploy, 'overlays', overlay);
  if (!existsSync(join(dir, 'kustomization.yaml'))) {
    const known = workloadFolders();
    if (!known.includes(deploy)) throw new Error(`workload deploy="${deploy}": no folder deploy/${deploy}/ (known: ${known.join(', ')})`);
    throw new Error(`workload ${deploy} overlay="${overlay}": no deploy/${deploy}/overlays/${overlay}/kustomization.yaml`);
  }
  return dir;
}

function kubectlBin(): string {
  const cached = join(binDir(), 'kubectl');
  return existsSync(cached) ? cached : 'kubectl';
}

/** `kubectl kustomize` of one overlay, parsed. */
export async function kustomize(deploy: string, overlay: string): Promise<KubeObject[]> {
  const dir = overlayDir(deploy, overlay);
  const res = await exec(kubectlBin(), ['kustomize', dir], { timeoutMs: 60_000 });
  return parseObjects(res.stdout, renderSource(deploy, overlay));
}

export function parseObjects(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: YAML: ${doc.errors[0]?.message}`);
    const obj = doc.toJS() as KubeObject | null;
    if (obj === null) continue;
    if (typeof obj.kind !== 'string' || typeof obj.metadata?.name !== 'string') throw new Error(`${source}: an object without kind or metadata.name`);
    out.push(obj);
  }
  return out;
}

/** Render one workload's folder (all its objects) with the run's settings. */
export async function renderWorkload(w: PlannedWorkload, opts: RenderOptions): Promise<KubeObject[]> {
  return renderWorkloads([w], opts);
}

/**
 * Render several planned workloads. Workloads that share a folder+overlay (e.g. basebook's
 * backend, router and frontend) render it once, each setting its own object, so applying the
 * result never resets one workload's drain mode with another's render.
 */
export async function renderWorkloads(ws: PlannedWorkload[], opts: RenderOptions): Promise<KubeObject[]> {
  const groups = new Map<string, PlannedWorkload[]>();
  for (const w of ws) {
    const key = `${w.deploy}\0${w.overlay}`;
    groups.set(key, [...(groups.get(key) ?? []), w]);
  }
  const out: KubeObject[] = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    let objs = await kustomize(first.deploy, first.overlay);
    // the seed's HPA is the `existing` overlay's (the base as it is); the user's own folders have no seed
    if (opts.keda && first.overlay !== 'existing' && !isAbsolute(first.deploy)) {
      objs = withScaledObjects(objs, await kustomize(first.deploy, 'existing'), { ...opts.keda, namespace: opts.namespace });
    }
    out.push(...applyRunSettings(objs, group, opts));
  }
  return out;
}

interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}

interface PodTemplate {
  metadata?: { annotations?: Record<string, string> };
  spec: { containers: Container[] };
}

function podTemplate(obj: KubeObject): PodTemplate | null {
  if (obj.kind !== 'Deployment' && obj.kind !== 'DaemonSet' && obj.kind !== 'StatefulSet') return null;
  const spec = obj.spec as { template?: PodTemplate } | undefined;
  return spec?.template ?? null;
}

function isStandin(image: string | undefined): boolean {
  return image !== undefined && image.startsWith(`${STANDIN_REPO}:`);
}

function setEnv(c: Container, name: string, value: string): void {
  c.env ??= [];
  const e = c.env.find((x) => x.name === name);
  if (e) e.value = value;
  else c.env.push({ name, value });
}

function seedList(t: PodTemplate, key: string, object: string): string[] | undefined {
  const raw = t.metadata?.annotations?.[`kube-chaos-harness/${key}`];
  if (raw === undefined) return undefined;
  const v: unknown = JSON.parse(raw);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${object}: annotation kube-chaos-harness/${key} is not a JSON string array`);
  return v as string[];
}

/** Pure: namespace, image and per-workload env onto rendered objects (copied, not mutated). */
export function applyRunSettings(objs: KubeObject[], ws: PlannedWorkload[], opts: RenderOptions): KubeObject[] {
  const byObject = new Map(ws.map((w) => [w.object.name, w]));
  for (const w of ws) {
    const found = objs.some((o) => o.kind === w.object.kind && o.metadata.name === w.object.name);
    if (!found) throw new Error(`workload ${w.name}: ${renderSource(w.deploy, w.overlay)} has no ${w.object.kind} "${w.object.name}"`);
  }
  return objs.map((orig) => {
    const obj = structuredClone(orig);
    if (!CLUSTER_SCOPED.has(obj.kind)) obj.metadata.namespace = opts.namespace;
    const t = podTemplate(obj);
    if (!t) return obj;
    const w = byObject.get(obj.metadata.name);
    const userImage = w?.image ?? null;
    // A workload of the user's own folder runs no stand-in: its image override replaces the image
    // of its object's first container (never ignored silently).
    const first = t.spec.containers[0];
    if (w && userImage !== null && first && !t.spec.containers.some((c) => isStandin(c.image))) first.image = userImage;
    for (const c of t.spec.containers) {
      if (!isStandin(c.image)) continue;
      if (userImage !== null) {
        // The user's real image runs with the seed's own entrypoint and preStop.
        c.image = userImage;
        const cmd = seedList(t, 'seed-command', obj.metadata.name);
        const args = seedList(t, 'seed-args', obj.metadata.name);
        const pre = seedList(t, 'seed-prestop', obj.metadata.name);
        if (cmd) c.command = cmd;
        if (args) c.args = args;
        if (pre && c.lifecycle?.preStop) c.lifecycle.preStop = { exec: { command: pre } };
        continue;
      }
      c.image = opts.imageRef;
      if (w) {
        setEnv(c, 'DRAIN_MODE', w.drain);
        if (w.cpuCostMicros !== null) setEnv(c, 'CPU_COST_MICROS', String(w.cpuCostMicros));
      }
    }
    return obj;
  });
}

/** An image the run must bring into the cluster itself: a workload's own (not the stand-in's). */
export interface NeededImage {
  image: string;
  /** "Deployment/web container web". */
  usedBy: string[];
  /** Why the harness must find it: the scenario or --set named it, or pods may never pull it. */
  required: boolean;
  /** Where the name came from, for messages. */
  source: string;
}

/**
 * Pure: the images of rendered objects that are not the stand-in, with who uses them. An image a
 * workload's `image` names (scenario or --set) is required; one that only a manifest names is
 * required when its pull policy is Never (the node may not fetch it), else the cluster may pull it.
 */
export function neededImages(objs: KubeObject[], ws: PlannedWorkload[], standinRef: string): NeededImage[] {
  const byImage = new Map<string, NeededImage>();
  const overridden = new Map(ws.filter((w) => w.image !== null).map((w) => [w.image!, w]));
  for (const obj of objs) {
    const t = podTemplate(obj);
    if (!t) continue;
    for (const c of [...((t.spec as { initContainers?: Container[] }).initContainers ?? []), ...t.spec.containers]) {
      if (!c.image || c.image === standinRef || isStandin(c.image)) continue;
      const by = overridden.get(c.image);
      const entry = byImage.get(c.image) ?? {
        image: c.image,
        usedBy: [],
        required: false,
        source: by ? `workload ${by.name}'s image` : `the manifests of ${renderSourceOf(obj, ws)}`,
      };
      entry.usedBy.push(`${obj.kind}/${obj.metadata.name} container ${c.name}`);
      entry.required ||= by !== undefined || c.imagePullPolicy === 'Never';
      byImage.set(c.image, entry);
    }
  }
  return [...byImage.values()];
}

function renderSourceOf(obj: KubeObject, ws: PlannedWorkload[]): string {
  const w = ws.find((x) => x.object.name === obj.metadata.name) ?? ws[0];
  return w ? renderSource(w.deploy, w.overlay) : obj.metadata.name;
}

/** Pure: rename images (as given → the engine's own name) in every pod template; copies. */
export function renameImages(objs: KubeObject[], names: ReadonlyMap<string, string>): KubeObject[] {
  return objs.map((orig) => {
    const obj = structuredClone(orig);
    const t = podTemplate(obj);
    if (!t) return obj;
    for (const c of [...((t.spec as { initContainers?: Container[] }).initContainers ?? []), ...t.spec.containers]) {
      const to = c.image !== undefined ? names.get(c.image) : undefined;
      if (to) c.image = to;
    }
    return obj;
  });
}

