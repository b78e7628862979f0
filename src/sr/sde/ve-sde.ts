import * as tf from '@tensorflow/tfjs';
import type { NoiseSource } from '../noise';
import { expFloat32 } from './exp-float32';
import { Sde } from './sde';
import type { Discretization, MarginalProb, SdeCoefficients } from './sde';
import { torchLinspaceFloat32 } from './torch-linspace';
import { checkNumber, checkOptionKeys, checkTensorShape } from '../../validate';

/** Configuration of the variance-exploding SDE. */
export interface VeSdeConfig {
  /** σ_min, the noise scale at t = 0. Finite, > 0. Default 0.001 (FASR). */
  readonly sigmaMin: number;
  /** σ_max, the noise scale at t = T = 1; the prior is N(0, σ_max² I). Finite, > sigmaMin. Default 348 (FASR, 128×128 faces). */
  readonly sigmaMax: number;
  /** N, the number of discretisation steps (= PC sampler steps). Integer ≥ 1. Default 2000 (FASR). */
  readonly N: number;
}

/** The FASR paper's VE SDE (configs/ve/sr_ve.py). */
export const DEFAULT_VE_SDE_CONFIG: Readonly<VeSdeConfig> = Object.freeze({ sigmaMin: 0.001, sigmaMax: 348, N: 2000 });

const VE_SDE_KEYS = ['sigmaMin', 'sigmaMax', 'N'] as const;

/**
 * Validates a (partial) VE SDE config and fills in the defaults.
 * @throws ConfigError for unknown keys, σ_min ≤ 0, σ_max ≤ σ_min, N not an integer ≥ 1.
 */
export function parseVeSdeConfig(input: unknown = {}): Readonly<VeSdeConfig> {
  const raw = checkOptionKeys('VeSdeConfig', input, VE_SDE_KEYS);
  const sigmaMin = checkNumber('VeSdeConfig', 'sigmaMin', raw.sigmaMin ?? DEFAULT_VE_SDE_CONFIG.sigmaMin, { above: 0 });
  const sigmaMax = checkNumber('VeSdeConfig', 'sigmaMax', raw.sigmaMax ?? DEFAULT_VE_SDE_CONFIG.sigmaMax, { above: sigmaMin });
  const N = checkNumber('VeSdeConfig', 'N', raw.N ?? DEFAULT_VE_SDE_CONFIG.N, { integer: true, min: 1 });
  return Object.freeze({ sigmaMin, sigmaMax, N });
}

/**
 * The variance-exploding SDE of SMLD/NCSN++ (Song et al. 2021, Eq. 9 and Appendix C):
 * dx = σ(t) √(2 ln(σ_max/σ_min)) dw, σ(t) = σ_min (σ_max/σ_min)^t, t ∈ [0, 1],
 * perturbation kernel N(x(0), σ(t)² I), prior N(0, σ_max² I). Port of score_sde's `sde_lib.VESDE`
 * with the same float32 arithmetic (see each method).
 */
export class VeSde extends Sde {
  readonly config: Readonly<VeSdeConfig>;
  readonly N: number;
  readonly T = 1;
  /** σ_i = exp(linspace(ln σ_min, ln σ_max, N)) in float32, bit-equal to score_sde's `discrete_sigmas`. */
  readonly discreteSigmas: Float32Array;
  readonly #sigmaMinF32: number;
  readonly #ratioF32: number;
  readonly #diffusionScaleF32: number;

  /** @throws ConfigError see {@link parseVeSdeConfig}. */
  constructor(config: Partial<VeSdeConfig> = {}) {
    super();
    this.config = parseVeSdeConfig(config);
    const { sigmaMin, sigmaMax, N } = this.config;
    this.N = N;
    this.discreteSigmas = torchLinspaceFloat32(Math.log(sigmaMin), Math.log(sigmaMax), N).map(expFloat32);
    this.#sigmaMinF32 = Math.fround(sigmaMin);
    this.#ratioF32 = Math.fround(sigmaMax / sigmaMin);
    // torch.sqrt(torch.tensor(2 * (log σ_max - log σ_min))) in float32.
    this.#diffusionScaleF32 = Math.fround(Math.sqrt(Math.fround(2 * (Math.log(sigmaMax) - Math.log(sigmaMin)))));
  }

  get sigmaMin(): number {
    return this.config.sigmaMin;
  }

  get sigmaMax(): number {
    return this.config.sigmaMax;
  }

  /**
   * σ(t) = σ_min (σ_max/σ_min)^t per sample, [B] → [B], in float32 (`0.001 * 348000.0f ** t` for
   * FASR). Also the noise-level label the NCSN++ score function embeds. An arrow property, so it
   * can be passed around unbound.
   */
  readonly sigma = (t: tf.Tensor1D): tf.Tensor1D =>
    tf.tidy(() => tf.mul(tf.scalar(this.#sigmaMinF32), tf.pow(tf.scalar(this.#ratioF32), t)));

  /**
   * The sampling time grid: `torch.linspace(T, eps, N)` in float32 (see {@link torchLinspaceFloat32}).
   * @throws ConfigError unless 0 < eps < T.
   */
  timesteps(eps: number): Float32Array {
    checkNumber('VeSde.timesteps', 'eps', eps, { above: 0, below: this.T });
    return torchLinspaceFloat32(this.T, eps, this.N);
  }

  /** f = 0, g(t) = σ(t) √(2 ln(σ_max/σ_min)). */
  sde(xNHWC: tf.Tensor4D, t: tf.Tensor1D): SdeCoefficients {
    this.#checkXT('VeSde.sde', xNHWC, t);
    return tf.tidy(() => {
      const sigma = this.sigma(t);
      return { drift: tf.zerosLike(xNHWC), diffusion: tf.mul(sigma, this.#diffusionScaleF32) as tf.Tensor1D };
    });
  }

  /** mean = x, std = σ(t). */
  marginalProb(xNHWC: tf.Tensor4D, t: tf.Tensor1D): MarginalProb {
    this.#checkXT('VeSde.marginalProb', xNHWC, t);
    return { mean: tf.clone(xNHWC), std: this.sigma(t) };
  }

  /** x_T = σ_max · z, z ~ N(0, I) from one `noise.normal(shape)` draw. */
  priorSampling(shapeNHWC: readonly [number, number, number, number], noise: NoiseSource): tf.Tensor4D {
    return tf.tidy(() => tf.mul(noise.normal(shapeNHWC), Math.fround(this.config.sigmaMax)) as tf.Tensor4D);
  }

  /** log N(z; 0, σ_max² I) per sample = -D/2 ln(2π σ_max²) - ‖z‖² / (2 σ_max²), D = H·W·C. */
  priorLogp(zNHWC: tf.Tensor4D): tf.Tensor1D {
    checkTensorShape('VeSde.priorLogp', 'z', zNHWC, 'BHWC', [null, null, null, null]);
    const [, h, w, c] = zNHWC.shape;
    const s2 = this.config.sigmaMax ** 2;
    const constant = (-(h * w * c) / 2) * Math.log(2 * Math.PI * s2);
    return tf.tidy(() => tf.sub(constant, tf.div(tf.sum(tf.square(zNHWC), [1, 2, 3]), 2 * s2)));
  }

  /**
   * SMLD discretisation (Eq. 8 / Appendix C): for k = ⌊t (N-1) / T⌋ (float32, truncated as
   * `.long()`), f = 0 and G = √(σ_k² - σ_{k-1}²) with σ_{-1} = 0. k is clamped to [0, N-1].
   */
  override discretize(xNHWC: tf.Tensor4D, t: tf.Tensor1D): Discretization {
    this.#checkXT('VeSde.discretize', xNHWC, t);
    return tf.tidy(() => {
      const sigmas = tf.tensor1d(this.discreteSigmas, 'float32');
      const padded = tf.concat([tf.zeros([1]), sigmas]); // padded[k + 1] = σ_k, padded[0] = σ_{-1} = 0
      const k = tf.cast(tf.clipByValue(tf.div(tf.mul(t, this.N - 1), this.T), 0, this.N - 1), 'int32'); // cast truncates like .long()
      const sigma = tf.gather(padded, tf.add(k, tf.scalar(1, 'int32')));
      const adjacent = tf.gather(padded, k);
      const G = tf.sqrt(tf.sub(tf.square(sigma), tf.square(adjacent))) as tf.Tensor1D;
      return { f: tf.zerosLike(xNHWC), G };
    });
  }

  #checkXT(where: string, xNHWC: tf.Tensor4D, t: tf.Tensor1D): void {
    checkTensorShape(where, 'x', xNHWC, 'BHWC', [null, null, null, null]);
    checkTensorShape(where, 't', t, 'B', [xNHWC.shape[0]]);
  }
}
