import * as tf from '@tensorflow/tfjs';
import { downsampleFir2d, upsampleFir2d } from './fir-resample';
import { groupNorm } from './group-norm';
import { conv2d, linear, silu } from './primitives';
import { groupNormGroups } from './ncsnpp-spec';
import type { WeightStore } from './weight-store';

/** Static description of one ResnetBlockBigGANpp. */
export interface ResnetBlockBigGanppSpec {
  /** state_dict prefix, e.g. `all_modules.4`. */
  readonly prefix: string;
  readonly inCh: number;
  readonly outCh: number;
  readonly up: boolean;
  readonly down: boolean;
  readonly firKernel: readonly number[];
  readonly skipRescale: boolean;
}

/**
 * ResnetBlockBigGANpp with the FASR descriptor bias (authors' models/layerspp.py):
 * h = silu(GN0(x)); [FIR up/down of h and x]; h = Conv_0(h) + Dense_0(silu(temb)) + Dense_1(silu(feat));
 * h = Conv_1(silu(GN1(h))); x = Conv_2(x) if channels change or resampling; return (x + h) / sqrt(2).
 *
 * @param xNHWC [B,H,W,inCh] @param tembAct silu(temb) [B,4nf] @param featAct silu(feat) [B,4nf]
 * @returns [B,H',W',outCh] (H' = 2H up, H/2 down)
 */
export function resnetBlockBigGanpp(
  spec: ResnetBlockBigGanppSpec,
  w: WeightStore,
  xNHWC: tf.Tensor4D,
  tembAct: tf.Tensor2D,
  featAct: tf.Tensor2D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const p = spec.prefix;
    const eps = 1e-6;
    let x = xNHWC;
    let h = silu(groupNorm(x, w.vector(`${p}.GroupNorm_0.weight`), w.vector(`${p}.GroupNorm_0.bias`), groupNormGroups(spec.inCh), eps));
    if (spec.up) {
      h = upsampleFir2d(h, spec.firKernel);
      x = upsampleFir2d(x, spec.firKernel);
    } else if (spec.down) {
      h = downsampleFir2d(h, spec.firKernel);
      x = downsampleFir2d(x, spec.firKernel);
    }
    h = conv2d(h, w.filter(`${p}.Conv_0.weight`), w.vector(`${p}.Conv_0.bias`));
    const bias = tf.add(
      linear(tembAct, w.matrix(`${p}.Dense_0.weight`), w.vector(`${p}.Dense_0.bias`)),
      linear(featAct, w.matrix(`${p}.Dense_1.weight`), w.vector(`${p}.Dense_1.bias`)),
    );
    h = tf.add(h, bias.reshape([bias.shape[0], 1, 1, spec.outCh]));
    h = silu(groupNorm(h, w.vector(`${p}.GroupNorm_1.weight`), w.vector(`${p}.GroupNorm_1.bias`), groupNormGroups(spec.outCh), eps));
    // Dropout_0 is the identity (dropout 0).
    h = conv2d(h, w.filter(`${p}.Conv_1.weight`), w.vector(`${p}.Conv_1.bias`));
    if (spec.inCh !== spec.outCh || spec.up || spec.down) {
      x = conv2d(x, w.filter(`${p}.Conv_2.weight`), w.vector(`${p}.Conv_2.bias`));
    }
    const sum = tf.add(x, h);
    return (spec.skipRescale ? tf.div(sum, Math.SQRT2) : sum) as tf.Tensor4D;
  });
}
