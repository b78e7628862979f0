import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { InputError } from '../../../../src/contracts';
import { SeededNoiseSource } from '../../../../src/sr/noise';
import { float32Bits } from '../samplers/golden';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('SeededNoiseSource', () => {
  it('derives its first values from Philox block 0 under key [seed, 0] (Random123 vector for seed 0)', () => {
    // philox4x32([0,0,0,0], [0,0]) = 6627e8d5 e169c58d bc57ac4c 9b00dbd8
    const u = new SeededNoiseSource(0).uniformArray(4);
    expect(Array.from(u)).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8].map((w) => (w >>> 8) / 2 ** 24));
    const z = new SeededNoiseSource(0).normalArray(3);
    const pair = (a: number, b: number): [number, number] => {
      const r = Math.sqrt(-2 * Math.log((a + 1) / 2 ** 32));
      const th = (2 * Math.PI * b) / 2 ** 32;
      return [Math.fround(r * Math.cos(th)), Math.fround(r * Math.sin(th))];
    };
    const [z0, z1] = pair(0x6627e8d5, 0xe169c58d);
    const [z2] = pair(0xbc57ac4c, 0x9b00dbd8);
    expect(Array.from(z)).toEqual([z0, z1, z2]);
  });

  it('is reproducible bit for bit for the same seed and call sequence, and differs across seeds', () => {
    const run = (seed: number): number[] => {
      const s = new SeededNoiseSource(seed);
      const a = s.normal([2, 4, 4, 3]);
      const b = s.uniform([5]);
      const c = s.normal([7]);
      const bits = [...float32Bits(a.dataSync()), ...float32Bits(b.dataSync()), ...float32Bits(c.dataSync())];
      tf.dispose([a, b, c]);
      return bits;
    };
    expect(run(1234)).toEqual(run(1234));
    expect(run(1234)).not.toEqual(run(1235));
    // Seeds above 2^32 use the high key word.
    expect(run(2 ** 32 + 7)).not.toEqual(run(7));
  });

  it('starts every call at a fresh block: ceil(n/4) blocks per call', () => {
    const s = new SeededNoiseSource(3);
    s.uniformArray(5);
    expect(s.blocksConsumed).toBe(2);
    s.normalArray(3); // 2 pairs = 4 words = 1 block
    expect(s.blocksConsumed).toBe(3);
    const t = new SeededNoiseSource(3);
    t.uniformArray(8);
    // The third call of both sources starts at block 3 / block 2 respectively: same words only when aligned.
    expect(Array.from(s.uniformArray(4))).toEqual(Array.from(new SeededNoiseSource(3).uniformArray(16).subarray(12, 16)));
  });

  it('draws U[0,1) with 24-bit resolution and N(0,1) with the right moments', () => {
    const s = new SeededNoiseSource(42);
    const u = s.uniformArray(200000);
    let min = 1;
    let max = 0;
    let sum = 0;
    let off24BitGrid = 0;
    for (const v of u) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      if (!Number.isInteger(v * 2 ** 24)) off24BitGrid += 1;
    }
    expect(off24BitGrid).toBe(0);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / u.length).toBeCloseTo(0.5, 2);

    const z = s.normalArray(200000);
    let m1 = 0;
    let m2 = 0;
    let m4 = 0;
    let below = 0;
    for (const v of z) {
      m1 += v;
      m2 += v * v;
      m4 += v ** 4;
      if (v < -1) below += 1;
    }
    const n = z.length;
    // Standard errors: mean 0.0022, variance 0.0032, 4th moment 0.02, P(z<-1)=0.1587 ± 0.0008.
    expect(Math.abs(m1 / n)).toBeLessThan(0.01);
    expect(Math.abs(m2 / n - 1)).toBeLessThan(0.015);
    expect(Math.abs(m4 / n - 3)).toBeLessThan(0.1);
    expect(Math.abs(below / n - 0.158655)).toBeLessThan(0.004);
  });

  it('returns float32 tensors of the requested shape and leaks nothing', () => {
    const before = tf.memory().numTensors;
    const s = new SeededNoiseSource(9);
    const a = s.normal([2, 3, 4, 1]);
    const b = s.uniform([]);
    expect(a.shape).toEqual([2, 3, 4, 1]);
    expect(a.dtype).toBe('float32');
    expect(b.shape).toEqual([]);
    tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad seeds and shapes with exact messages', () => {
    expect(() => new SeededNoiseSource(-1)).toThrow(new InputError('SeededNoiseSource: seed must be an integer in [0, 2^53 - 1], received -1'));
    expect(() => new SeededNoiseSource(1.5)).toThrow('SeededNoiseSource: seed must be an integer in [0, 2^53 - 1], received 1.5');
    expect(() => new SeededNoiseSource(0).normal([2, -1])).toThrow(
      'SeededNoiseSource.normal: shape must be an array of non-negative integers, received [2,-1]',
    );
    expect(() => new SeededNoiseSource(0).uniform([2.5])).toThrow(InputError);
  });
});
