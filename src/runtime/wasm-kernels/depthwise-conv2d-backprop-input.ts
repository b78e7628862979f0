import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../../contracts';

/** Attributes of the `DepthwiseConv2dNativeBackpropInput` kernel (tfjs). */
export interface DepthwiseBackpropInputAttrs {
  readonly strides: number | [number, number];
  readonly dilations: number | [number, number];
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
  readonly inputShape: [number, number, number, number];
}

/**
 * Inserts s−1 zeros between the samples along H and W: [B,OH,OW,C] -> [B,(OH−1)·sh+1,(OW−1)·sw+1,C].
 */
function zeroStuff(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [b, oh, ow, c] = dy.shape;
  const zw = tf.pad(tf.reshape(dy, [b * oh, ow, 1, c]), [[0, 0], [0, 0], [0, sw - 1], [0, 0]]);
  const zh = tf.pad(tf.reshape(zw, [b, oh, 1, ow * sw * c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0]]);
  const full = tf.reshape<tf.Rank.R4>(zh, [b, oh * sh, ow * sw, c]);
  return tf.slice(full, [0, 0, 0, 0], [b, (oh - 1) * sh + 1, (ow - 1) * sw + 1, c]);
}

/** Pads (positive) or crops (negative) H and W of x by the given amounts before and after. */
function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const cropped = tf.slice(x, [0, Math.max(0, -top), Math.max(0, -left), 0], [b, h - Math.max(0, -top) - Math.max(0, -bottom), w - Math.max(0, -left) - Math.max(0, -right), c]);
  return tf.pad(cropped, [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]]);
}

/**
 * Gradient of a depthwise 2-D convolution with respect to its input, built from ops the wasm
 * backend has: dx[h] = Σ_k u[h + pTop − k]·f[k] with u = dy zero-stuffed by the stride, i.e. a
 * stride-1 depthwise correlation of u (padded by K−1−pTop before) with the filter flipped in H
 * and W; a channel multiplier m > 1 is summed out afterwards. NHWC; dilation 1 only (tfjs
 * computes no depthwise gradient for dilated convolutions).
 *
 * @param dy [B,OH,OW,C·m] @param filter [kh,kw,C,m] @returns dx of `inputShape` [B,H,W,C]
 * @throws BackendError for a dilation other than 1 or a dy that does not match the convolution.
 */
export function depthwiseConv2dBackpropInputFromOps(dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: DepthwiseBackpropInputAttrs): tf.Tensor4D {
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs;
  const dil = typeof dilations === 'number' ? [dilations, dilations] : dilations;
  if (dil[0] !== 1 || dil[1] !== 1) {
    throw new BackendError(`DepthwiseConv2dNativeBackpropInput (wasm, from ops): only dilation 1 is supported, received [${dil.join(',')}]`);
  }
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, true, 'channelsLast');
  const [kh, kw, c, m] = filter.shape;
  const [b, h, w] = inputShape;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, padInfo } = info;
  if (dy.shape[0] !== b || dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[3] !== c * m) {
    throw new BackendError(`DepthwiseConv2dNativeBackpropInput (wasm, from ops): dy is [${dy.shape.join(',')}], expected [${b},${oh},${ow},${c * m}]`);
  }
  return tf.tidy(() => {
    const u = zeroStuff(dy, sh, sw);
    const top = kh - 1 - padInfo.top;
    const left = kw - 1 - padInfo.left;
    // Output row h reads u rows h + pTop − (K−1) ... h + pTop: pad so that h = 0 .. H−1 are all "valid".
    const bottom = h + padInfo.top - u.shape[1];
    const right = w + padInfo.left - u.shape[2];
    const uPadded = padOrCrop(u, top, bottom, left, right);
    const flipped = tf.reverse(tf.reshape(filter, [kh, kw, c * m, 1]), [0, 1]) as tf.Tensor4D;
    const dx = tf.depthwiseConv2d(uPadded, flipped, 1, 'valid');
    return m === 1 ? dx : (tf.sum(tf.reshape(dx, [b, h, w, c, m]), 4) as tf.Tensor4D);
  });
}
