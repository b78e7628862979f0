import { promises as fs } from 'node:fs';
import { ConfigError, InputError } from '../../contracts';
import type { FaceCrop, Frame, FusedIdentity } from '../../contracts';
import { fuseMean3Sigma } from '../../fuse';
import type { FaceEmbedder } from '../../fuse';
import { readImageRgb } from '../../image';
import type { RgbImage } from '../../image';
import { alignFace } from '../../track';
import type { FaceDetector } from '../../track';
import { checkBoolean, checkChoice, checkNumber, checkOptionKeys, describeValue } from '../../validate';
import { SR_CONDITIONINGS, enhanceFaces, samplingFromOptions, SR_SAMPLING_KEYS } from './enhance-faces';
import type { EnhanceProgress, EnhancedFace, SrConditioning, SrSamplingConfig, SrSamplingInput } from './enhance-faces';
import { encodeSrPng } from './encode-sr-png';
import type { SrModel } from './load-sr-model';
import { modelLrFromCrop } from './model-lr-from-crop';

/** Options of {@link enhanceImageFiles}. */
export interface EnhanceImageFilesOptions extends SrSamplingInput {
  /** The sampling settings parsed at the edge (`parseSrSamplingConfig`); instead of the {@link SrSamplingInput} keys. */
  readonly sampling?: Readonly<SrSamplingConfig>;
  readonly model: SrModel;
  /** The LR face image (LR_0). */
  readonly lrPath: string;
  /** Images of the same person whose fused embedding is F_M (required for conditioning 'fm'). */
  readonly featurePaths: readonly string[];
  /** Where to write the PNG (overwritten). */
  readonly outPath: string;
  /** The images are already aligned square face crops: no detection or alignment. Default false. */
  readonly aligned?: boolean;
  /** Face detector (required unless `aligned`). */
  readonly detector?: FaceDetector | null;
  /** Embedder giving F_M (required for conditioning 'fm'). */
  readonly embedder?: FaceEmbedder | null;
  /** Noise seed, integer in [0, 2^53 - 1]. Default 0. */
  readonly seed?: number;
  /** 'fm' (default) or 'zero' (feature-free ablation; no feature images needed). */
  readonly conditioning?: SrConditioning;
  /** LR down-scaling factor of the authors' degradation, integer dividing the model size. Default 8. */
  readonly lrScale?: number;
  /** FFHQ quad scale of the canonical alignment (alignFace `quadScale`), [0.25, 4]. Default 1. */
  readonly quadScale?: number;
  /** Side of the aligned crops the embedder sees, px (the pipeline's `align.modelSizePx`). Default 128. */
  readonly featureCropPx?: number;
  readonly onProgress?: (progress: EnhanceProgress) => void;
  readonly signal?: AbortSignal;
}

/** A face found in an input image. */
export interface FoundFace {
  readonly path: string;
  /** Null with `aligned` (the whole image is the face). */
  readonly bboxXYWH: readonly [number, number, number, number] | null;
  readonly score: number | null;
  /** Faces the detector found in the image (the largest was used). */
  readonly facesInImage: number;
}

/** What {@link enhanceImageFiles} did. */
export interface EnhanceImageFilesResult {
  readonly face: EnhancedFace;
  readonly outPath: string;
  readonly lr: FoundFace;
  readonly features: readonly FoundFace[];
  /** F_M and its fusion (null for conditioning 'zero'). */
  readonly fused: FusedIdentity | null;
}

const SAMPLING_KEYS = SR_SAMPLING_KEYS;
const KEYS = [
  ...SAMPLING_KEYS, 'sampling', 'model', 'lrPath', 'featurePaths', 'outPath', 'aligned', 'detector', 'embedder', 'seed',
  'conditioning', 'lrScale', 'quadScale', 'featureCropPx', 'onProgress', 'signal',
] as const;

/** The face of `image` aligned canonically at `sizePx` (largest detection), or the image itself when `aligned`. */
async function faceCrop(
  file: string,
  image: RgbImage,
  sizePx: number,
  aligned: boolean,
  detector: FaceDetector | null,
  quadScale: number,
): Promise<{ crop: FaceCrop; found: FoundFace }> {
  if (aligned) {
    if (image.width !== image.height) {
      throw new InputError(`${file}: --aligned expects a square aligned face crop, received ${image.width}x${image.height}`, { path: file, reason: 'not square' });
    }
    return { crop: image, found: { path: file, bboxXYWH: null, score: null, facesInImage: 1 } };
  }
  if (detector === null) throw new ConfigError('enhanceImageFiles.detector: a face detector is required unless aligned is true', { option: 'detector' });
  const frame: Frame = { sourceId: 0, index: 0, ptsMs: 0, width: image.width, height: image.height, rgb: image.rgb };
  const faces = await detector.detect(frame);
  const best = [...faces].sort((a, b) => b.bboxXYWH[2] * b.bboxXYWH[3] - a.bboxXYWH[2] * a.bboxXYWH[3])[0];
  if (best === undefined) {
    throw new InputError(`${file}: no face found (${image.width}x${image.height}); if it is already an aligned face crop, pass --aligned`, { path: file, reason: 'no face' });
  }
  const crop = alignFace(image, best.landmarks, { sizePx, quadScale }).crop;
  return { crop, found: { path: file, bboxXYWH: best.bboxXYWH, score: best.score, facesInImage: faces.length } };
}

/**
 * The paper's workflow on image files: LR_0 from `lrPath` (detected and aligned canonically, or
 * taken as an aligned crop, then degraded exactly as the authors do: `modelLrFromCrop`), F_M =
 * 3-sigma fusion (`fuseMean3Sigma`, cosine-distance rule, as the pipeline) of the embeddings of
 * the feature images' aligned faces, then {@link enhanceFaces} and a PNG labelled synthesized with
 * its provenance in text chunks.
 * @throws InputError for an unreadable image, an image without a face (when not aligned), a
 *   feature dim mismatch; ConfigError for bad options or a missing detector/embedder.
 */
export async function enhanceImageFiles(opts: EnhanceImageFilesOptions): Promise<EnhanceImageFilesResult> {
  const where = 'enhanceImageFiles';
  const raw = checkOptionKeys(where, opts, KEYS);
  const model = raw.model as SrModel;
  if (model === undefined || model === null || typeof model !== 'object' || typeof model.batchMode !== 'function') {
    throw new ConfigError(`${where}.model: expected a loaded SR model (loadSrModel), received ${describeValue(raw.model)}`, { option: 'model' });
  }
  const sampling = samplingFromOptions(where, raw, model.formulation); // validated before any file is read
  const str = (name: string, v: unknown): string => {
    if (typeof v !== 'string' || v.length === 0) throw new ConfigError(`${where}.${name}: expected a file path, received ${describeValue(v)}`, { option: name });
    return v;
  };
  const lrPath = str('lrPath', raw.lrPath);
  const outPath = str('outPath', raw.outPath);
  const conditioning = checkChoice(where, 'conditioning', raw.conditioning ?? 'fm', SR_CONDITIONINGS);
  if (!Array.isArray(raw.featurePaths)) throw new ConfigError(`${where}.featurePaths: expected an array of paths, received ${describeValue(raw.featurePaths)}`, { option: 'featurePaths' });
  const featurePaths = (raw.featurePaths as unknown[]).map((p, i) => str(`featurePaths[${i}]`, p));
  if (conditioning === 'fm' && featurePaths.length === 0) {
    throw new ConfigError(`${where}.featurePaths: at least one feature image is needed for conditioning 'fm' (or use conditioning 'zero')`, { option: 'featurePaths' });
  }
  const aligned = checkBoolean(where, 'aligned', raw.aligned ?? false);
  const seed = checkNumber(where, 'seed', raw.seed ?? 0, { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });
  const lrScale = checkNumber(where, 'lrScale', raw.lrScale ?? 8, { integer: true, min: 1 });
  const quadScale = checkNumber(where, 'quadScale', raw.quadScale ?? 1, { min: 0.25, max: 4 });
  const featureCropPx = checkNumber(where, 'featureCropPx', raw.featureCropPx ?? 128, { integer: true, min: 16, max: 1024 });
  const detector = (raw.detector ?? null) as FaceDetector | null;
  const embedder = (raw.embedder ?? null) as FaceEmbedder | null;
  if (conditioning === 'fm' && embedder === null) throw new ConfigError(`${where}.embedder: an embedder is required for conditioning 'fm'`, { option: 'embedder' });

  if (conditioning === 'fm' && embedder !== null && embedder.dim !== model.config.featDim) {
    throw new InputError(
      `feature dim mismatch: embedder ${embedder.id} gives ${embedder.dim} values, model ${model.id} expects featDim ${model.config.featDim}; ` +
        `use a model trained with this embedder (featDim ${embedder.dim}, with feature_proj) or conditioning 'zero'`,
      { option: 'embedder', expected: model.config.featDim, actual: embedder.dim },
    );
  }
  const size = model.config.imageSize;
  const lrImage = await readImageRgb(lrPath);
  const lrFace = await faceCrop(lrPath, lrImage, size, aligned, detector, quadScale);
  const lr = modelLrFromCrop(lrFace.crop, size, lrScale, model.formulation);

  let fused: FusedIdentity | null = null;
  const features: FoundFace[] = [];
  if (conditioning === 'fm' && embedder !== null) {
    const crops: FaceCrop[] = [];
    for (const file of featurePaths) {
      const f = await faceCrop(file, await readImageRgb(file), featureCropPx, aligned, detector, quadScale);
      crops.push(f.crop);
      features.push(f.found);
    }
    const embeddings = await embedder.embed(crops);
    fused = fuseMean3Sigma(embeddings, embedder.id, { threshold: 3, rule: 'cosine-distance' });
  }
  const [face] = await enhanceFaces([{ lrImageHWC: lr, size, featureVector: fused === null ? null : fused.featureVector, seed }], {
    model,
    sampling,
    ...(raw.onProgress === undefined ? {} : { onProgress: raw.onProgress as (p: EnhanceProgress) => void }),
    ...(raw.signal === undefined ? {} : { signal: raw.signal as AbortSignal }),
  });
  if (face === undefined) throw new Error(`${where}: internal error: enhanceFaces returned no face`);
  const png = await encodeSrPng(face, { 'fasr:lr': lrPath, ...(fused === null ? {} : { 'fasr:embedder': fused.embedderId, 'fasr:features': String(featurePaths.length) }) });
  try {
    await fs.writeFile(outPath, png);
  } catch (err) {
    throw new InputError(`${outPath}: cannot write the enhanced face (${err instanceof Error ? err.message : String(err)})`, { path: outPath, reason: 'unwritable' });
  }
  return Object.freeze({ face, outPath, lr: lrFace.found, features: Object.freeze(features), fused });
}
