import * as tf from '@tensorflow/tfjs';
import { PerFaceNoiseSource } from '../../../../src/sr/enhance';
import { SeededNoiseSource } from '../../../../src/sr/noise';

describe('PerFaceNoiseSource', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('row i is face i\'s own SeededNoiseSource stream, whatever the batch around it', () => {
    const batch = new PerFaceNoiseSource([7, 3, 7]);
    const alone = new SeededNoiseSource(3);
    for (const kind of ['normal', 'uniform', 'normal'] as const) {
      const drawn = batch[kind]([3, 2, 5]);
      const rows = drawn.dataSync();
      const own = alone[kind]([1, 2, 5]).dataSync();
      expect(Array.from(rows.slice(10, 20))).toEqual(Array.from(own));
      // Faces 0 and 2 share a seed, so they share their noise; face 1 differs.
      expect(Array.from(rows.slice(0, 10))).toEqual(Array.from(rows.slice(20, 30)));
      expect(Array.from(rows.slice(0, 10))).not.toEqual(Array.from(own));
      expect(drawn.shape).toEqual([3, 2, 5]);
    }
  });

  it('rejects a shape whose first dimension is not the number of faces, and bad seeds', () => {
    const src = new PerFaceNoiseSource([1, 2]);
    expect(() => src.normal([3, 4])).toThrow('PerFaceNoiseSource.normal: shape must start with the batch size 2 (one row per face), received [3,4]');
    expect(() => new PerFaceNoiseSource([])).toThrow('PerFaceNoiseSource: seeds must be a non-empty array');
    expect(() => new PerFaceNoiseSource([1.5])).toThrow('SeededNoiseSource: seed must be an integer in [0, 2^53 - 1], received 1.5');
  });
});
