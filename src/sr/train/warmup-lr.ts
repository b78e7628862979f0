/**
 * score_sde's learning-rate warmup (losses.optimization_manager): lr · min(step / warmupSteps, 1)
 * at the 0-based step about to be taken, so the first update has lr 0; warmupSteps 0 = constant lr.
 */
export function warmupLr(lr: number, warmupSteps: number, step: number): number {
  return warmupSteps > 0 ? lr * Math.min(step / warmupSteps, 1) : lr;
}
