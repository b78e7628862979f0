import * as tf from '@tensorflow/tfjs';
import { InputError } from '../contracts';
import type { FaceCrop, SrRequest } from '../contracts';
import { cosineSimilarity, createFaceEmbedder, fuseMean3Sigma } from '../fuse';
import type { FaceEmbedder } from '../fuse';
import { degradeLikeAuthors, floatToUint8, resizeAntialiased, uint8ToFloat } from '../image';
import { installedPackageVersion } from '../runtime';
import { enhanceFaces, loadSrModel, parseSrSamplingConfig, srSamplingForModel } from '../sr';
import type { SrModel } from '../sr';
import { createHumanFaceDetector } from '../track';
import type { FaceDetector } from '../track';
import { loadEvalDataset } from './dataset/load-eval-dataset';
import type { EvalDatasetLayout } from './dataset/load-eval-dataset';
import { prepareEvalFaces } from './dataset/prepare-eval-faces';
import type { EvalAlignMode, FaceLoss, PreparationCounts, PreparedIdentity } from './dataset/prepare-eval-faces';
import { FM_EVAL_METHODS, SR_EVAL_METHODS, parseEvalConfig } from './eval-config';
import { loadEsrganX8 } from './esrgan-upscaler';
import type { EsrganUpscaler } from './esrgan-upscaler';
import { seededDerangement } from './seeded-derangement';
import type { EvalConfig, EvalMethod } from './eval-config';
import { aucMannWhitney, cosineSimilarityMatrix, identificationRates, imageQuality, pairedBootstrap, pairScores, rocCurve, tarAtFar } from './metrics';
import type { ImageQuality, PairedBootstrapResult, RocPoint, SimilarityMatrix, TarAtFar } from './metrics';

/** Progress of {@link runEval}: a stage and how far it is. */
export interface EvalProgress {
  readonly stage: 'prepare' | 'features' | 'sr' | 'recognition';
  readonly done: number;
  readonly total: number;
  /** e.g. the method or embedder. */
  readonly detail: string;
}

/** Recognition results of one method with one embedder. */
export interface RecognitionResult {
  /** 1:1 verification AUC over all probe–gallery pairs (Mann–Whitney, ties ½). */
  readonly auc: number;
  readonly tarAtFar: readonly TarAtFar[];
  /** Rank-k rates (k = 1, 5, 10): `average` is the reported one (random tie order). */
  readonly rank: { readonly ks: readonly number[]; readonly average: readonly number[]; readonly optimistic: readonly number[]; readonly pessimistic: readonly number[] };
  readonly genuinePairs: number;
  readonly impostorPairs: number;
  readonly roc: readonly RocPoint[];
  /** Mean cosine of the genuine pairs (probe to its own gallery image). */
  readonly meanGenuineCosine: number;
  /**
   * Mean cosine of each probe output to the embedding of that probe's own HR image (the same photo,
   * issue 16's "identity cosine to HR"; 1 for the `hr` method). Absent in results written before it.
   */
  readonly meanCosineToHr?: number;
}

/** Method A − method B with a recognition embedder: AUC and Rank-1 differences with paired bootstrap intervals. */
export interface MethodComparison extends PairedBootstrapResult {
  readonly a: string;
  readonly b: string;
  readonly embedder: string;
}

/**
 * The comparisons reported (when both methods ran): FASR − bicubic, FASR − fasr-shuffled (the
 * control for F_M), FASR − esrgan, FASR − sr-nofeat.
 */
export const EVAL_COMPARISONS: readonly (readonly [EvalMethod, EvalMethod])[] = Object.freeze([
  ['fasr', 'bicubic'],
  ['fasr', 'fasr-shuffled'],
  ['fasr', 'esrgan'],
  ['fasr', 'sr-nofeat'],
] as const);

/** Everything `fasr eval` measured, with its provenance (written as results.json). */
export interface EvalReport {
  readonly format: 'fasr-eval';
  readonly formatVersion: 2;
  readonly config: EvalConfig;
  readonly dataset: {
    readonly path: string;
    readonly layout: EvalDatasetLayout;
    readonly align: EvalAlignMode;
    readonly totalIdentities: number;
    readonly counts: PreparationCounts;
    readonly losses: readonly FaceLoss[];
    readonly ignored: readonly { readonly path: string; readonly reason: string }[];
  };
  readonly sizePx: number;
  readonly lrScale: number;
  readonly model: null | { readonly id: string; readonly sha256: string; readonly format: string; readonly imageSize: number; readonly featDim: number; readonly engine: string; readonly backend: string };
  readonly sampler: null | { readonly label: string; readonly steps: number; readonly networkEvaluations: number };
  readonly conditioningEmbedder: null | { readonly name: string; readonly id: string; readonly dim: number };
  readonly recognitionEmbedders: readonly { readonly name: string; readonly id: string; readonly dim: number }[];
  readonly versions: Readonly<Record<string, string>>;
  readonly backend: string;
  readonly startedAt: string;
  readonly wallTimeMs: number;
  readonly stageTimesMs: Readonly<Record<string, number>>;
  /** Per probe: files, feature images used, F_M members, the SR seed and whose F_M fasr-shuffled got (null without it). */
  readonly probes: readonly {
    readonly identity: string;
    readonly gallery: string;
    readonly probe: string;
    readonly features: number;
    readonly fmMembers: number | null;
    readonly seed: number;
    readonly shuffledFmOf: string | null;
  }[];
  /** The esrgan method's model, null when it did not run. */
  readonly esrgan: null | { readonly id: string; readonly sha256: string };
  /** Paired bootstrap comparisons ({@link EVAL_COMPARISONS}) per recognition embedder. */
  readonly comparisons: readonly MethodComparison[];
  /** Per method: image quality to HR and recognition per embedder name. */
  readonly results: Readonly<Record<string, { readonly imageQuality: ImageQuality; readonly recognition: Readonly<Record<string, RecognitionResult>> }>>;
}

/** Images for the sample grid: the first identities' LR, method outputs and HR (RGB 8-bit HWC). */
export interface EvalSamples {
  readonly sizePx: number;
  readonly lrSizePx: number;
  readonly rows: readonly { readonly identity: string; readonly lr: Uint8Array; readonly outputs: Readonly<Record<string, Uint8Array>>; readonly hr: Uint8Array }[];
}

/** Options of {@link runEval} besides the config. */
export interface RunEvalOptions {
  readonly onProgress?: (p: EvalProgress) => void;
}

function toCrop(imgHWC: Float32Array, size: number): FaceCrop {
  return { width: size, height: size, rgb: floatToUint8(imgHWC) };
}

async function embedAll(embedder: FaceEmbedder, crops: readonly FaceCrop[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < crops.length; i += 16) out.push(...(await embedder.embed(crops.slice(i, i + 16))));
  return out;
}

/**
 * The paper's evaluation protocol (Tables I and II) on a dataset: per identity one gallery image
 * (HR), one probe (aligned, degraded like the authors' code: `degradeLikeAuthors`, 8x), the
 * remaining images degraded the same way and embedded with the conditioning embedder and fused
 * (3-sigma rule, then the mean) into F_M. Each method turns the probe into an image (bicubic: the
 * degraded probe; sr-nofeat / fasr: the SR model with F_M = 0 / F_M; hr: the HR probe), which is
 * compared with every gallery image by each recognition embedder (cosine): 1:1 verification ROC,
 * AUC and TAR@FAR over all pairs, 1:N Rank-1/5/10; and with its HR probe: PSNR, SSIM.
 *
 * @throws ConfigError for bad settings; InputError for a bad dataset, too few identities left
 *   after preparation, a conditioning embedder whose dim is not the model's featDim; what
 *   loadSrModel / the embedders / the detector throw. Uses the active tfjs backend.
 */
export async function runEval(input: unknown, options: RunEvalOptions = {}): Promise<{ report: EvalReport; samples: EvalSamples }> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const config = parseEvalConfig(input);
  const onProgress = options.onProgress ?? ((): void => undefined);
  const stageTimesMs: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const s = performance.now();
    try {
      return await f();
    } finally {
      stageTimesMs[name] = (stageTimesMs[name] ?? 0) + (performance.now() - s);
    }
  };
  const useSr = config.methods.some((m) => SR_EVAL_METHODS.includes(m));
  const useFm = config.methods.some((m) => FM_EVAL_METHODS.includes(m));
  const sampling = parseSrSamplingConfig({
    ...(config.sampler === undefined ? {} : { sampler: config.sampler }),
    ...(config.steps === undefined ? {} : { steps: config.steps }),
    batchSize: config.batchSize,
  }, 'eval');
  const source = await loadEvalDataset(config.dataset, config.limit);
  const align: EvalAlignMode = config.align === 'auto' ? (source.layout === 'fasr-samples' ? 'none' : 'detect') : config.align;

  let model: SrModel | null = null;
  let detector: FaceDetector | null = null;
  let condEmbedder: FaceEmbedder | null = null;
  let condEmbedderInfo: EvalReport['conditioningEmbedder'] = null;
  let esrgan: EsrganUpscaler | null = null;
  try {
    if (useSr) {
      model = await timed('loadModel', () => loadSrModel({ engine: config.engine, ...(config.model === undefined ? {} : { model: config.model }), ...(config.modelConfig === undefined ? {} : { config: config.modelConfig }) }));
    }
    const sizePx = model === null ? config.sizePx : model.config.imageSize;
    if (sizePx % config.lrScale !== 0) throw new InputError(`eval: lrScale ${config.lrScale} must divide the face size ${sizePx}`, { option: 'lrScale' });
    if (useFm && model !== null) {
      condEmbedder = await createFaceEmbedder(config.embedder);
      condEmbedderInfo = { name: config.embedder, id: condEmbedder.id, dim: condEmbedder.dim };
      if (condEmbedder.dim !== model.config.featDim) {
        throw new InputError(
          `eval: feature dim mismatch: the conditioning embedder ${condEmbedder.id} gives ${condEmbedder.dim} values, model ${model.id} expects featDim ${model.config.featDim}; ` +
            `pass --embedder of the model's conditioning, or leave ${FM_EVAL_METHODS.join(' and ')} out of --methods`,
          { option: 'embedder', expected: model.config.featDim, actual: condEmbedder.dim },
        );
      }
    }
    if (align === 'detect') detector = await createHumanFaceDetector({});
    const prepared = await timed('prepare', () =>
      prepareEvalFaces(source, {
        sizePx,
        align,
        detector,
        quadScale: config.quadScale,
        detectPadFraction: config.detectPadFraction,
        minFaces: useFm ? 3 : 2,
        ...(useFm ? (config.maxFeatures === undefined ? {} : { maxFaces: 2 + config.maxFeatures }) : { maxFaces: 2 }),
        onProgress: (done, total) => onProgress({ stage: 'prepare', done, total, detail: align === 'detect' ? 'detect + align' : 'crops' }),
      }),
    );
    await detector?.close();
    detector = null;
    const ids = prepared.identities;
    if (ids.length < 2) {
      throw new InputError(`eval: ${ids.length} identit${ids.length === 1 ? 'y' : 'ies'} left after preparation of ${source.path}; the protocol needs at least 2 (losses: ${prepared.losses.length}, first: ${prepared.losses[0]?.reason ?? 'none'})`, {
        path: source.path,
        reason: 'too few identities',
      });
    }
    const s = sizePx;
    const hrProbe = ids.map((p) => uint8ToFloat(p.probe.rgb));
    // LR_0 as the model takes it: the authors' degradation, quantised once to 8 bits (modelLrFromCrop's rule).
    const lrProbe = hrProbe.map((hr) => uint8ToFloat(floatToUint8(degradeLikeAuthors(hr, s, { scale: config.lrScale }))));
    const seeds = ids.map((_, i) => config.seed + i);
    // fasr-shuffled: identity i gets the F_M of identity shuffled[i] (a derangement fixed by the seed).
    const shuffled = config.methods.includes('fasr-shuffled') ? seededDerangement(ids.length, config.seed) : null;

    // F_M per identity from its degraded feature images (the pipeline's fusion rule).
    let fms: (Float32Array | null)[] = ids.map(() => null);
    const fmMembers: (number | null)[] = ids.map(() => null);
    if (useFm && condEmbedder !== null) {
      const emb = condEmbedder;
      fms = await timed('features', async () => {
        const out: Float32Array[] = [];
        for (const [i, p] of ids.entries()) {
          // One rule (docs/eval.md): HR feature images are degraded like the probe; images that are already low-resolution (the authors' LR_imgs) are used as they are.
          const crops = p.featuresLowRes ? [...p.features] : p.features.map((c) => toCrop(degradeLikeAuthors(uint8ToFloat(c.rgb), s, { scale: config.lrScale }), s));
          const fused = fuseMean3Sigma(await embedAll(emb, crops), emb.id, { threshold: 3, rule: 'cosine-distance' });
          fmMembers[i] = fused.memberIndices.length;
          out.push(fused.featureVector);
          onProgress({ stage: 'features', done: i + 1, total: ids.length, detail: emb.id });
        }
        return out;
      });
    }

    const outputs: Record<string, Float32Array[]> = {};
    let samplerInfo: EvalReport['sampler'] = null;
    for (const method of config.methods) {
      if (method === 'bicubic') outputs[method] = lrProbe;
      else if (method === 'hr') outputs[method] = hrProbe;
      else if (method === 'esrgan') {
        // The 16x16 LR of the authors' degradation (its first stage), quantised to 8 bits as an LR image is stored, upscaled x8.
        const lrSize = s / config.lrScale;
        const up = await timed('loadEsrgan', () => loadEsrganX8());
        esrgan = up;
        const lrSmall = hrProbe.map((hr) => uint8ToFloat(floatToUint8(resizeAntialiased(hr, s, s, 3, lrSize, lrSize, 'triangle'))));
        outputs[method] = await timed('esrgan', async () => up.upscale(lrSmall, lrSize).map((o) => uint8ToFloat(floatToUint8(o))));
        onProgress({ stage: 'sr', done: ids.length, total: ids.length, detail: 'esrgan: done' });
      } else {
        const m = model as SrModel;
        const fmFor = (i: number): Float32Array | null => (method === 'fasr' ? (fms[i] as Float32Array) : method === 'fasr-shuffled' ? (fms[(shuffled as number[])[i] as number] as Float32Array) : null);
        const requests: SrRequest[] = ids.map((_, i) => ({ lrImageHWC: lrProbe[i] as Float32Array, size: s, featureVector: fmFor(i), seed: seeds[i] as number }));
        const faces = await timed(`sr:${method}`, () =>
          enhanceFaces(requests, {
            model: m,
            sampling, // parsed once above
            onProgress: (p) => onProgress({ stage: 'sr', done: p.facesDone, total: p.facesTotal, detail: `${method}: batch ${p.batch + 1}/${p.batches}, step ${p.step + 1}/${p.steps}` }),
          }),
        );
        onProgress({ stage: 'sr', done: ids.length, total: ids.length, detail: `${method}: done` });
        const f0 = faces[0];
        if (f0 !== undefined) samplerInfo = { label: f0.sampler, steps: f0.steps, networkEvaluations: f0.networkEvaluations };
        // Scored as the 8-bit images a user gets.
        outputs[method] = faces.map((f) => uint8ToFloat(floatToUint8(f.imageHWC)));
      }
    }
    await condEmbedder?.close();
    condEmbedder = null;
    const esrganInfo = esrgan === null ? null : { id: esrgan.id, sha256: esrgan.sha256 };
    esrgan?.dispose();
    esrgan = null;

    const probeIds = ids.map((p) => p.id);
    const results: Record<string, { imageQuality: ImageQuality; recognition: Record<string, RecognitionResult> }> = {};
    for (const method of config.methods) results[method] = { imageQuality: imageQuality(outputs[method] as Float32Array[], hrProbe, s), recognition: {} };
    const recognitionEmbedders: { name: string; id: string; dim: number }[] = [];
    const comparisons: MethodComparison[] = [];
    for (const name of config.recognition) {
      const matrices: Record<string, SimilarityMatrix> = {};
      const emb = await createFaceEmbedder(name);
      try {
        recognitionEmbedders.push({ name, id: emb.id, dim: emb.dim });
        const galleryEmb = await timed(`recognition:${name}`, () => embedAll(emb, ids.map((p) => p.gallery)));
        const hrEmb = await timed(`recognition:${name}`, () => embedAll(emb, hrProbe.map((img) => toCrop(img, s))));
        for (const [mi, method] of config.methods.entries()) {
          const probeEmb = await timed(`recognition:${name}`, () => embedAll(emb, (outputs[method] as Float32Array[]).map((img) => toCrop(img, s))));
          const m = cosineSimilarityMatrix(probeEmb, galleryEmb, probeIds, probeIds);
          matrices[method] = m;
          const scores = pairScores(m);
          const roc = rocCurve(scores);
          const rates = identificationRates(m, [1, 5, 10]);
          (results[method] as { recognition: Record<string, RecognitionResult> }).recognition[name] = {
            auc: aucMannWhitney(scores),
            tarAtFar: config.farTargets.map((f) => tarAtFar(roc, f)),
            rank: { ks: rates.ks, average: rates.average, optimistic: rates.optimistic, pessimistic: rates.pessimistic },
            genuinePairs: scores.genuine.length,
            impostorPairs: scores.impostor.length,
            roc,
            meanGenuineCosine: scores.genuine.reduce((a, b) => a + b, 0) / scores.genuine.length,
            meanCosineToHr: probeEmb.reduce((a, e, i) => a + cosineSimilarity(e, hrEmb[i] as Float32Array), 0) / probeEmb.length,
          };
          onProgress({ stage: 'recognition', done: mi + 1, total: config.methods.length, detail: `${name}: ${method}` });
        }
        for (const [a, b] of EVAL_COMPARISONS) {
          const ma = matrices[a];
          const mb = matrices[b];
          if (ma === undefined || mb === undefined) continue;
          comparisons.push({ a, b, embedder: name, ...pairedBootstrap(ma, mb, { resamples: config.bootstrapResamples, level: 0.95, seed: config.seed }) });
        }
      } finally {
        await emb.close();
      }
    }

    const lrSize = s / config.lrScale;
    const samples: EvalSamples = {
      sizePx: s,
      lrSizePx: lrSize,
      rows: ids.slice(0, config.gridIdentities).map((p, i) => ({
        identity: p.id,
        lr: floatToUint8(resizeAntialiased(hrProbe[i] as Float32Array, s, s, 3, lrSize, lrSize, 'triangle')),
        outputs: Object.fromEntries(config.methods.map((m) => [m, floatToUint8((outputs[m] as Float32Array[])[i] as Float32Array)])),
        hr: p.probe.rgb,
      })),
    };
    // no face enhanced: the settings for the model's formulation (its default sampler when none was named)
    const planned = model === null ? sampling : srSamplingForModel(sampling, model.formulation);
    const report: EvalReport = {
      format: 'fasr-eval',
      formatVersion: 2,
      config,
      dataset: { path: source.path, layout: source.layout, align, totalIdentities: source.totalIdentities, counts: prepared.counts, losses: prepared.losses, ignored: source.ignored },
      sizePx: s,
      lrScale: config.lrScale,
      model:
        model === null
          ? null
          : { id: model.id, sha256: model.sha256, format: model.format, imageSize: model.config.imageSize, featDim: model.config.featDim, engine: model.engine, backend: model.backend },
      sampler: useSr ? (samplerInfo ?? { label: planned.label, steps: planned.fixedSteps ?? 0, networkEvaluations: 0 }) : null,
      conditioningEmbedder: condEmbedderInfo,
      recognitionEmbedders,
      versions: versions(),
      backend: tf.getBackend(),
      startedAt,
      wallTimeMs: performance.now() - t0,
      stageTimesMs,
      probes: ids.map((p: PreparedIdentity, i) => ({
        identity: p.id,
        gallery: p.files.gallery,
        probe: p.files.probe,
        features: p.features.length,
        fmMembers: fmMembers[i] ?? null,
        seed: seeds[i] as number,
        shuffledFmOf: shuffled === null ? null : (ids[shuffled[i] as number] as PreparedIdentity).id,
      })),
      results,
      esrgan: esrganInfo,
      comparisons,
    };
    return { report, samples };
  } finally {
    esrgan?.dispose();
    await detector?.close();
    await condEmbedder?.close();
    await model?.dispose();
  }
}

function versions(): Record<string, string> {
  const v: Record<string, string> = { node: process.version };
  for (const p of ['fasr', '@tensorflow/tfjs', '@vladmandic/human', '@vladmandic/face-api', 'sharp']) v[p] = installedPackageVersion(p) ?? 'not installed';
  return v;
}
