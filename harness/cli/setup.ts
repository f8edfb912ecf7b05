// npm run setup: build or find every tool and image a run needs, once, with progress, cached in
// the fixed tool cache (k6, kind, kubectl, the kind node image, the stand-in workload image, the
// in-cluster Prometheus image that every kind run scrapes the workloads with).
// `npm run scenario` does the same lazily; CI calls this first so the first build is its own step.
import { pathToFileURL } from 'node:url';
import { helpText, parseFlags, type FlagSpecs } from './args.ts';
import { runCli, EXIT, UsageError } from './usage.ts';
import { ensureK6, findK6 } from '../tools/k6.ts';
import { ensureKubectl, stderrProgress } from '../../clusters/index.ts';
import { ensureKind } from '../../clusters/kind/kind-binary.ts';
import { detectEngine, describeEngine } from '../../clusters/engine/detect.ts';
import { buildNodeImage, imageSize } from '../../clusters/node-image/node-image.ts';
import { buildStandinImage } from '../../deploy/index.ts';
import { buildPrometheusImage } from '../load/in-cluster/images.ts';
import { buildKedaImages } from '../../clusters/node-image/keda-images.ts';
import { KEDA_VERSION } from '../../deploy/addons/keda/versions.ts';

export const SETUP_FLAGS = {
  help: { type: 'boolean', short: 'h', help: 'this text' },
  with: { type: 'string', value: 'keda', help: 'also build an add-on\'s images (keda: KEDA for scenarios with needs.keda, ~8 min cold); the test command does' },
} satisfies FlagSpecs;

const USAGE = `usage: npm run setup [-- --with keda]

Builds or finds k6, kind, kubectl, the kind node image, the stand-in image and the in-cluster
Prometheus image, cached; with --with keda also KEDA's images.`;

export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, SETUP_FLAGS);
  if (values.help) {
    process.stdout.write(helpText(USAGE, SETUP_FLAGS));
    return EXIT.pass;
  }
  if (positionals.length > 0) throw new UsageError(`setup takes no arguments (got ${positionals.join(' ')})`);
  if (values.with !== undefined && values.with !== 'keda') throw new UsageError(`--with ${values.with}: the only add-on with images to build is keda`);
  const say = stderrProgress;
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    say(`setup: ${what} …`);
    const v = await fn();
    say(`setup: ${what} done (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return v;
  };
  await timed('k6', () => ensureK6(say));
  const k6 = await findK6();
  await timed('kind', () => ensureKind(say));
  await timed('kubectl', () => ensureKubectl(say));
  const engine = await timed('container engine', () => detectEngine({ setUp: true }));
  describeEngine(engine, say);
  if (!engine.engine) return EXIT.infrastructure;
  const node = await timed('kind node image', () => buildNodeImage(engine.engine!, say));
  const nodeSize = await imageSize(engine.engine, node.ref);
  const standin = await timed('stand-in image', () => buildStandinImage(say));
  // Built from the Go module proxy once (minutes cold): here rather than in the first run.
  const prometheus = await timed('Prometheus image (in-cluster)', () => buildPrometheusImage(say));
  const keda = values.with === 'keda' ? await timed(`KEDA ${KEDA_VERSION} images`, () => buildKedaImages(engine.engine!, say)) : null;
  process.stdout.write(
    [
      `k6 ${k6?.version ?? '?'} at ${k6?.path ?? '?'}`,
      `node image ${node.ref} (${(nodeSize / 1e9).toFixed(2)} GB)${node.report ? `, built in ${(node.report.ms / 1000).toFixed(0)} s` : ', cached'}`,
      `stand-in ${standin.ref} (${(standin.sizeBytes / 1e6).toFixed(1)} MB)`,
      `prometheus ${prometheus.ref} (${(prometheus.sizeBytes / 1e6).toFixed(1)} MB)`,
      ...(keda ? [`KEDA ${KEDA_VERSION}: ${keda.length} image archives`] : []),
      '',
    ].join('\n'),
  );
  return EXIT.pass;
}

// Run only as the entry point: importing the module (tests) runs nothing.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runCli(() => main(process.argv.slice(2)));
