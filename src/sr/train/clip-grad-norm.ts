import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../contracts';

/** Result of {@link clipGradsByGlobalNorm}; the caller owns `grads`. */
export interface ClippedGrads {
  readonly grads: Map<string, tf.Tensor>;
  /** Global L2 norm of the gradients before clipping. */
  readonly norm: number;
  /** Factor the gradients were multiplied by: min(1, maxNorm / (norm + 1e-6)). */
  readonly scale: number;
}

/**
 * Gradient clipping by global norm as torch.nn.utils.clip_grad_norm_ (score_sde `grad_clip`):
 * ‖g‖ = sqrt(Σ_i ‖g_i‖²) over all tensors, every gradient multiplied by min(1, maxNorm/(‖g‖ + 1e-6)).
 * Inputs are not disposed; the returned tensors are new.
 * @throws InputError for maxNorm <= 0 or a non-finite gradient norm (NaN/Inf in a gradient).
 */
export function clipGradsByGlobalNorm(grads: ReadonlyMap<string, tf.Tensor>, maxNorm: number): ClippedGrads {
  if (!(maxNorm > 0 && Number.isFinite(maxNorm))) throw new InputError(`clipGradsByGlobalNorm: maxNorm must be > 0, received ${maxNorm}`, { option: 'maxNorm' });
  const sq = tf.tidy(() => tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))));
  const norm = Math.sqrt((sq.dataSync() as Float32Array)[0] ?? 0);
  sq.dispose();
  if (!Number.isFinite(norm)) throw new InputError(`clipGradsByGlobalNorm: the gradient norm is ${norm} (a gradient holds NaN or Inf)`);
  const scale = Math.min(1, maxNorm / (norm + 1e-6));
  const out = new Map<string, tf.Tensor>();
  for (const [name, g] of grads) out.set(name, scale === 1 ? tf.clone(g) : tf.tidy(() => tf.mul(g, scale)));
  return { grads: out, norm, scale };
}
