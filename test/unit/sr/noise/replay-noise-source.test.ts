import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { InputError } from '../../../../src/contracts';
import { RecordingNoiseSource, ReplayNoiseSource, SeededNoiseSource } from '../../../../src/sr/noise';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('ReplayNoiseSource', () => {
  const recs = () => [
    { kind: 'uniform' as const, shape: [2], data: new Float32Array([0.3, 0.9]), label: 'loss_u.npy' },
    { kind: 'normal' as const, shape: [1, 2, 1, 1], data: new Float32Array([1.5, -2]), label: 'z.npy' },
  ];

  it('returns the recorded draws in order and reports what is left', () => {
    const before = tf.memory().numTensors;
    const src = new ReplayNoiseSource(recs());
    expect(src.remaining).toBe(2);
    const u = src.uniform([2]);
    expect(Array.from(u.dataSync())).toEqual([Math.fround(0.3), Math.fround(0.9)]);
    expect(() => src.assertExhausted()).toThrow('ReplayNoiseSource: 1 of 2 recorded draws were not used');
    const z = src.normal([1, 2, 1, 1]);
    expect(z.shape).toEqual([1, 2, 1, 1]);
    expect(Array.from(z.dataSync())).toEqual([1.5, -2]);
    expect(src.consumed).toBe(2);
    expect(() => src.assertExhausted()).not.toThrow();
    tf.dispose([u, z]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fails clearly on a shape or kind mismatch and when exhausted', () => {
    const src = new ReplayNoiseSource(recs());
    expect(() => src.uniform([3])).toThrow(
      new InputError('ReplayNoiseSource: draw #0 (loss_u.npy) was recorded as uniform [2] but uniform [3] was requested'),
    );
    expect(() => src.normal([2])).toThrow('ReplayNoiseSource: draw #0 (loss_u.npy) was recorded as uniform [2] but normal [2] was requested');
    src.uniform([2]).dispose();
    src.normal([1, 2, 1, 1]).dispose();
    expect(() => src.normal([1, 2, 1, 1])).toThrow(
      'ReplayNoiseSource: recording exhausted: draw #2 (normal [1,2,1,1]) requested but only 2 draws were recorded',
    );
  });

  it('rejects a recording whose data does not fit its shape', () => {
    expect(() => new ReplayNoiseSource([{ kind: 'normal', shape: [2, 2], data: new Float32Array(3), label: 'n.npy' }])).toThrow(
      'ReplayNoiseSource: recording #0 (n.npy) has 3 values for shape [2,2] (expected 4)',
    );
  });

  it('replays what a RecordingNoiseSource recorded', () => {
    const rec = new RecordingNoiseSource(new SeededNoiseSource(5));
    const a = rec.normal([3, 2]);
    const b = rec.uniform([4]);
    const replay = new ReplayNoiseSource(rec.recordings);
    const a2 = replay.normal([3, 2]);
    const b2 = replay.uniform([4]);
    expect(Array.from(a2.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(b2.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b, a2, b2]);
  });
});
