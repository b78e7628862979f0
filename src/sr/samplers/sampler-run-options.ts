import { ConfigError, InputError } from '../../contracts';
import type { NoiseSource } from '../noise';
import { describeValue } from '../../validate';
import type { SamplerProgress } from './sampler-loop';
import { checkNoiseSource } from './update-fn';

/** What every whole-trajectory sampler needs besides its algorithm's settings. */
export interface SamplerRunOptions {
  /** Source of all randomness (the prior draw first). Required. */
  readonly noise: NoiseSource;
  /** Called after every step (iteration for the adaptive solver). */
  readonly onProgress?: (progress: SamplerProgress) => void;
  /** Aborts between steps; the promise then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** The run options, checked. */
export interface CheckedRunOptions {
  readonly noise: NoiseSource;
  readonly onProgress: ((progress: SamplerProgress) => void) | undefined;
  readonly signal: AbortSignal | undefined;
}

/** Keys of {@link SamplerRunOptions}, for the samplers' option-key checks. */
export const RUN_OPTION_KEYS = ['noise', 'onProgress', 'signal'] as const;

/**
 * Checks `noise`, `onProgress` and `signal` of a sampler's options.
 * @throws ConfigError naming `<where>.<option>` with what was expected and received.
 */
export function checkRunOptions(where: string, raw: Readonly<Record<string, unknown>>): CheckedRunOptions {
  const noise = checkNoiseSource(where, raw.noise);
  return { noise, ...checkProgressAndSignal<CheckedRunOptions['onProgress']>(where, raw) };
}

/**
 * Checks the optional `onProgress` (a function) and `signal` (an AbortSignal) of a run's options:
 * the samplers' and enhanceFaces'.
 * @throws ConfigError naming `<where>.onProgress` / `<where>.signal` with what was expected and received.
 */
export function checkProgressAndSignal<P>(where: string, raw: Readonly<Record<string, unknown>>): { readonly onProgress: P | undefined; readonly signal: AbortSignal | undefined } {
  const onProgress = raw.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new ConfigError(`${where}.onProgress: expected a function, received ${describeValue(onProgress)}`, { option: 'onProgress' });
  }
  const signal = raw.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ConfigError(`${where}.signal: expected an AbortSignal, received ${describeValue(signal)}`, { option: 'signal' });
  }
  return { onProgress: onProgress as P | undefined, signal };
}

/**
 * Checks a sample shape [B,H,W,C] of positive integers and returns a mutable copy.
 * @throws InputError `<where>: shapeNHWC must be 4 positive integers [B,H,W,C], received …`.
 */
export function checkShapeNHWC(where: string, shapeNHWC: unknown): [number, number, number, number] {
  if (
    !Array.isArray(shapeNHWC) ||
    shapeNHWC.length !== 4 ||
    !shapeNHWC.every((v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1)
  ) {
    throw new InputError(`${where}: shapeNHWC must be 4 positive integers [B,H,W,C], received ${describeValue(shapeNHWC)}`, { option: 'shapeNHWC' });
  }
  return [...shapeNHWC] as [number, number, number, number];
}
