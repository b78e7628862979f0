import * as tf from '@tensorflow/tfjs';
import { groupNorm } from './group-norm';
import { groupNormGroups } from './ncsnpp-spec';
import type { WeightStore } from './weight-store';

/**
 * AttnBlockpp (DDPM self-attention over all H*W positions, authors' models/layerspp.py):
 * h = GN(x); q,k,v = NIN_0..2(h); w = softmax(q k^T * C^-1/2); h = NIN_3(w v); (x + h) / sqrt(2).
 * NIN weights are (in,out) as stored by the authors; q, k, v use one concatenated (C, 3C) matrix
 * (`${prefix}.qkv.W`, `${prefix}.qkv.b`, derived at load time).
 *
 * @param xNHWC [B,H,W,C] @returns [B,H,W,C]
 */
export function attnBlockpp(prefix: string, channels: number, skipRescale: boolean, w: WeightStore, xNHWC: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, hh, ww, c] = xNHWC.shape;
    const h = groupNorm(xNHWC, w.vector(`${prefix}.GroupNorm_0.weight`), w.vector(`${prefix}.GroupNorm_0.bias`), groupNormGroups(channels), 1e-6);
    const flat = h.reshape([b * hh * ww, c]);
    const qkv = tf.add(tf.matMul(flat, w.matrix(`${prefix}.qkv.W`)), w.vector(`${prefix}.qkv.b`)).reshape([b, hh * ww, 3 * c]);
    const [q, k, v] = tf.split(qkv, 3, 2) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    // einsum('bchw,bcij->bhwij', q, k) * C**-0.5, softmax over (i, j).
    const logits = tf.mul(tf.matMul(q, k, false, true), Math.fround(c ** -0.5));
    const attn = tf.softmax(logits, -1);
    // attn·v through the transposed-B kernel: on tfjs-wasm a batch-1 matMul without transpose runs
    // a different kernel than batch >= 2, so rows would differ in the last bits between a face run
    // alone and in a batch; with transposeB both take the same path (bit-identical batching).
    const o = tf.matMul(attn, tf.transpose(v, [0, 2, 1]), false, true).reshape([b * hh * ww, c]);
    const out = tf.add(tf.matMul(o, w.matrix(`${prefix}.NIN_3.W`)), w.vector(`${prefix}.NIN_3.b`)).reshape([b, hh, ww, c]);
    const sum = tf.add(xNHWC, out);
    return (skipRescale ? tf.div(sum, Math.SQRT2) : sum) as tf.Tensor4D;
  });
}
