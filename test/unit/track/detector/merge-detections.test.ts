import type { Detection } from '../../../../src/contracts';
import { addUncoveredDetections, boxIoMin, boxIou, mergeDetections } from '../../../../src/track/detector';

function det(box: [number, number, number, number], score: number): Detection {
  const p: [number, number] = [box[0] + box[2] / 2, box[1] + box[3] / 2];
  return { frameIndex: 0, ptsMs: 0, bboxXYWH: box, score, landmarks: { leftEye: p, rightEye: p, nose: p, mouthLeft: p, mouthRight: p }, yawDeg: 0, pitchDeg: 0, rollDeg: 0 };
}

describe('box overlap', () => {
  it('computes IoU and IoMin', () => {
    expect(boxIou([0, 0, 10, 10], [5, 0, 10, 10])).toBeCloseTo(50 / 150, 10);
    expect(boxIou([0, 0, 10, 10], [20, 20, 5, 5])).toBe(0);
    expect(boxIoMin([0, 0, 10, 10], [2, 2, 4, 4])).toBe(1);
  });
});

describe('mergeDetections', () => {
  it('keeps the higher-scoring of two overlapping boxes and distinct faces', () => {
    const a = det([100, 100, 40, 40], 0.9);
    const b = det([104, 102, 40, 40], 0.6);
    const c = det([300, 100, 40, 40], 0.7);
    expect(mergeDetections([b, c, a], 0.3, 10)).toEqual([a, c]);
  });

  it('drops a partial face inside a kept one (a tile border cut)', () => {
    const whole = det([100, 100, 40, 40], 0.8);
    const part = det([100, 100, 15, 40], 0.85);
    // IoU is 0.375 (> 0.3 anyway); raise the IoU threshold so only containment decides
    expect(mergeDetections([whole, part], 0.9, 10)).toEqual([part]);
    expect(mergeDetections([whole, det([120, 100, 18, 40], 0.5)], 0.9, 10)).toEqual([whole]);
  });

  it('returns at most maxFaces by score', () => {
    const ds = [det([0, 0, 10, 10], 0.5), det([50, 0, 10, 10], 0.9), det([100, 0, 10, 10], 0.7)];
    expect(mergeDetections(ds, 0.3, 2).map((d) => d.score)).toEqual([0.9, 0.7]);
  });
});

describe('addUncoveredDetections', () => {
  it('keeps every primary detection and adds only the extra ones that overlap none of them', () => {
    const big = det([100, 100, 80, 80], 0.9);
    const same = det([104, 104, 76, 76], 0.95); // the same face, IoU > 0.3
    const inside = det([120, 120, 20, 20], 0.5); // inside the primary box (IoMin 1)
    const apart = det([400, 100, 20, 20], 0.2);
    const apart2 = det([500, 300, 16, 16], 0.3);
    expect(addUncoveredDetections([big], [same, inside, apart, apart2], 0.3)).toEqual([big, apart, apart2]);
    expect(addUncoveredDetections([], [apart, apart2], 0.3)).toEqual([apart, apart2]);
    expect(addUncoveredDetections([big], [], 0.3)).toEqual([big]);
  });
});
