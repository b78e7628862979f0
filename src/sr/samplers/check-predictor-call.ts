import type * as tf from '@tensorflow/tfjs';
import { checkBoolean, checkOptionKeys, checkTensorShape } from '../../validate';
import { checkUpdateContext } from './update-fn';
import type { PredictorOptions, UpdateContext } from './update-fn';

const PREDICTOR_KEYS = ['sde', 'noise', 'probabilityFlow'] as const;

/**
 * Validates what every predictor receives: its options (no unknown keys; `sde`, `noise`,
 * `probabilityFlow`), x [B,H,W,C] and t [B]. @throws ConfigError / InputError naming `where`.
 */
export function checkPredictorCall(
  where: string,
  opts: PredictorOptions,
  xNHWC: tf.Tensor4D,
  t: tf.Tensor1D,
): UpdateContext & { readonly probabilityFlow: boolean } {
  const raw = checkOptionKeys(where, opts, PREDICTOR_KEYS);
  const { sde, noise } = checkUpdateContext(where, raw);
  const probabilityFlow = checkBoolean(where, 'probabilityFlow', raw.probabilityFlow ?? false);
  checkTensorShape(where, 'x', xNHWC, 'BHWC', [null, null, null, null]);
  checkTensorShape(where, 't', t, 'B', [xNHWC.shape[0]]);
  return { sde, noise, probabilityFlow };
}
