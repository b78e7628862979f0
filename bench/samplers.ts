/**
 * NFE vs quality of every SR sampler, against the FASR paper's 2000-step PC sampler on the same
 * held-out faces and seeds, and the default-sampler decision of issue 5 (chooseDefaultSampler:
 * the fewest-NFE row within 0.3 dB PSNR and 0.01 identity cosine of the reference).
 *
 * Faces: the validation split of a prepared training set (`--data <dir>`, held out from training),
 * or else the FASR authors' 10 CelebA probes (shared/data/faces/fasr-samples: probe_HR, probe_LR,
 * and F_M = mean of the conditioning embedder over the identity's LR_imgs), resized to the model
 * size. Face i uses seed `--seed` + i with its own noise stream (PerFaceNoiseSource), so every
 * sampler starts from the same prior draw per face. Quality: PSNR and SSIM (src/image) to the HR
 * face on [0,1] after clipping, identity cosine of dlib-resnet embeddings (an embedder that did not
 * condition the model) of the SR face and the HR face; `ref PSNR` is the PSNR to the reference
 * sample of the same face and seed.
 *
 * Run:  npm run bench:samplers -- [--model <model dir|model.json|.pth>] [--config tiny|paper|<json>]
 *         [--data <prepared dir>] [--faces 4] [--seed 0] [--engine tfjs|onnx] [--reference-steps 2000]
 *         [--grid heun:5,10,18 --grid adaptive:0.05,0.02 ...] [--out table.json]
 *       npm run bench:samplers -- --decide table.json     (re-applies the rule to a saved table)
 * Without --model: the newest models/<name>/model.json, else the tiny fixture checkpoint (32x32,
 * fixtures/fasr-reference/tiny/checkpoint.pth) to validate the script.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createFaceEmbedder, cosineSimilarity } from '../src/fuse';
import { loadFasrSampleSrFaces, loadValidationSrFaces } from '../src/eval';
import type { HeldOutSrFace, HeldOutSrFaceSet } from '../src/eval';
import { floatToUint8, psnr, ssim } from '../src/image';
import { initBackend } from '../src/runtime/backend';
import { loadModelFile, loadTorchStateDict } from '../src/sr/checkpoint';
import type { StateDict } from '../src/sr/checkpoint';
import { resolveSrModelConfig, PerFaceNoiseSource } from '../src/sr/enhance';
import { createSrEngine, parseSrEngineName } from '../src/sr/engines';
import { parseNcsnppConfig } from '../src/sr/model-config';
import type { NcsnppConfig } from '../src/sr/model-config';
import {
  chooseDefaultSampler,
  parseSamplerConfig,
  parseSamplerQualityTable,
  runSamplerConditional,
  samplerLabel,
} from '../src/sr/samplers';
import type { SamplerConfig, SamplerQualityRow } from '../src/sr/samplers';
import { makeScoreFn } from '../src/sr/score-fn';
import { VeSde } from '../src/sr/sde';

const SHARED = path.resolve(__dirname, '../../shared');
const TINY_CHECKPOINT = path.join(SHARED, 'fixtures/fasr-reference/tiny/checkpoint.pth');
const PROBES = path.join(SHARED, 'data/faces/fasr-samples');
const MODELS_DIR = path.resolve(__dirname, '../models');

const DEFAULT_GRID = [
  'heun:5,10,18,35',
  'euler-ode:10,35',
  'euler-maruyama:100,250,500',
  'reverse-diffusion:100,250,500',
  'probability-flow:100,250',
  'pc:50,100,250,500',
  'adaptive:0.1,0.05,0.02',
];

/** A held-out face (src/eval) with the seed of its noise stream. */
type Face = HeldOutSrFace & { readonly seed: number };

/** `heun steps=18`, `adaptive epsRel=0.05`: the grid's varied setting only (the JSON keeps the full label). */
function shortLabel(options: Readonly<Record<string, unknown>>): string {
  const name = String(options.sampler);
  return name === 'adaptive' ? `${name} epsRel=${String(options.epsRel)}` : `${name} steps=${String(options.steps)}`;
}

interface Row extends SamplerQualityRow {
  readonly psnrToReferenceDb: number | null;
  readonly msPerFace: number;
  readonly perFace: readonly { readonly name: string; readonly psnrDb: number; readonly ssim: number; readonly identityCosine: number }[];
}

function args(): { get: (k: string) => string | undefined; all: (k: string) => string[] } {
  const a = process.argv.slice(2);
  return {
    get: (k) => {
      const i = a.lastIndexOf(`--${k}`);
      return i >= 0 ? a[i + 1] : undefined;
    },
    all: (k) => a.flatMap((v, i) => (v === `--${k}` && a[i + 1] !== undefined ? [a[i + 1] as string] : [])),
  };
}

/** Expands `name:v1,v2` (steps; epsRel for adaptive) into sampler configs. */
function parseGrid(items: readonly string[]): SamplerConfig[] {
  return items.flatMap((item) => {
    const [name, values] = item.split(':');
    if (name === undefined || values === undefined) throw new Error(`--grid: expected name:v1,v2,..., received ${item}`);
    return values.split(',').map((v) => parseSamplerConfig(name === 'adaptive' ? { sampler: name, epsRel: Number(v) } : { sampler: name, steps: Number(v) }));
  });
}

async function loadWeights(model: string | undefined, config: string | undefined): Promise<{ config: NcsnppConfig; stateDict: StateDict; id: string }> {
  let file = model;
  if (file === undefined) {
    const bundled = fs.existsSync(MODELS_DIR)
      ? fs
          .readdirSync(MODELS_DIR)
          .map((d) => path.join(MODELS_DIR, d, 'model.json'))
          .filter((f) => fs.existsSync(f))
          .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)
      : [];
    file = bundled[0] ?? TINY_CHECKPOINT;
  }
  if (/\.(pth|pt|ckpt)$/i.test(file)) {
    const resolved = resolveSrModelConfig(config ?? (file === TINY_CHECKPOINT ? 'tiny' : 'paper'));
    return { config: resolved.config, stateDict: await loadTorchStateDict(file, { weights: 'ema' }), id: `${path.relative(process.cwd(), file)}#ema (config ${resolved.source})` };
  }
  const loaded = await loadModelFile(file, { parseConfig: parseNcsnppConfig });
  return { config: loaded.config, stateDict: loaded.stateDict, id: `${loaded.card.name} (${path.relative(process.cwd(), loaded.sidecarPath)}, sha256 ${loaded.sha256.slice(0, 12)})` };
}

/** Held-out faces: a prepared set's validation rows, or the authors' probes (src/eval loaders); face i gets seed seed0 + i. */
async function loadFaces(
  dataDir: string | undefined,
  count: number,
  seed0: number,
  size: number,
  featDim: number,
  condEmbedder: string,
): Promise<{ faces: Face[]; source: string; conditioning: string }> {
  const withSeeds = (set: HeldOutSrFaceSet): { faces: Face[]; source: string; conditioning: string } => ({
    faces: set.faces.map((f, i) => ({ ...f, seed: seed0 + i })),
    source: set.source,
    conditioning: set.conditioning,
  });
  if (dataDir !== undefined) return withSeeds(loadValidationSrFaces(dataDir, { sizePx: size, featDim, count }));
  const embedder = await createFaceEmbedder(condEmbedder);
  const fits = embedder.dim === featDim;
  try {
    const set = await loadFasrSampleSrFaces(PROBES, { sizePx: size, featDim, embedder: fits ? embedder : null, count });
    // the tiny fixture model (featDim 128) fits no shipped embedder: its probes run with a zero F_M
    return fits ? withSeeds(set) : { ...withSeeds(set), conditioning: `zero F_M (the model's featDim ${featDim} matches no ${condEmbedder} descriptor of ${embedder.dim})` };
  } finally {
    await embedder.close();
  }
}

function mean(v: readonly number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

function printTable(rows: readonly Row[], reference: Row): void {
  const header = ['sampler', 'NFE', 'PSNR dB', 'SSIM', 'id cos', 'ref PSNR dB', 'ms/face'];
  const fmt = (r: Row): string[] => [
    shortLabel(r.options),
    r.nfe.toFixed(0),
    r.psnrDb.toFixed(2),
    r.ssim.toFixed(4),
    r.identityCosine.toFixed(4),
    r.psnrToReferenceDb === null ? '-' : Number.isFinite(r.psnrToReferenceDb) ? r.psnrToReferenceDb.toFixed(2) : 'inf',
    r.msPerFace.toFixed(0),
  ];
  const lines = [header, ...[reference, ...rows].map(fmt)];
  const widths = header.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? '').length)));
  console.log(lines.map((l) => `| ${l.map((v, c) => (c === 0 ? v.padEnd(widths[c] ?? 0) : v.padStart(widths[c] ?? 0))).join(' | ')} |`).join('\n'));
}

async function main(): Promise<void> {
  const a = args();
  const decide = a.get('decide');
  if (decide !== undefined) {
    const table = parseSamplerQualityTable(JSON.parse(fs.readFileSync(decide, 'utf8')), decide);
    console.log(chooseDefaultSampler(table).reason);
    return;
  }
  const info = await initBackend('auto');
  const engineName = parseSrEngineName(a.get('engine') ?? 'tfjs');
  const faceCount = Number(a.get('faces') ?? 4);
  const seed0 = Number(a.get('seed') ?? 0);
  const referenceSteps = Number(a.get('reference-steps') ?? 2000);
  const grid = parseGrid(a.all('grid').length > 0 ? a.all('grid') : DEFAULT_GRID);
  const reference = parseSamplerConfig({ sampler: 'pc', steps: referenceSteps });

  const weights = await loadWeights(a.get('model'), a.get('config'));
  const { imageSize: size, featDim, sigmaMin, sigmaMax } = weights.config;
  const { faces, source, conditioning } = await loadFaces(a.get('data'), faceCount, seed0, size, featDim, a.get('cond-embedder') ?? 'faceres');
  const idEmbedder = await createFaceEmbedder('dlib-resnet');
  const engine = await createSrEngine({ engine: engineName, config: weights.config, stateDict: weights.stateDict });
  const sde = new VeSde({ sigmaMin, sigmaMax });
  const scoreFn = makeScoreFn(engine, sde.sigma);
  const crop = (img: Float32Array) => ({ width: size, height: size, rgb: floatToUint8(img) });
  const hrIds = await idEmbedder.embed(faces.map((f) => crop(f.hrHWC)));
  const B = faces.length;
  const y = tf.tensor4d(Float32Array.from(faces.flatMap((f) => Array.from(f.lrHWC))), [B, size, size, 3]);
  const feat = tf.tensor2d(Float32Array.from(faces.flatMap((f) => Array.from(f.featureVector))), [B, featDim]);

  let referenceImages: Float32Array[] | null = null;
  const run = async (config: SamplerConfig): Promise<Row> => {
    const label = samplerLabel(config);
    const t0 = performance.now();
    const out = await runSamplerConditional(scoreFn, y, feat, config, {
      sde,
      noise: new PerFaceNoiseSource(faces.map((f) => f.seed)),
      onProgress: ({ step, steps }) => {
        if (step % 50 === 0) process.stderr.write(`\r${shortLabel({ ...config })} ${step + 1}/${steps}   `);
      },
    });
    const ms = performance.now() - t0;
    const data = tf.tidy(() => tf.clipByValue(out.xNHWC, 0, 1).dataSync() as Float32Array);
    out.xNHWC.dispose();
    const n = size * size * 3;
    const images = faces.map((_, i) => data.slice(i * n, (i + 1) * n));
    const ids = await idEmbedder.embed(images.map(crop));
    const perFace = faces.map((f, i) => ({
      name: f.name,
      psnrDb: psnr(images[i] as Float32Array, f.hrHWC, 1),
      ssim: ssim(images[i] as Float32Array, f.hrHWC, { width: size, height: size }),
      identityCosine: cosineSimilarity(ids[i] as Float32Array, hrIds[i] as Float32Array),
    }));
    const refs = referenceImages;
    process.stderr.write(`\r${shortLabel({ ...config })}: NFE ${out.nfe} in ${(ms / 1000).toFixed(1)} s${' '.repeat(20)}\n`);
    const row: Row = {
      label,
      options: { ...config },
      nfe: out.nfe,
      psnrDb: mean(perFace.map((p) => p.psnrDb)),
      ssim: mean(perFace.map((p) => p.ssim)),
      identityCosine: mean(perFace.map((p) => p.identityCosine)),
      psnrToReferenceDb: refs === null ? null : mean(images.map((img, i) => psnr(img, refs[i] as Float32Array, 1))),
      msPerFace: ms / B,
      perFace,
    };
    if (refs === null) referenceImages = images;
    return row;
  };

  const started = new Date().toISOString();
  const referenceRow = await run(reference);
  const rows: Row[] = [];
  for (const config of grid) rows.push(await run(config));
  tf.dispose([y, feat]);
  await engine.dispose();
  await idEmbedder.close();

  const decision = chooseDefaultSampler({ reference: referenceRow, rows });
  console.log(`model: ${weights.id}, ${size}x${size}, sigma ${sigmaMin}..${sigmaMax}, featDim ${featDim}`);
  console.log(`faces: ${source}; seeds ${seed0}..${seed0 + B - 1}; conditioning: ${conditioning}`);
  console.log(`engine ${engineName} on tfjs backend ${info.name}; ${B} faces per network call; identity: ${'dlib-resnet'}`);
  console.log(`reference: ${referenceRow.label}\n`);
  printTable(rows, referenceRow);
  console.log(`\ndefault rule (chooseDefaultSampler): ${decision.reason}`);
  const outFile = a.get('out');
  if (outFile !== undefined) {
    const table = { format: 'fasr-sampler-table', version: 1, started, model: weights.id, imageSize: size, faces: source, conditioning, engine: engineName, backend: info.name, seeds: faces.map((f) => f.seed), reference: referenceRow, rows, decision: decision.chosen.label };
    fs.writeFileSync(outFile, `${JSON.stringify(table, null, 1)}\n`);
    console.log(`table written to ${outFile}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
