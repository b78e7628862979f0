import * as tf from '@tensorflow/tfjs';
import { InputError, type FaceCrop } from '../../../../src/contracts';
import { cosineSimilarity } from '../../../../src/fuse';
import { createLbpEmbedder } from '../../../../src/fuse/embedders';

function crop(size: number, f: (x: number, y: number, c: number) => number): FaceCrop {
  const rgb = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) rgb[(y * size + x) * 3 + c] = f(x, y, c);
  return { width: size, height: size, rgb };
}

describe('LbpEmbedder (cpu backend, no model)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives unit-norm descriptors of grid²·59 values, deterministic, no tensor leak', async () => {
    const e = await createLbpEmbedder({ sizePx: 48, gridSize: 4 });
    expect(e.dim).toBe(4 * 4 * 59);
    const a = crop(40, (x, y) => (x * 7 + y * 3) % 256);
    const before = tf.memory().numTensors;
    const [d1] = await e.embed([a]);
    const [d2] = await e.embed([a]);
    expect(tf.memory().numTensors).toBe(before);
    expect(d1).toHaveLength(e.dim);
    expect(Math.hypot(...(d1 as Float32Array))).toBeCloseTo(1, 5);
    expect(Array.from(d2 as Float32Array)).toEqual(Array.from(d1 as Float32Array));
  });

  it('is invariant to a global brightness offset (LBP compares neighbours) and tells textures apart', async () => {
    const e = await createLbpEmbedder({ sizePx: 32, gridSize: 2 });
    const stripes = crop(32, (x) => (x % 4 < 2 ? 60 : 120));
    const brighter = crop(32, (x) => (x % 4 < 2 ? 110 : 170));
    const checker = crop(32, (x, y) => ((x >> 1) + (y >> 1)) % 2 === 0 ? 60 : 120);
    const [s, b, c] = await e.embed([stripes, brighter, checker]);
    expect(cosineSimilarity(s as Float32Array, b as Float32Array)).toBeCloseTo(1, 6);
    expect(cosineSimilarity(s as Float32Array, c as Float32Array)).toBeLessThan(0.9);
  });

  it('rejects a malformed crop by index, and embed after close', async () => {
    const e = await createLbpEmbedder();
    await expect(e.embed([crop(8, () => 0), { width: 4, height: 4, rgb: new Uint8Array(5) }])).rejects.toThrow(InputError);
    await expect(e.embed([{ width: 4, height: 4, rgb: new Uint8Array(5) }])).rejects.toThrow('crops[0]: rgb must be a Uint8Array of width*height*3 = 48 bytes, received 5');
    await e.close();
    await expect(e.embed([])).rejects.toThrow(/embed called after close\(\)/);
  });
});
