// deploy/: the workloads' manifests and the stand-in image. The API the run calls.
export { renderWorkload, renderWorkloads, workloadFolders, kustomize, applyRunSettings, overlayDir, neededImages, renameImages } from './render.ts';
export type { KubeObject, RenderOptions, NeededImage } from './render.ts';
export { buildStandinImage, buildStandinBinary, ensureStandinInPodman, standinHash, standinRef, STANDIN_PLACEHOLDER, STANDIN_REPO, findLocalImage, saveLocalImage, canonicalTag } from './image.ts';
export type { StandinImage, LocalImage, ImageSearch } from './image.ts';
