import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../../contracts';

/**
 * The network's tensors in tfjs layout (conv HWIO, Linear (in,out), NIN (in,out)), keyed by the
 * authors' state_dict names. Owns the tensors; `dispose()` frees them.
 */
export class WeightStore {
  private readonly tensors: Map<string, tf.Tensor>;

  constructor(tensors: Map<string, tf.Tensor>) {
    this.tensors = tensors;
  }

  private get(name: string, rank: number): tf.Tensor {
    const t = this.tensors.get(name);
    if (t === undefined) throw new CheckpointError(`model weights: no tensor "${name}"`, { tensor: name });
    if (t.rank !== rank) {
      throw new CheckpointError(`model weights: tensor "${name}" has rank ${t.rank}, expected ${rank}`, { tensor: name, expected: rank, actual: t.rank });
    }
    return t;
  }

  vector(name: string): tf.Tensor1D {
    return this.get(name, 1) as tf.Tensor1D;
  }

  matrix(name: string): tf.Tensor2D {
    return this.get(name, 2) as tf.Tensor2D;
  }

  filter(name: string): tf.Tensor4D {
    return this.get(name, 4) as tf.Tensor4D;
  }

  /** Replaces the tensor stored under `name` (which must exist); the store owns `t`, the old tensor is not disposed. */
  replace(name: string, t: tf.Tensor): void {
    if (!this.tensors.has(name)) throw new CheckpointError(`model weights: no tensor "${name}" to replace`, { tensor: name });
    this.tensors.set(name, t);
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  entries(): IterableIterator<[string, tf.Tensor]> {
    return this.tensors.entries();
  }

  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
  }
}
