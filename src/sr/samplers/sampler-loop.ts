import type * as tf from '@tensorflow/tfjs';
import type { NoiseSource } from '../noise';
import type { Sde, ScoreFn } from '../sde';

/** Reported after each completed step. */
export interface SamplerProgress {
  /** 0-based index of the step just completed. */
  readonly step: number;
  /** Total number of steps (an estimate for the adaptive solver). */
  readonly steps: number;
  /** Network evaluations so far. */
  readonly nfe: number;
  /** Diffusion time of the completed step. */
  readonly t: number;
}

/** What a sampler returns. The caller owns `xNHWC`. */
export interface SamplerResult {
  /** The sample, [B,H,W,C]. */
  readonly xNHWC: tf.Tensor4D;
  /** Network evaluations made. */
  readonly nfe: number;
  /** Steps taken (iterations for the adaptive solver). */
  readonly steps: number;
}

/** Lets timers and abort signals run between steps. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The grid a fixed-step sampler walks (k-diffusion's `sigmas`): `grid[i]` is where step i starts,
 * `grid[i + 1]` where it ends (the PC sampler evaluates at `grid[i]` only). A σ grid for the EDM
 * samplers ({@link karrasSigmasSchedule}), a diffusion-time grid for the PC sampler
 * ({@link pcTimeSchedule}).
 */
export interface SamplerSchedule {
  /** Steps the loop takes. */
  readonly steps: number;
  /** The grid, decreasing; at least `steps` values (the σ grids end with σ = 0 at index `steps`). */
  readonly grid: Float32Array | Float64Array;
  /** The diffusion time reported by progress after step i. */
  readonly tAfterStep: (i: number) => number;
}

/** What a step returns. The loop owns both tensors (it disposes the previous step's). */
export interface StepResult {
  /** The state after the step, [B,H,W,C]. */
  readonly x: tf.Tensor4D;
  /** The state without the step's final noise (the PC sampler's x_mean); absent where the step adds none. */
  readonly xMean?: tf.Tensor4D;
}

/**
 * One step of a sampler, i → i + 1 on the schedule's grid: a plain function of the score, the
 * state and the step index (its σ or t comes from the schedule it was made with). It must not
 * dispose `xNHWC` (the loop does) and returns new tensors.
 */
export type SamplerStepper = (scoreFn: ScoreFn, xNHWC: tf.Tensor4D, i: number) => StepResult;

/** What {@link runSamplerLoop} needs besides the schedule and the stepper; all checked by the caller. */
export interface SamplerLoopOptions {
  /** Gives the prior x_T (`sde.priorSampling`, the first draw on `noise`). */
  readonly sde: Sde;
  readonly noise: NoiseSource;
  readonly onProgress?: ((progress: SamplerProgress) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** What the loop returns; the caller owns `x` and `xMean` (null when no step returned one). */
export interface SamplerLoopResult {
  readonly x: tf.Tensor4D;
  readonly xMean: tf.Tensor4D | null;
  readonly nfe: number;
}

/**
 * The one step loop of the fixed-step samplers (k-diffusion's sampling.py shape: a schedule and a
 * step function, one loop): draws the prior x_T from `sde` once, then for i = 0..steps−1 checks
 * the abort signal, takes the step, counts the network evaluations, reports progress and yields to
 * the event loop. Leaks nothing when a step throws or the run is aborted.
 * @param scoreFn passed to every step wrapped with the call counter (NFE)
 * @throws whatever a step throws; `signal.reason` when aborted.
 */
export async function runSamplerLoop(
  scoreFn: ScoreFn,
  shapeNHWC: readonly [number, number, number, number],
  schedule: SamplerSchedule,
  step: SamplerStepper,
  opts: SamplerLoopOptions,
): Promise<SamplerLoopResult> {
  const { sde, noise, onProgress, signal } = opts;
  let nfe = 0;
  const counted: ScoreFn = (xNHWC, t) => {
    nfe += 1;
    return scoreFn(xNHWC, t);
  };
  signal?.throwIfAborted();
  let x = sde.priorSampling(shapeNHWC, noise);
  let xMean: tf.Tensor4D | null = null;
  try {
    for (let i = 0; i < schedule.steps; i++) {
      signal?.throwIfAborted();
      const next = step(counted, x, i);
      x.dispose();
      xMean?.dispose();
      x = next.x;
      xMean = next.xMean ?? null;
      onProgress?.({ step: i, steps: schedule.steps, nfe, t: schedule.tAfterStep(i) });
      await yieldToEventLoop();
    }
  } catch (err) {
    x.dispose();
    xMean?.dispose();
    throw err;
  }
  return { x, xMean, nfe };
}
