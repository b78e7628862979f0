/** The loss fixture (tiny/loss_*.npy, z.npy) as NHWC tensors and a replay of torch's draws. */
import * as tf from '@tensorflow/tfjs';
import { ReplayNoiseSource } from '../../../../src/sr/noise';
import { loadNhwcData, loadRaw } from '../samplers/golden';

/** loss_batch.npy is a plain concat [x0 (3 ch), y (3 ch)]; split it into NHWC x0 and y. */
export function lossBatch(): { x0: tf.Tensor4D; y: tf.Tensor4D; feat: tf.Tensor2D } {
  const b = loadNhwcData('loss_batch.npy');
  const all = tf.tensor4d(b.data, b.shape);
  const [x0, y] = tf.split(all, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
  all.dispose();
  return { x0, y, feat: tf.tensor2d(loadRaw('feat.npy').data, [2, 64]) };
}

/** The draws torch made inside the loss: u = torch.rand, then z = torch.randn_like. */
export function lossNoise(): ReplayNoiseSource {
  const z = loadNhwcData('z.npy');
  return new ReplayNoiseSource([
    { kind: 'uniform', shape: [2], data: loadRaw('loss_u.npy').data, label: 'loss_u.npy' },
    { kind: 'normal', shape: z.shape, data: z.data, label: 'z.npy' },
  ]);
}
