/**
 * score_sde's learning-rate warmup (losses.optimization_manager): lr · min(step / warmupSteps, 1)
 * at the 0-based step about to be taken, so the first update has lr 0; warmupSteps 0 = constant lr.
 */
export function warmupLr(lr: number, warmupSteps: number, step: number): number {
  return warmupSteps > 0 ? lr * Math.min(step / warmupSteps, 1) : lr;
}

/** A cosine anneal of the learning rate late in a run (TrainConfig.lrDecay). */
export interface LrDecay {
  /** The 0-based step at which the anneal starts (lr there is still the full lr). Integer >= 0. */
  readonly startStep: number;
  /** Steps over which lr falls to `finalLr`; it stays there afterwards. Integer >= 1. */
  readonly steps: number;
  /** The learning rate at the end of the anneal. > 0, at most lr. */
  readonly finalLr: number;
}

/**
 * The learning rate of the 0-based step about to be taken: the warmup ({@link warmupLr}), then,
 * with `decay`, a cosine from lr at `startStep` to `finalLr` at `startStep + steps`
 * (SGDR's half cosine, Loshchilov & Hutter 2017): finalLr + (lr − finalLr)·(1 + cos(π·k/steps))/2.
 * null = the constant lr after warmup.
 */
export function scheduledLr(lr: number, warmupSteps: number, decay: LrDecay | null, step: number): number {
  const warm = warmupLr(lr, warmupSteps, step);
  if (decay === null || step <= decay.startStep) return warm;
  const k = Math.min(step - decay.startStep, decay.steps);
  return Math.min(warm, decay.finalLr + ((lr - decay.finalLr) * (1 + Math.cos((Math.PI * k) / decay.steps))) / 2);
}
