import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigError } from '../contracts';
import { formatConfigIssues } from './model-config';
import type { ScoreNetwork } from './score-fn';

/**
 * What the network of a model computes and what its sampler starts from (stored in the model
 * file's sidecar as `formulation`; absent = the paper's):
 *
 * - `vesde-score` — the FASR paper: the network output (divided by σ inside, `scaleBySigma`) is the
 *   score of the VE SDE over the HR image; sampling starts from noise at σ_max (348); LR_0 enters
 *   as the authors' ×8 degradation of the crop (`degradeLikeAuthors`). The authors' checkpoint and
 *   every model of the paper's recipe run this path unchanged.
 * - `residual-edm` — the variant trained here (issue 16, docs/training.md): the diffusion runs over
 *   the residual r = HR − up(LR_0) (up = the authors' antialiased Keys-cubic resize to the model
 *   size), with Karras et al. 2022 (EDM) preconditioning of a denoiser
 *   D(r; σ) = c_skip(σ) r + c_out(σ) F(c_in(σ) r, up(LR_0), σ, F_M),
 *   c_skip = σ_d²/(σ²+σ_d²), c_out = σ σ_d/√(σ²+σ_d²), c_in = 1/√(σ²+σ_d²), σ_d = `sigmaData` (the
 *   residual's rms). The network runs with `scaleBySigma` false (F is raw). The samplers see the
 *   score (D − r)/σ², so every sampler of src/sr/samplers runs it; sampling starts from N(0, σ_max²)
 *   with σ_max of the model config (≈ 1, ten σ_d: up(LR_0) + noise) and the enhanced face is
 *   up(LR_0) + r. Its one-step end, D at σ_max, is a regression of HR on (LR_0, F_M). LR_0 enters
 *   at its native size (`lrInput` 'native': a 12–64 px crop upsampled once), the training range.
 */
export type SrFormulation =
  | { readonly kind: 'vesde-score' }
  | { readonly kind: 'residual-edm'; readonly sigmaData: number; readonly lrInput: 'native' };

/** The paper's formulation (models without a `formulation` entry). */
export const PAPER_FORMULATION: SrFormulation = Object.freeze({ kind: 'vesde-score' });

const schema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('vesde-score') }).strict(),
  z
    .object({
      kind: z.literal('residual-edm'),
      sigmaData: z.number().positive('expected a positive number').finite(),
      lrInput: z.literal('native'),
    })
    .strict(),
]);

/**
 * Validates a formulation (strict keys); undefined gives {@link PAPER_FORMULATION}.
 * @throws ConfigError naming every problem.
 */
export function parseSrFormulation(input: unknown): SrFormulation {
  if (input === undefined) return PAPER_FORMULATION;
  const res = schema.safeParse(input);
  if (!res.success) {
    const lines = formatConfigIssues(res.error.issues, input, ['kind', 'sigmaData', 'lrInput']);
    throw new ConfigError(`invalid model formulation (kinds: vesde-score, residual-edm): ${lines.join('; ')}`, { issues: lines });
  }
  return Object.freeze(res.data);
}

/** EDM preconditioning coefficients at noise level σ for data rms σ_d. */
export function edmPreconditioning(sigma: number, sigmaData: number): { readonly cSkip: number; readonly cOut: number; readonly cIn: number } {
  const s2 = sigma * sigma + sigmaData * sigmaData;
  return { cSkip: (sigmaData * sigmaData) / s2, cOut: (sigma * sigmaData) / Math.sqrt(s2), cIn: 1 / Math.sqrt(s2) };
}

/**
 * The residual-EDM denoiser D(r; σ) on tensors (see {@link SrFormulation}): r, y [B,H,W,3], σ [B].
 * Inputs are not disposed; the result is owned by the caller.
 */
export function residualEdmDenoise(network: ScoreNetwork, sigmaData: number, rNHWC: tf.Tensor4D, yNHWC: tf.Tensor4D, sigmas: tf.Tensor1D, feat: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const b = sigmas.shape[0];
    const d2 = sigmaData * sigmaData;
    const s2 = tf.add(tf.square(sigmas), d2);
    const cIn = tf.reshape(tf.rsqrt(s2), [b, 1, 1, 1]);
    const cSkip = tf.reshape(tf.div(d2, s2), [b, 1, 1, 1]);
    const cOut = tf.reshape(tf.mul(tf.mul(sigmas, sigmaData), tf.rsqrt(s2)), [b, 1, 1, 1]);
    const f = network.forward(tf.mul(rNHWC, cIn) as tf.Tensor4D, yNHWC, sigmas, feat);
    return tf.add(tf.mul(rNHWC, cSkip), tf.mul(f, cOut)) as tf.Tensor4D;
  });
}

/**
 * The network of a model as the samplers see it: a score network. For `vesde-score` the network
 * itself; for `residual-edm` the score of the residual, (D(r; σ) − r)/σ².
 */
export function formulationScoreNetwork(network: ScoreNetwork, formulation: SrFormulation): ScoreNetwork {
  if (formulation.kind === 'vesde-score') return network;
  const sigmaData = formulation.sigmaData;
  return {
    forward: (r, y, sigmas, feat) =>
      tf.tidy(() => {
        const d = residualEdmDenoise(network, sigmaData, r, y, sigmas, feat);
        return tf.div(tf.sub(d, r), tf.reshape(tf.square(sigmas), [sigmas.shape[0], 1, 1, 1])) as tf.Tensor4D;
      }),
  };
}

/** The enhanced face from a sampler's final state: x itself (paper), or up(LR_0) + r (residual). Not clipped. */
export function formulationOutput(formulation: SrFormulation, sampleNHWC: tf.Tensor4D, yNHWC: tf.Tensor4D): tf.Tensor4D {
  return formulation.kind === 'vesde-score' ? tf.clone(sampleNHWC) : (tf.add(sampleNHWC, yNHWC) as tf.Tensor4D);
}

/**
 * Classifier-free guidance over a network whose null condition is the all-zero descriptor:
 * out = N(∅) + w (N(F_M) − N(∅)), both rows in one network call. Linear in the network output, so
 * guiding F guides D and the score alike. w = 1 returns N(F_M) (up to rounding).
 */
export function guidedNetwork(network: ScoreNetwork, w: number): ScoreNetwork {
  return {
    forward: (x, y, sigmas, feat) =>
      tf.tidy(() => {
        const b = x.shape[0];
        const both = network.forward(tf.concat([x, x]), tf.concat([y, y]), tf.concat([sigmas, sigmas]), tf.concat([feat, tf.zerosLike(feat)]));
        const cond = tf.slice(both, [0, 0, 0, 0], [b, -1, -1, -1]);
        const uncond = tf.slice(both, [b, 0, 0, 0], [b, -1, -1, -1]);
        return tf.add(uncond, tf.mul(tf.sub(cond, uncond), w)) as tf.Tensor4D;
      }),
  };
}
