import { InputError } from '../contracts';
import type { SrRequest } from '../contracts';
import type { FaceEmbedder } from '../fuse';
import { cosineSimilarity } from '../fuse';
import { floatToUint8, psnr, ssim } from '../image';
import { enhanceFaces } from '../sr';
import type { SrModel, SrSamplingInput } from '../sr';
import type { HeldOutSrFace } from './dataset/held-out-sr-faces';

/**
 * What the model is given besides LR_0 in the conditioning ablation of the model card:
 * - `bicubic`: no model at all, the LR input itself (the baseline);
 * - `fm`: the face's own F_M (FASR);
 * - `shuffled`: another person's F_M ({@link shuffledFeatureOrder});
 * - `zero`: the all-zero descriptor (the SR model without features).
 */
export type AblationCondition = 'bicubic' | 'fm' | 'shuffled' | 'zero';
export const ABLATION_CONDITIONS: readonly AblationCondition[] = Object.freeze(['bicubic', 'fm', 'shuffled', 'zero']);

/** One face's figures under one condition. */
export interface AblationFaceResult {
  readonly name: string;
  /** PSNR (peak 1) to HR, dB. */
  readonly psnrDb: number;
  /** SSIM (data range 1) to HR. */
  readonly ssim: number;
  /** Cosine of the identity embedder's vectors of the output and of HR. */
  readonly identityCosine: number;
}

/** Means over the faces of one condition, plus every face. */
export interface AblationConditionResult {
  readonly condition: AblationCondition;
  readonly psnrDb: number;
  readonly ssim: number;
  readonly identityCosine: number;
  readonly perFace: readonly AblationFaceResult[];
  /** Wall time of the condition's SR, ms (0 for bicubic). */
  readonly elapsedMs: number;
}

/** Options of {@link runConditioningAblation}. */
export interface ConditioningAblationOptions {
  readonly model: SrModel;
  /** Sampler settings for the SR conditions (as `enhanceFaces`). */
  readonly sampling: SrSamplingInput;
  /** Identity embedder; use one that did not condition the model. */
  readonly identityEmbedder: FaceEmbedder;
  /** Face i samples with seed `seed + i` under every SR condition. Default 0. */
  readonly seed?: number;
  /** Conditions to run, default all of {@link ABLATION_CONDITIONS}. */
  readonly conditions?: readonly AblationCondition[];
  /** Called when a condition starts and after every sampler step. */
  readonly onProgress?: (p: { readonly condition: AblationCondition; readonly facesDone: number; readonly facesTotal: number; readonly step: number; readonly steps: number }) => void;
}

/**
 * The derangement used for the `shuffled` condition: face i gets face (i + 1) mod n's F_M, so no
 * face keeps its own and every F_M is used once (a rotation; the held-out sets hold one face per
 * person or distinct people per row).
 * @throws InputError for n < 2 (nothing to shuffle with).
 */
export function shuffledFeatureOrder(n: number): number[] {
  if (!Number.isInteger(n) || n < 2) throw new InputError(`shuffledFeatureOrder: need at least 2 faces to give each another's F_M, received ${n}`);
  return Array.from({ length: n }, (_, i) => (i + 1) % n);
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Measures whether the fused features help (issue 10's model-card figures): PSNR, SSIM and identity
 * cosine to HR of bicubic, of the model with the true F_M, with a shuffled F_M and with a zero F_M,
 * every SR condition with the same per-face seeds, so the conditions differ only in F_M.
 * @throws InputError for fewer than 2 faces or faces that do not fit the model.
 */
export async function runConditioningAblation(faces: readonly HeldOutSrFace[], opts: ConditioningAblationOptions): Promise<AblationConditionResult[]> {
  const order = shuffledFeatureOrder(faces.length);
  const size = opts.model.config.imageSize;
  const seed0 = opts.seed ?? 0;
  const crop = (img: Float32Array): { width: number; height: number; rgb: Uint8Array } => ({ width: size, height: size, rgb: floatToUint8(img) });
  const hrIds = await opts.identityEmbedder.embed(faces.map((f) => crop(f.hrHWC)));
  const results: AblationConditionResult[] = [];
  for (const condition of opts.conditions ?? ABLATION_CONDITIONS) {
    opts.onProgress?.({ condition, facesDone: 0, facesTotal: faces.length, step: 0, steps: 0 });
    const t0 = performance.now();
    let outputs: Float32Array[];
    if (condition === 'bicubic') {
      outputs = faces.map((f) => f.lrHWC.map((v) => Math.min(1, Math.max(0, v))));
    } else {
      const requests: SrRequest[] = faces.map((f, i) => ({
        lrImageHWC: f.lrHWC,
        size,
        featureVector: condition === 'zero' ? null : condition === 'fm' ? f.featureVector : (faces[order[i] as number] as HeldOutSrFace).featureVector,
        seed: seed0 + i,
      }));
      const enhanced = await enhanceFaces(requests, {
        ...opts.sampling,
        model: opts.model,
        onProgress: (p) => opts.onProgress?.({ condition, facesDone: p.facesDone, facesTotal: p.facesTotal, step: p.step, steps: p.steps }),
      });
      outputs = enhanced.map((e) => e.imageHWC);
    }
    const elapsedMs = condition === 'bicubic' ? 0 : performance.now() - t0;
    const ids = await opts.identityEmbedder.embed(outputs.map(crop));
    const perFace = faces.map((f, i) => ({
      name: f.name,
      psnrDb: psnr(outputs[i] as Float32Array, f.hrHWC, 1),
      ssim: ssim(outputs[i] as Float32Array, f.hrHWC, { width: size, height: size, channels: 3, dataRange: 1 }),
      identityCosine: cosineSimilarity(ids[i] as Float32Array, hrIds[i] as Float32Array),
    }));
    results.push({
      condition,
      psnrDb: mean(perFace.map((p) => p.psnrDb)),
      ssim: mean(perFace.map((p) => p.ssim)),
      identityCosine: mean(perFace.map((p) => p.identityCosine)),
      perFace,
      elapsedMs,
    });
  }
  return results;
}
