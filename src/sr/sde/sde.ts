import * as tf from '@tensorflow/tfjs';
import type { NoiseSource } from '../noise';
import type { ScoreFn } from './score-fn';

/** Drift f(x, t) [B,H,W,C] and diffusion g(t) [B] of dx = f dt + g dw. */
export interface SdeCoefficients {
  readonly drift: tf.Tensor4D;
  readonly diffusion: tf.Tensor1D;
}

/** Mean [B,H,W,C] and standard deviation [B] of the perturbation kernel p_0t(x(t) | x(0)). */
export interface MarginalProb {
  readonly mean: tf.Tensor4D;
  readonly std: tf.Tensor1D;
}

/** One discretisation step x_{i+1} = x_i + f_i + G_i z_i: f [B,H,W,C], G [B]. */
export interface Discretization {
  readonly f: tf.Tensor4D;
  readonly G: tf.Tensor1D;
}

/** The reverse-time SDE (Song et al. 2021, Eq. 6) or its probability-flow ODE (Eq. 13). */
export interface ReverseSde {
  readonly N: number;
  readonly T: number;
  readonly probabilityFlow: boolean;
  /** drift = f - g² s(x,t) (× ½ for the ODE), diffusion = g (0 for the ODE). One score evaluation. */
  sde(xNHWC: tf.Tensor4D, t: tf.Tensor1D): SdeCoefficients;
  /** rev_f = f - G² s(x,t) (× ½ for the ODE), rev_G = G (0 for the ODE). One score evaluation. */
  discretize(xNHWC: tf.Tensor4D, t: tf.Tensor1D): Discretization;
}

/** Reshapes a per-sample [B] tensor to [B,1,1,1] for broadcasting against NHWC. */
export function perSample(v: tf.Tensor1D): tf.Tensor4D {
  return tf.reshape(v, [v.shape[0], 1, 1, 1]);
}

/**
 * An Itô SDE dx = f(x, t) dt + g(t) dw on t ∈ [0, T] (Song et al., "Score-Based Generative
 * Modeling through Stochastic Differential Equations", ICLR 2021; score_sde's `sde_lib.SDE`).
 * Tensors are NHWC; every method returns new tensors the caller owns and disposes.
 */
export abstract class Sde {
  /** Number of discretisation steps. */
  abstract readonly N: number;
  /** End time of the forward SDE. */
  abstract readonly T: number;

  /** Drift and diffusion of the forward SDE at (x, t). */
  abstract sde(xNHWC: tf.Tensor4D, t: tf.Tensor1D): SdeCoefficients;

  /** Parameters of the perturbation kernel p_0t(x(t) | x(0) = x). */
  abstract marginalProb(xNHWC: tf.Tensor4D, t: tf.Tensor1D): MarginalProb;

  /** A draw from the prior p_T with the given NHWC shape, using one `noise.normal` draw. */
  abstract priorSampling(shapeNHWC: readonly [number, number, number, number], noise: NoiseSource): tf.Tensor4D;

  /** log p_T(z) per sample, [B]. */
  abstract priorLogp(zNHWC: tf.Tensor4D): tf.Tensor1D;

  /**
   * Discretisation x_{i+1} = x_i + f_i(x_i) + G_i z_i at time t. The default is Euler–Maruyama with
   * Δt = 1/N: f = f(x,t)Δt, G = g(t)√Δt (score_sde `SDE.discretize`).
   */
  discretize(xNHWC: tf.Tensor4D, t: tf.Tensor1D): Discretization {
    return tf.tidy(() => {
      const dt = 1 / this.N;
      const { drift, diffusion } = this.sde(xNHWC, t);
      // float32 as torch: G = diffusion * sqrt(float32(dt)).
      return {
        f: tf.mul(drift, dt) as tf.Tensor4D,
        G: tf.mul(diffusion, Math.fround(Math.sqrt(Math.fround(dt)))) as tf.Tensor1D,
      };
    });
  }

  /**
   * The reverse-time SDE dx = [f - g² ∇log p_t] dt + g dw̄ (Eq. 6), or with `probabilityFlow` the
   * ODE dx = [f - ½ g² ∇log p_t] dt (Eq. 13), with the score replaced by `scoreFn`.
   */
  reverse(scoreFn: ScoreFn, probabilityFlow = false): ReverseSde {
    const forward = this;
    const weight = probabilityFlow ? 0.5 : 1;
    return {
      N: this.N,
      T: this.T,
      probabilityFlow,
      sde(xNHWC, t) {
        return tf.tidy(() => {
          const { drift, diffusion } = forward.sde(xNHWC, t);
          const score = scoreFn(xNHWC, t);
          const g2 = perSample(tf.square(diffusion));
          return {
            drift: tf.sub(drift, tf.mul(tf.mul(g2, score), weight)) as tf.Tensor4D,
            diffusion: probabilityFlow ? tf.zerosLike(diffusion) : diffusion,
          };
        });
      },
      discretize(xNHWC, t) {
        return tf.tidy(() => {
          const { f, G } = forward.discretize(xNHWC, t);
          const score = scoreFn(xNHWC, t);
          const G2 = perSample(tf.square(G));
          return {
            f: tf.sub(f, tf.mul(tf.mul(G2, score), weight)) as tf.Tensor4D,
            G: probabilityFlow ? tf.zerosLike(G) : G,
          };
        });
      },
    };
  }
}
