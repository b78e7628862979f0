import type * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../../contracts';
import type { NoiseSource } from '../noise';
import { Sde } from '../sde';
import { describeValue } from '../../validate';
import type { ScoreFn } from '../sde';

/** What one predictor or corrector update returns. The caller owns `x` and `xMean`. */
export interface UpdateResult {
  /** x after the update, noise included. [B,H,W,C] */
  readonly x: tf.Tensor4D;
  /** x after the update without its final noise term (the denoised output at the last step). [B,H,W,C] */
  readonly xMean: tf.Tensor4D;
  /** Network (score) evaluations this update made. */
  readonly nfe: number;
}

/** What every update needs: the SDE and where its randomness comes from. */
export interface UpdateContext {
  readonly sde: Sde;
  readonly noise: NoiseSource;
}

/** Options of the predictors (reverse diffusion, Euler–Maruyama). */
export interface PredictorOptions extends UpdateContext {
  /** Follow the probability-flow ODE instead of the reverse SDE (no noise term). Default false. */
  readonly probabilityFlow?: boolean;
}

/**
 * The one signature of every predictor and corrector (k-diffusion style: a plain function per
 * algorithm): `(scoreFn, x [B,H,W,C], t [B], options) → {x, xMean, nfe}`. Inputs are not
 * disposed; the outputs are new tensors.
 */
export type UpdateFn<O extends UpdateContext = UpdateContext> = (scoreFn: ScoreFn, xNHWC: tf.Tensor4D, t: tf.Tensor1D, opts: O) => UpdateResult;

/** Checks the shared `sde` and `noise` options. @throws ConfigError */
export function checkUpdateContext(where: string, opts: Readonly<Record<string, unknown>>): UpdateContext {
  if (!(opts.sde instanceof Sde)) {
    throw new ConfigError(`${where}.sde: expected an Sde (e.g. new VeSde()), received ${describeValue(opts.sde)}`, { option: 'sde' });
  }
  return { sde: opts.sde, noise: checkNoiseSource(where, opts.noise) };
}

/** Checks a sampler's `noise` option. @throws ConfigError `<where>.noise: expected a NoiseSource …`. */
export function checkNoiseSource(where: string, value: unknown): NoiseSource {
  const noise = value as Partial<NoiseSource> | null | undefined;
  if (noise === null || typeof noise !== 'object' || typeof noise.normal !== 'function' || typeof noise.uniform !== 'function') {
    throw new ConfigError(`${where}.noise: expected a NoiseSource (normal(shape), uniform(shape)), received ${describeValue(value)}`, {
      option: 'noise',
    });
  }
  return noise as NoiseSource;
}

/**
 * Wraps a score function so that its output shape is checked against x.
 * @throws InputError when the score function returns a tensor of another shape.
 */
export function shapeCheckedScoreFn(where: string, scoreFn: ScoreFn): ScoreFn {
  return (xNHWC, t) => {
    const s = scoreFn(xNHWC, t);
    const ok = s !== null && typeof s === 'object' && Array.isArray(s.shape) && s.shape.length === 4 && s.shape.every((d, i) => d === xNHWC.shape[i]);
    if (!ok) {
      const got = Array.isArray(s?.shape) ? `[${s.shape.join(',')}]` : describeValue(s);
      throw new InputError(`${where}: scoreFn returned ${got} for x of shape [${xNHWC.shape.join(',')}]; expected the shape of x`);
    }
    return s;
  };
}

/**
 * Wraps a score function so that each call is counted and its output shape is checked against x.
 * @throws InputError when the score function returns a tensor of another shape.
 */
export function countingScoreFn(where: string, scoreFn: ScoreFn): { readonly fn: ScoreFn; readonly calls: () => number } {
  let calls = 0;
  const checked = shapeCheckedScoreFn(where, scoreFn);
  const fn: ScoreFn = (xNHWC, t) => {
    calls += 1;
    return checked(xNHWC, t);
  };
  return { fn, calls: () => calls };
}
