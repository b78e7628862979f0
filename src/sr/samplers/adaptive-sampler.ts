import * as tf from '@tensorflow/tfjs';
import { ConfigError, FasrError } from '../../contracts';
import { Sde, perSample } from '../sde';
import { checkBoolean, checkNumber, checkOptionKeys, describeValue } from '../../validate';
import type { ScoreFn } from '../sde';
import type { SamplerResult } from './sampler-loop';
import { yieldToEventLoop } from './sampler-loop';
import { RUN_OPTION_KEYS, checkRunOptions, checkShapeNHWC } from './sampler-run-options';
import type { SamplerRunOptions } from './sampler-run-options';
import { countingScoreFn } from './update-fn';

/** Settings of {@link adaptiveSample} ("Gotta Go Fast", Jolicoeur-Martineau et al. 2021, Algorithm 1). */
export interface AdaptiveSamplerConfig {
  /** ε_abs, absolute tolerance per element. Finite, > 0. Default 0.0039 (the authors' VE setting: data in [0, 1], ≈ 1/256). */
  readonly epsAbs: number;
  /** ε_rel, relative tolerance per element. Finite, ≥ 0. Default 0.01 (the authors'; 0.02–0.1 trade quality for speed). */
  readonly epsRel: number;
  /** Initial step size h in diffusion time. In (0, 1]. Default 0.01 (the authors'). */
  readonly hInit: number;
  /** θ, safety factor of the step-size update. In (0, 1]. Default 0.9 (the authors'). */
  readonly safety: number;
  /** r, exponent of the step-size update h ← θ h E^{−r}. Finite, > 0. Default 0.9 (the authors'). */
  readonly exponent: number;
  /** End time ε of the integration (then one denoising step at ε). In (0, T). Default 1e-5 (FASR's VE sampling eps). */
  readonly eps: number;
  /** Extrapolate: continue from the Improved-Euler solution (true, the authors') or from Euler–Maruyama's (false). Default true. */
  readonly extrapolation: boolean;
  /** Finish with x + σ(ε)² s(x, ε) (one more evaluation). Default true (the authors'). */
  readonly denoise: boolean;
  /** Most network evaluations before giving up with an error. Integer ≥ 3. Default 10000. */
  readonly maxNfe: number;
}

/** The authors' settings for the VE SDE (their experiments.sh: abstol 0.0039, reltol 0.01; safety and exponent 0.9; h_init 0.01). */
export const DEFAULT_ADAPTIVE_SAMPLER_CONFIG: Readonly<AdaptiveSamplerConfig> = Object.freeze({
  epsAbs: 0.0039,
  epsRel: 0.01,
  hInit: 0.01,
  safety: 0.9,
  exponent: 0.9,
  eps: 1e-5,
  extrapolation: true,
  denoise: true,
  maxNfe: 10000,
});

/** Keys of {@link AdaptiveSamplerConfig}. */
export const ADAPTIVE_SAMPLER_CONFIG_KEYS = ['epsAbs', 'epsRel', 'hInit', 'safety', 'exponent', 'eps', 'extrapolation', 'denoise', 'maxNfe'] as const;

/**
 * Validates the fields of a (partial) adaptive-solver config and fills in the defaults (no
 * unknown-key check). eps is checked against T = 1 (the VE SDE's end time) unless given.
 * @throws ConfigError `<where>.<key>: expected …, received …`.
 */
export function parseAdaptiveSamplerConfig(raw: Readonly<Record<string, unknown>>, where = 'AdaptiveSamplerConfig', T = 1): Readonly<AdaptiveSamplerConfig> {
  const d = DEFAULT_ADAPTIVE_SAMPLER_CONFIG;
  return Object.freeze({
    epsAbs: checkNumber(where, 'epsAbs', raw.epsAbs ?? d.epsAbs, { above: 0 }),
    epsRel: checkNumber(where, 'epsRel', raw.epsRel ?? d.epsRel, { min: 0 }),
    hInit: checkNumber(where, 'hInit', raw.hInit ?? d.hInit, { above: 0, max: T }),
    safety: checkNumber(where, 'safety', raw.safety ?? d.safety, { above: 0, max: 1 }),
    exponent: checkNumber(where, 'exponent', raw.exponent ?? d.exponent, { above: 0 }),
    eps: checkNumber(where, 'eps', raw.eps ?? d.eps, { above: 0, below: T }),
    extrapolation: checkBoolean(where, 'extrapolation', raw.extrapolation ?? d.extrapolation),
    denoise: checkBoolean(where, 'denoise', raw.denoise ?? d.denoise),
    maxNfe: checkNumber(where, 'maxNfe', raw.maxNfe ?? d.maxNfe, { integer: true, min: 3 }),
  });
}

/** The adaptive solver could not finish: its evaluation budget ran out, or the error estimate is not finite. */
export class AdaptiveSamplerError extends FasrError {
  constructor(message: string, context: { reason: 'budget' | 'non-finite' } & Record<string, unknown>) {
    super('E_SAMPLER', message, context);
  }
}

/** Options of {@link adaptiveSample}. */
export interface AdaptiveSamplerOptions extends Partial<AdaptiveSamplerConfig>, SamplerRunOptions {
  /** The forward SDE (its reverse drift and diffusion are integrated); its N is not used. Required. */
  readonly sde: Sde;
}

/** What {@link adaptiveSample} returns: `steps` counts iterations (accepted or not, 2 evaluations each). */
export interface AdaptiveSamplerResult extends SamplerResult {
  /** Accepted steps per sample. */
  readonly acceptedSteps: readonly number[];
  /** Rejected steps per sample. */
  readonly rejectedSteps: readonly number[];
}

const KEYS = ['sde', ...ADAPTIVE_SAMPLER_CONFIG_KEYS, ...RUN_OPTION_KEYS] as const;

/**
 * Adaptive-step SDE solver of "Gotta Go Fast When Generating Data with Score-Based Models"
 * (Jolicoeur-Martineau et al. 2021, Algorithm 1; their `AdaptivePredictor` with
 * sde_improved_euler, extrapolation, error_use_prev and the L2_scaled norm). Per sample, with its
 * own t and h, one z ~ N(0, I) per iteration (rejected ones included):
 *
 * K1 = −h f̄(x, t) + g(t) √h z,  x' = x + K1                       (Euler–Maruyama)
 * K2 = −h f̄(x', t−h) + g(t−h) √h z,  x'' = x + (K1 + K2)/2          (Improved Euler)
 * E = (K2 − K1)/2, δ = max(ε_abs, ε_rel max(|x'_prev|, |x'|))         (element-wise)
 * E₂ = ‖E/δ‖₂ / √n (n = H·W·C); accept if E₂ ≤ 1: x ← x'' (extrapolation), x'_prev ← x', t ← t − h;
 * always h ← min(t − ε, θ h E₂^{−r}).
 *
 * where f̄ = f − g² s is the reverse drift (`sde.reverse(scoreFn).sde`). Starts at t = T,
 * h = hInit, x = x'_prev = prior; stops when every sample reaches ε (within 1e-6), then
 * optionally denoises: x ← x + σ(ε)² s(x, ε) (σ from `sde.marginalProb`; the authors' denoiser,
 * Tweedie's formula for the VE SDE). NFE = 2 × iterations (+1), for the whole batch: samples that
 * finish early take zero-length steps until the last one finishes, so a sample's result does not
 * depend on its batch (given per-sample noise and a batch-invariant score).
 *
 * Deviations: the step size is capped at t − ε from the first step on (the authors cap from the
 * second); the solver stops with {@link AdaptiveSamplerError} when the next iteration would exceed
 * `maxNfe` or the error estimate is not finite (the authors' loop would run forever).
 *
 * Progress: `step` is the iteration, `steps` an estimate of the total (iterations so far plus the
 * slowest sample's (t − ε)/h), `t` the largest remaining time.
 *
 * @throws ConfigError for bad options; InputError for a bad shape or a score of the wrong shape;
 *   AdaptiveSamplerError (see above); `opts.signal.reason` when aborted.
 */
export async function adaptiveSample(
  scoreFn: ScoreFn,
  shapeNHWC: readonly [number, number, number, number],
  opts: AdaptiveSamplerOptions,
): Promise<AdaptiveSamplerResult> {
  const where = 'adaptiveSample';
  const raw = checkOptionKeys(where, opts, KEYS);
  if (!(raw.sde instanceof Sde)) {
    throw new ConfigError(`${where}.sde: expected an Sde (e.g. new VeSde()), received ${describeValue(raw.sde)}`, { option: 'sde' });
  }
  const sde = raw.sde;
  const cfg = parseAdaptiveSamplerConfig(raw, where, sde.T);
  const { noise, onProgress, signal } = checkRunOptions(where, raw);
  const shape = checkShapeNHWC(where, shapeNHWC);
  signal?.throwIfAborted();

  const batch = shape[0];
  const counted = countingScoreFn(where, scoreFn);
  const reverse = sde.reverse(counted.fn, false);
  const t = new Float64Array(batch).fill(sde.T);
  const h = new Float64Array(batch).fill(Math.min(cfg.hInit, sde.T - cfg.eps));
  const accepted = new Array<number>(batch).fill(0);
  const rejected = new Array<number>(batch).fill(0);
  const unfinished = (): boolean => t.some((ti) => Math.abs(ti - cfg.eps) > 1e-6);

  let x = sde.priorSampling(shape, noise);
  let xPrev = tf.clone(x);
  let iteration = 0;
  try {
    while (unfinished()) {
      signal?.throwIfAborted();
      const needed = counted.calls() + 2 + (cfg.denoise ? 1 : 0);
      if (needed > cfg.maxNfe) {
        throw new AdaptiveSamplerError(
          `${where}: would exceed maxNfe = ${cfg.maxNfe} after ${iteration} iterations at t = ${Math.max(...t)}; raise maxNfe or the tolerances (epsAbs ${cfg.epsAbs}, epsRel ${cfg.epsRel})`,
          { reason: 'budget', iterations: iteration },
        );
      }
      const step = tf.tidy(() => {
        const tNow = tf.tensor1d(Float32Array.from(t), 'float32');
        const tNext = tf.tensor1d(Float32Array.from(t, (ti, i) => ti - (h[i] ?? 0)), 'float32');
        const hB = tf.tensor4d(Float32Array.from(h), [batch, 1, 1, 1]);
        const sqrtH = tf.sqrt(hB);
        const z = noise.normal(shape);
        const first = reverse.sde(x, tNow);
        const k1 = tf.add(tf.mul(tf.neg(hB), first.drift), tf.mul(tf.mul(perSample(first.diffusion), sqrtH), z)); // Euler–Maruyama increment
        const xEm = tf.add(x, k1) as tf.Tensor4D;
        const second = reverse.sde(xEm, tNext);
        const k2 = tf.add(tf.mul(tf.neg(hB), second.drift), tf.mul(tf.mul(perSample(second.diffusion), sqrtH), z));
        const xIe = tf.add(x, tf.mul(tf.add(k1, k2), 0.5)) as tf.Tensor4D; // Improved Euler
        const err = tf.mul(tf.sub(k2, k1), 0.5);
        const [xNew, xCheck] = cfg.extrapolation ? [xIe, xEm] : [xEm, xIe];
        const delta = tf.maximum(tf.mul(tf.maximum(tf.abs(xPrev), tf.abs(xCheck)), cfg.epsRel), cfg.epsAbs);
        // ‖E/δ‖₂ / √n, per sample ("L2_scaled").
        const errNorm = tf.sqrt(tf.mean(tf.square(tf.div(err, delta)), [1, 2, 3])) as tf.Tensor1D;
        return { xNew, xCheck, errNorm };
      });
      let errNorm: Float32Array;
      try {
        errNorm = (await step.errNorm.data()) as Float32Array;
      } catch (err) {
        tf.dispose([step.xNew, step.xCheck, step.errNorm]);
        throw err;
      }
      const acceptMask = new Array<boolean>(batch);
      for (let i = 0; i < batch; i++) {
        const e = errNorm[i] ?? NaN;
        if (!Number.isFinite(e)) {
          tf.dispose([step.xNew, step.xCheck, step.errNorm]);
          throw new AdaptiveSamplerError(`${where}: the local error estimate of sample ${i} is ${e} at t = ${t[i]}, h = ${h[i]} (a non-finite score?)`, {
            reason: 'non-finite',
            sample: i,
          });
        }
        const hi = h[i] ?? 0;
        const ok = e <= 1;
        acceptMask[i] = ok;
        if (hi > 0) {
          if (ok) accepted[i] = (accepted[i] ?? 0) + 1;
          else rejected[i] = (rejected[i] ?? 0) + 1;
        }
        const ti = ok ? (t[i] ?? 0) - hi : (t[i] ?? 0);
        t[i] = ti;
        const hMax = Math.max(ti - cfg.eps, 0);
        // h ← min(t − ε, θ h E^{−r}); E = 0 gives the largest allowed step, h = 0 stays 0.
        h[i] = hi === 0 ? 0 : Math.min(hMax, cfg.safety * hi * (e === 0 ? Infinity : e ** -cfg.exponent));
      }
      const [nextX, nextPrev] = tf.tidy(() => {
        const mask = tf.tensor4d(Uint8Array.from(acceptMask, (a) => (a ? 1 : 0)), [batch, 1, 1, 1], 'bool');
        const full = tf.broadcastTo(mask, shape);
        return [tf.where(full, step.xNew, x) as tf.Tensor4D, tf.where(full, step.xCheck, xPrev) as tf.Tensor4D];
      });
      tf.dispose([x, xPrev, step.xNew, step.xCheck, step.errNorm]);
      x = nextX;
      xPrev = nextPrev;
      iteration += 1;
      let remaining = 0;
      for (let i = 0; i < batch; i++) {
        const left = (t[i] ?? 0) - cfg.eps;
        const hi = h[i] ?? 0;
        if (left > 1e-6 && hi > 0) remaining = Math.max(remaining, Math.ceil(left / hi));
      }
      onProgress?.({ step: iteration - 1, steps: iteration + remaining, nfe: counted.calls(), t: Math.max(...t) });
      await yieldToEventLoop();
    }
    if (cfg.denoise) {
      const denoised = tf.tidy(() => {
        const tEps = tf.fill([batch], cfg.eps, 'float32') as tf.Tensor1D;
        const { mean, std } = sde.marginalProb(x, tEps);
        mean.dispose();
        const s2 = perSample(tf.square(std) as tf.Tensor1D);
        return tf.add(x, tf.mul(s2, counted.fn(x, tEps))) as tf.Tensor4D; // x + σ(ε)² s(x, ε)
      });
      x.dispose();
      x = denoised;
    }
  } catch (err) {
    x.dispose();
    xPrev.dispose();
    throw err;
  }
  xPrev.dispose();
  return { xNHWC: x, nfe: counted.calls(), steps: iteration, acceptedSteps: accepted, rejectedSteps: rejected };
}
