import * as tf from '@tensorflow/tfjs';

/** SiLU / swish: x * sigmoid(x). */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

/** Dense layer: `x @ weightIO + bias`, weight stored (in, out) (converted from torch's (out, in) at load). */
export function linear(x: tf.Tensor2D, weightIO: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => tf.add(tf.matMul(x, weightIO), bias));
}

/** Stride-1 'same' convolution (3x3 pad 1 or 1x1 pad 0, as torch's ddpm_conv3x3/conv1x1) with bias. */
export function conv2d(imgNHWC: tf.Tensor4D, filterHWIO: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  return tf.fused.conv2d({ x: imgNHWC, filter: filterHWIO, strides: 1, pad: 'same', bias });
}
