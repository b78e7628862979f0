import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { TrainRandom, assembleBatch, flipHorizontalHWC } from '../../../../src/sr/train';
import type { TrainingData } from '../../../../src/sr/train';

describe('TrainRandom', () => {
  it('is a function of (seed, stream, index): two instances agree, other seeds differ', () => {
    const a = new TrainRandom(5);
    const b = new TrainRandom(5);
    expect(a.uniform('flip', 17, 2)).toBe(b.uniform('flip', 17, 2));
    expect(a.childSeed('noise', 3)).toBe(b.childSeed('noise', 3));
    expect(new TrainRandom(6).uniform('flip', 17, 2)).not.toBe(a.uniform('flip', 17, 2));
    expect(a.uniform('flip', 17, 2)).not.toBe(a.uniform('patch', 17, 2));
    expect(Number.isSafeInteger(a.childSeed('noise', 123456))).toBe(true);
  });

  it('walks one permutation per epoch, batches running on across epoch boundaries', () => {
    const r = new TrainRandom(1);
    const n = 7;
    const perm0 = Array.from(r.permutation(n, 0));
    const perm1 = Array.from(r.permutation(n, 1));
    expect([...perm0].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(perm0).not.toEqual(perm1);
    const seen: number[] = [];
    for (let step = 0; step < 7; step++) seen.push(...r.batchPositions(step, 2, n, new Map()));
    expect(seen.slice(0, 7)).toEqual(perm0);
    expect(seen.slice(7, 14)).toEqual(perm1);
    // The cache changes nothing.
    const cache = new Map<number, Uint32Array>();
    for (let step = 0; step < 7; step++) expect(r.batchPositions(step, 2, n, cache)).toEqual(seen.slice(2 * step, 2 * step + 2));
  });

  it('flips are fair: about half of 4000 draws are below 0.5', () => {
    const r = new TrainRandom(9);
    let below = 0;
    for (let i = 0; i < 4000; i++) if (r.uniform('flip', i, 0) < 0.5) below++;
    expect(below).toBeGreaterThan(1850);
    expect(below).toBeLessThan(2150);
  });
});

describe('assembleBatch and flipHorizontalHWC', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('takes HR/LR rows as /255 floats, mirrored and cropped as asked, with the matching descriptor', () => {
    const s = 4;
    const hr = new Uint8Array(2 * s * s * 3).map((_, i) => i % 251);
    const lr = new Uint8Array(2 * s * s * 3).map((_, i) => (i * 7) % 253);
    const data = {
      manifest: { hrSizePx: s, embedder: { dim: 2 } },
      hr,
      lr,
      features: new Float32Array([1, 2, 3, 4]),
      featuresFlipped: new Float32Array([5, 6, 7, 8]),
    } as unknown as TrainingData;
    const batch = assembleBatch(data, [{ row: 1, flip: true, top: 1, left: 2 }], 2);
    const row1 = hr.subarray(s * s * 3, 2 * s * s * 3);
    const flipped = flipHorizontalHWC(row1, s, s, 3);
    const expected: number[] = [];
    for (let y = 1; y < 3; y++) for (let x = 2; x < 4; x++) for (let c = 0; c < 3; c++) expected.push((flipped[(y * s + x) * 3 + c] ?? 0) / 255);
    expect(Array.from(batch.x0NHWC.dataSync())).toEqual(expected.map(Math.fround));
    expect(batch.yNHWC.shape).toEqual([1, 2, 2, 3]);
    expect(Array.from(batch.feat.dataSync())).toEqual([7, 8]);
    tf.dispose([batch.x0NHWC, batch.yNHWC, batch.feat]);
  });

  it('flipHorizontalHWC mirrors columns and keeps channels', () => {
    const img = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // 2 wide, 2 high, 3 channels
    expect(Array.from(flipHorizontalHWC(img, 2, 2, 3))).toEqual([4, 5, 6, 1, 2, 3, 10, 11, 12, 7, 8, 9]);
  });
});
