import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigError } from '../../contracts';
import { fuseMean3Sigma } from '../../fuse';
import { CCTV_DEGRADATION_RANGES, degradeLikeCctv, drawCctvDegradation, uint8ToFloat, upsampleLrFace } from '../../image';
import type { CctvDegradationRanges } from '../../image';
import { edmPreconditioning, residualEdmDenoise } from '../formulation';
import { formatConfigIssues } from '../model-config';
import type { ScoreNetwork } from '../score-fn';
import type { IdentityData } from './prepare-identity-data';
import { flipHorizontalHWC } from './flip-horizontal';
import { TrainRandom, boxMullerNormal } from './train-random';
import { zoomCenterHWC } from './zoom-center';

/**
 * The residual-EDM training recipe of the bundled model (issue 16; the formulation is in
 * src/sr/formulation.ts, the reasons in docs/training.md): whole aligned faces, LR_0 degraded like
 * CCTV at its native size (12–64 px) and brought back to the model size, F_M fused from
 * low-quality crops as inference sees it (other photos of the person, or degraded copies of an
 * unlabelled face), F_M dropped to the null (zero) descriptor a share of the time, and σ drawn
 * log-normally (EDM) within [σ_min, σ_max] plus a share at σ_max, where the denoiser is the
 * one-step regression the sampler starts from.
 */
export interface ResidualRecipeConfig {
  /**
   * The objective on this recipe's data: 'residual-edm' (the variant, src/sr/formulation.ts) or
   * 'dsm' (the paper's Eq. 3 over the HR face, VE SDE of the model config; for comparing recipes on
   * the same data). Default 'residual-edm'.
   */
  readonly objective: 'residual-edm' | 'dsm';
  /** σ_d: rms of the residual HR − up(LR_0) over the training degradations. */
  readonly sigmaData: number;
  readonly sigmaMin: number;
  readonly sigmaMax: number;
  /** ln σ ~ N(pMean, pStd²), clipped to [σ_min, σ_max] (EDM's P_mean, P_std, moved to the residual's scale). */
  readonly pMean: number;
  readonly pStd: number;
  /** Share of samples at exactly σ_max (the sampler's start and the one-step regression). */
  readonly pSigmaMax: number;
  /** Share of samples with the null (all-zero) F_M: the feature-free model and classifier-free guidance. */
  readonly pNullFeatures: number;
  /** Most crops fused into one F_M. */
  readonly maxFeatureMembers: number;
  /** LR side range of LR_0 in pixels (log-uniform). */
  readonly lrSide: readonly [number, number];
  /** Relative sampling weight of each data cache (same order as the data). */
  readonly sourceWeights: readonly number[];
  readonly randomFlip: boolean;
  /**
   * Framing augmentation: each training face is zoomed about its centre by z drawn uniformly from
   * [zoom[0], zoom[1]] (zoomCenterHWC) before LR_0 is made from it, so the model also sees faces
   * framed tighter than the canonical alignment (the FASR authors' CelebA crops are ≈ 1.35x
   * tighter). Default [1, 1]: off, and no draw is made (a run's batches stay as they were).
   * Validation batches are never zoomed.
   */
  readonly zoom: readonly [number, number];
  /**
   * What the denoiser sees at σ_max. 'residual-plus-noise' (the default, and what runs before
   * 2026-12-07 late trained on): r + σ_max n, as at every other σ. 'noise': σ_max n alone, which is
   * exactly the sampler's start (x_0 = σ_max z carries nothing of r), so the σ_max rows train the
   * one-step end as the regression E[r | LR_0, F_M] it is used as. Why it matters: σ_max = 1 is only
   * ≈ 14 σ_d, and over 128×128 pixels the low frequencies of r survive that noise; a model trained
   * on r + σ_max n learns to read them (step 10,883: 24.6 dB on r + n against 22.2 dB on n alone,
   * authors ×8, 16 validation faces), and at inference reads the noise instead.
   */
  readonly sigmaMaxInput: 'residual-plus-noise' | 'noise';
}

/**
 * The recipe's sampling schedule: how often each σ, each data source and the null F_M are drawn.
 * A run may continue with other values of these (`resumeWithNewRecipe`, logged), as it may with a
 * new learning-rate schedule; the others (objective, σ_d, the σ range, LR sizes, flips) define
 * what the network learns and must stay.
 */
export const RECIPE_SCHEDULE_KEYS = Object.freeze(['pMean', 'pStd', 'pSigmaMax', 'pNullFeatures', 'maxFeatureMembers', 'sourceWeights', 'zoom', 'sigmaMaxInput'] as const);

const schema = z
  .object({
    objective: z.enum(['residual-edm', 'dsm']).default('residual-edm'),
    sigmaData: z.number().positive().finite().default(0.07),
    sigmaMin: z.number().positive().finite().default(0.002),
    sigmaMax: z.number().positive().finite().default(1),
    pMean: z.number().finite().default(-2.8),
    pStd: z.number().positive().finite().default(1.2),
    pSigmaMax: z.number().min(0).max(1).default(0.1),
    pNullFeatures: z.number().min(0).max(1).default(0.15),
    maxFeatureMembers: z.number().int().min(1).default(8),
    lrSide: z.tuple([z.number().int().min(2), z.number().int().min(2)]).default([12, 64]),
    sourceWeights: z.array(z.number().min(0).finite()).min(1).default([1]),
    randomFlip: z.boolean().default(true),
    zoom: z.tuple([z.number().min(1).max(4), z.number().min(1).max(4)]).default([1, 1]),
    sigmaMaxInput: z.enum(['residual-plus-noise', 'noise']).default('residual-plus-noise'),
  })
  .strict();

/**
 * Validates a recipe config (strict keys) and fills defaults.
 * @throws ConfigError naming every problem.
 */
export function parseResidualRecipeConfig(input: unknown = {}): ResidualRecipeConfig {
  const res = schema.safeParse(input);
  if (!res.success) {
    const lines = formatConfigIssues(res.error.issues, input, Object.keys(schema.shape));
    throw new ConfigError(`invalid residual recipe config: ${lines.join('; ')}`, { issues: lines });
  }
  const c = res.data;
  if (c.sigmaMin >= c.sigmaMax) throw new ConfigError(`invalid residual recipe config: sigmaMin ${c.sigmaMin} must be below sigmaMax ${c.sigmaMax}`);
  if (c.lrSide[0] > c.lrSide[1]) throw new ConfigError(`invalid residual recipe config: lrSide [${c.lrSide.join(', ')}] is not a range`);
  if (c.zoom[0] > c.zoom[1]) throw new ConfigError(`invalid residual recipe config: zoom [${c.zoom.join(', ')}] is not a range`);
  return Object.freeze(c);
}

/** One batch of the recipe, NHWC float32, every face of the model size s. */
export interface RecipeBatch {
  readonly batchSize: number;
  readonly size: number;
  readonly featDim: number;
  /** HR faces in [0, 1], [B,s,s,3]. */
  readonly hr: Float32Array;
  /** up(LR_0) in [0, 1], [B,s,s,3]: the network's conditioning channels. */
  readonly y: Float32Array;
  /** F_M per face (zeros for the null descriptor), [B,D]. */
  readonly feat: Float32Array;
  /** Noise level per face, [B]. */
  readonly sigma: Float32Array;
  /** Standard normal noise, [B,s,s,3]. */
  readonly noise: Float32Array;
  /** Per face, the factor of r in the denoiser's input s = signal·r + σ n: 1, or 0 for a σ_max row under `sigmaMaxInput` 'noise'. [B]. */
  readonly signal: Float32Array;
  /** Where each face came from (for logs and tests). */
  readonly rows: readonly { readonly source: number; readonly row: number; readonly lrSide: number; readonly members: number; readonly flip: boolean }[];
}

/** The authors' ×8 degradation as a CCTV draw: 16 px, antialiased triangle down, nothing else (fixtures README §7). */
export const AUTHORS_X8_RANGES: CctvDegradationRanges = Object.freeze({
  ...CCTV_DEGRADATION_RANGES,
  lrSide: Object.freeze([16, 16] as const),
  blurProbability: 0,
  noiseProbability: 0,
  jpegProbability: 0,
});

/** A uniform source of one face of one step: Philox draws of (step, face, k). */
/** First draw index of the zoom within a face's 'order' draws (the face, source and flip take the first few). */
const ZOOM_DRAW = 32768;

function drawer(rnd: TrainRandom, stream: 'order' | 'patch' | 'noise' | 'flip', step: number, face: number, first = 0): { u: () => number; normal: () => number } {
  let k = first;
  const u = (): number => rnd.uniform(stream, step, face * 65536 + k++);
  return { u, normal: () => boxMullerNormal(u) };
}

/** Faces of the same identity as `row` in its cache's split, `row` excluded (labelled caches only). */
export function identityIndex(data: IdentityData, rows: readonly number[]): Map<number, number[]> {
  const byId = new Map<number, number[]>();
  for (const r of rows) {
    const id = data.identity[r] ?? -1;
    const list = byId.get(id) ?? [];
    list.push(r);
    byId.set(id, list);
  }
  return byId;
}

/**
 * F_M of one training face, as inference sees it: the pipeline's fusion (`fuseMean3Sigma`) of
 * m ∈ [1, maxFeatureMembers] low-quality crops — one degraded copy each of m *other* photos of the
 * person in a labelled cache (falling back to the face's own copies when it has no other photo),
 * or m distinct degraded copies of the face itself in an unlabelled one.
 */
export function fuseTrainingFeatures(data: IdentityData, row: number, sameIdentity: readonly number[], maxMembers: number, u: () => number): { feat: Float32Array; members: number } {
  const k = data.manifest.copies;
  const dim = data.manifest.embedder.dim;
  const copy = (r: number, c: number): Float32Array => data.copyFeatures.subarray((r * k + c) * dim, (r * k + c + 1) * dim);
  const others = data.manifest.labelled ? sameIdentity.filter((r) => r !== row) : [];
  const picks: Float32Array[] = [];
  if (others.length > 0) {
    const m = 1 + Math.floor(u() * Math.min(maxMembers, others.length));
    const pool = [...others];
    for (let i = 0; i < m; i++) {
      const j = i + Math.floor(u() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
      picks.push(copy(pool[i] as number, Math.floor(u() * k)));
    }
  } else {
    const m = 1 + Math.floor(u() * Math.min(maxMembers, k));
    const pool = [...Array(k).keys()];
    for (let i = 0; i < m; i++) {
      const j = i + Math.floor(u() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
      picks.push(copy(row, pool[i] as number));
    }
  }
  return { feat: fuseMean3Sigma(picks, data.manifest.embedder.id, { threshold: 3, rule: 'cosine-distance' }).featureVector, members: picks.length };
}

/** The split rows of every cache and their identity index, computed once per run. */
export interface RecipeSplit {
  readonly rows: readonly (readonly number[])[];
  readonly byIdentity: readonly Map<number, number[]>[];
}

export function recipeSplit(datas: readonly IdentityData[], which: 'train' | 'validation'): RecipeSplit {
  const rows = datas.map((d) => d.manifest.split[which]);
  return { rows, byIdentity: datas.map((d, i) => identityIndex(d, rows[i] ?? [])) };
}

/**
 * The batch of `step`: a pure function of (seed, step) — faces, flips, degradations, F_M members,
 * σ and noise are Philox draws — so a resumed run sees exactly the batches of an uninterrupted one.
 * Validation batches use `step` as a fixed index (and no flips).
 */
export async function makeRecipeBatch(datas: readonly IdentityData[], split: RecipeSplit, config: ResidualRecipeConfig, seed: number, step: number, batchSize: number, opts: { readonly validation?: boolean; readonly ranges?: CctvDegradationRanges } = {}): Promise<RecipeBatch> {
  const first = datas[0];
  if (first === undefined) throw new ConfigError('residual recipe: no training data');
  const s = first.manifest.hrSizePx;
  const dim = first.manifest.embedder.dim;
  const rnd = new TrainRandom(seed);
  const px = s * s * 3;
  const hr = new Float32Array(batchSize * px);
  const y = new Float32Array(batchSize * px);
  const feat = new Float32Array(batchSize * dim);
  const sigma = new Float32Array(batchSize);
  const noise = new Float32Array(batchSize * px);
  const signal = new Float32Array(batchSize);
  const weights = datas.map((d, i) => ((split.rows[i]?.length ?? 0) > 0 ? (config.sourceWeights[i] ?? config.sourceWeights[0] ?? 1) : 0));
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) throw new ConfigError(`residual recipe: no face in the ${opts.validation === true ? 'validation' : 'training'} split of any data cache`);
  const rows: RecipeBatch['rows'][number][] = [];
  for (let b = 0; b < batchSize; b++) {
    const pick = drawer(rnd, 'order', step, b);
    let src = 0;
    for (let w = pick.u() * total; src < datas.length - 1; src++) {
      w -= weights[src] ?? 0;
      if (w < 0) break;
    }
    const data = datas[src] as IdentityData;
    const list = split.rows[src] as readonly number[];
    const row = list[Math.floor(pick.u() * list.length)] as number;
    const flip = opts.validation !== true && config.randomFlip && pick.u() < 0.5;
    const unflipped = uint8ToFloat(data.hr.subarray(row * px, (row + 1) * px));
    const flipped = flip ? flipHorizontalHWC(unflipped, s, s, 3) : unflipped;
    // Framing (zoom): drawn from the order stream far past its other draws, and only when on.
    const [z0, z1] = config.zoom;
    const face = opts.validation !== true && z1 > 1 ? zoomCenterHWC(flipped, s, 3, z0 + (z1 - z0) * drawer(rnd, 'order', step, b, ZOOM_DRAW).u()) : flipped;
    hr.set(face, b * px);
    // LR_0: a CCTV-like degradation at its native side, brought back to s.
    const deg = drawer(rnd, 'patch', step, b);
    const d = drawCctvDegradation(deg.u, opts.ranges ?? { ...CCTV_DEGRADATION_RANGES, lrSide: config.lrSide });
    const lr = await degradeLikeCctv(face, s, d, deg.normal);
    y.set(upsampleLrFace(lr, d.lrSide, s), b * px);
    // F_M, or the null descriptor.
    const fm = drawer(rnd, 'flip', step, b);
    let members = 0;
    if (fm.u() >= config.pNullFeatures) {
      const id = data.identity[row] ?? -1;
      const f = fuseTrainingFeatures(data, row, split.byIdentity[src]?.get(id) ?? [], config.maxFeatureMembers, fm.u);
      feat.set(f.feat, b * dim);
      members = f.members;
    }
    // σ and the noise.
    const nz = drawer(rnd, 'noise', step, b);
    const lnSigma = config.pMean + config.pStd * nz.normal();
    const sigmaB = nz.u() < config.pSigmaMax ? config.sigmaMax : Math.min(config.sigmaMax, Math.max(config.sigmaMin, Math.exp(lnSigma)));
    sigma[b] = sigmaB;
    signal[b] = config.sigmaMaxInput === 'noise' && sigmaB === config.sigmaMax ? 0 : 1;
    for (let i = 0; i < px; i++) noise[b * px + i] = nz.normal();
    rows.push({ source: src, row, lrSide: d.lrSide, members, flip });
  }
  return { batchSize, size: s, featDim: dim, hr, y, feat, sigma, noise, signal, rows };
}

/**
 * The recipe's loss in the generic form of the training engines, per face b:
 * w_b Σ_pixels (a_b s_b + c_b F_b − target_b)², with s = signal·r + σ n (the noisy residual, r = HR − y;
 * signal 0 only for a pure-noise σ_max row, `sigmaMaxInput`),
 * the network's x input c_in s, a = c_skip, c = c_out, target = r and w = 1/(c_out² · B · pixels):
 * EDM's λ(σ) = 1/c_out² weighting, i.e. a unit-weight regression of F on its own target, averaged.
 */
export function residualRecipeLossTerms(batch: RecipeBatch, sigmaData: number): { xIn: Float32Array; skip: Float32Array; target: Float32Array; a: Float32Array; c: Float32Array; w: Float32Array } {
  const px = batch.size * batch.size * 3;
  const xIn = new Float32Array(batch.batchSize * px);
  const skip = new Float32Array(batch.batchSize * px);
  const target = new Float32Array(batch.batchSize * px);
  const a = new Float32Array(batch.batchSize);
  const c = new Float32Array(batch.batchSize);
  const w = new Float32Array(batch.batchSize);
  for (let b = 0; b < batch.batchSize; b++) {
    const sg = batch.sigma[b] ?? 1;
    const k = batch.signal[b] ?? 1;
    const p = edmPreconditioning(sg, sigmaData);
    a[b] = p.cSkip;
    c[b] = p.cOut;
    w[b] = 1 / (p.cOut * p.cOut * batch.batchSize * px);
    for (let i = b * px; i < (b + 1) * px; i++) {
      const r = (batch.hr[i] ?? 0) - (batch.y[i] ?? 0);
      const sv = k * r + sg * (batch.noise[i] ?? 0);
      target[i] = r;
      skip[i] = sv;
      xIn[i] = p.cIn * sv;
    }
  }
  return { xIn, skip, target, a, c, w };
}

/**
 * The recipe's loss on tfjs (the reference the ONNX training graph is checked against):
 * mean over faces of (1/c_out²) · mean over pixels of (D(signal·r + σn; σ) − r)².
 */
export function residualRecipeLoss(network: ScoreNetwork, batch: RecipeBatch, sigmaData: number): tf.Scalar {
  return tf.tidy(() => {
    const shape: [number, number, number, number] = [batch.batchSize, batch.size, batch.size, 3];
    const hr = tf.tensor4d(batch.hr, shape);
    const y = tf.tensor4d(batch.y, shape);
    const sig = tf.tensor1d(batch.sigma);
    const r = tf.sub(hr, y) as tf.Tensor4D;
    const kept = tf.mul(r, tf.reshape(tf.tensor1d(batch.signal), [batch.batchSize, 1, 1, 1]));
    const noisy = tf.add(kept, tf.mul(tf.tensor4d(batch.noise, shape), tf.reshape(sig, [batch.batchSize, 1, 1, 1]))) as tf.Tensor4D;
    const d = residualEdmDenoise(network, sigmaData, noisy, y, sig, tf.tensor2d(batch.feat, [batch.batchSize, batch.featDim]));
    const perFace = tf.mean(tf.square(tf.sub(d, r)), [1, 2, 3]);
    const cOut2 = tf.div(tf.mul(tf.square(sig), sigmaData * sigmaData), tf.add(tf.square(sig), sigmaData * sigmaData));
    return tf.mean(tf.div(perFace, cOut2)) as tf.Scalar;
  });
}
