import type { FaceLandmarks5 } from '../../../../src/contracts';
import { InputError } from '../../../../src/contracts';
import { alignFace, applySimilarity, canonicalLandmarks, ffhqCrop, invertSimilarity } from '../../../../src/track/align';

type P = readonly [number, number];
const NAMES = ['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight'] as const;

/** A face with the canonical proportions, eye distance d, rotated by thetaRad about (cx, cy) (the eye midpoint). */
function placedFace(d: number, thetaRad: number, cx: number, cy: number): FaceLandmarks5 {
  const unit = canonicalLandmarks(1000); // any size: we only need the shape
  const eyeMid: P = [(unit.leftEye[0] + unit.rightEye[0]) / 2, (unit.leftEye[1] + unit.rightEye[1]) / 2];
  const unitD = unit.rightEye[0] - unit.leftEye[0];
  const cos = Math.cos(thetaRad);
  const sin = Math.sin(thetaRad);
  const place = (p: P): P => {
    const u = ((p[0] - eyeMid[0]) / unitD) * d;
    const v = ((p[1] - eyeMid[1]) / unitD) * d;
    return [cx + cos * u - sin * v, cy + sin * u + cos * v];
  };
  return {
    leftEye: place(unit.leftEye),
    rightEye: place(unit.rightEye),
    nose: place(unit.nose),
    mouthLeft: place(unit.mouthLeft),
    mouthRight: place(unit.mouthRight),
  };
}

/** An RGB image with a Gaussian blob (sigma in px) at each landmark, value 250 at the centre. */
function renderBlobs(width: number, height: number, lm: FaceLandmarks5, sigma: number): { width: number; height: number; rgb: Uint8Array } {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (const n of NAMES) {
        if (n === 'nose') continue;
        const [px, py] = lm[n];
        v += Math.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * sigma * sigma));
      }
      const b = Math.round(250 * Math.min(1, v));
      rgb.set([b, b, b], (y * width + x) * 3);
    }
  }
  return { width, height, rgb };
}

/** Intensity centroid in a (2r+1)² window around `guess`. */
function centroid(crop: { width: number; rgb: Uint8Array }, guess: P, r: number): P {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  const gx = Math.round(guess[0]);
  const gy = Math.round(guess[1]);
  for (let y = gy - r; y <= gy + r; y++) {
    for (let x = gx - r; x <= gx + r; x++) {
      const w = crop.rgb[(y * crop.width + x) * 3] ?? 0;
      sw += w;
      sx += w * x;
      sy += w * y;
    }
  }
  return [sx / sw, sy / sw];
}

describe('ffhqCrop / canonicalLandmarks', () => {
  it.each([
    [40, 0.4, 210, 140],
    [25, -1.2, 90, 200],
    [300, 3.0, 700, 500],
  ])('maps a face (d=%d px, θ=%d rad, at %d,%d) onto the canonical landmarks exactly', (d, theta, cx, cy) => {
    const lm = placedFace(d, theta, cx, cy);
    const crop = ffhqCrop(lm, 128);
    const toCrop = invertSimilarity(crop.cropToFrame);
    const canon = canonicalLandmarks(128);
    for (const n of NAMES) {
      const p = applySimilarity(toCrop, lm[n]);
      expect(p[0]).toBeCloseTo(canon[n][0], 6);
      expect(p[1]).toBeCloseTo(canon[n][1], 6);
    }
    // FFHQ: the quad side is max(2·|e2e|, 1.8·|e2m|) · 2 = 1.8 · 1.1546 · d · 2 for these proportions.
    expect(crop.quadSizePx).toBeCloseTo(2 * 1.8 * 1.1546 * d, 6);
  });

  it('puts the eyes at 3S/8 − 0.5 and 5S/8 − 0.5 when the eye distance sets the scale (r ≤ 1/0.9)', () => {
    const c = canonicalLandmarks(256, { eyeToMouthRatio: 1.0 });
    expect(c.leftEye[0]).toBeCloseTo(95.5, 9);
    expect(c.rightEye[0]).toBeCloseTo(159.5, 9);
    // eye line 0.1·r·d above the quad centre: (s − 0.1 r d)/(2s) · S − 0.5 with s = 2d
    expect(c.leftEye[1]).toBeCloseTo(((2 - 0.1) / 4) * 256 - 0.5, 9);
    expect(c.mouthLeft[1]).toBeCloseTo(((2 + 0.9) / 4) * 256 - 0.5, 9);
  });

  it('gives the same crop whichever eye the detector calls "left"', () => {
    const lm = placedFace(50, 0.3, 200, 200);
    const swapped: FaceLandmarks5 = { ...lm, leftEye: lm.rightEye, rightEye: lm.leftEye, mouthLeft: lm.mouthRight, mouthRight: lm.mouthLeft };
    expect(ffhqCrop(swapped, 64).cropToFrame).toEqual(ffhqCrop(lm, 64).cropToFrame);
  });

  it('matches the FFHQ quad corners (top-left, bottom-left, bottom-right, top-right)', () => {
    // Upright face: eyes (40,50),(60,50), mouth corners (42,70),(58,70): e2e=(20,0), e2m=(0,20).
    const lm: FaceLandmarks5 = { leftEye: [40, 50], rightEye: [60, 50], nose: [50, 60], mouthLeft: [42, 70], mouthRight: [58, 70] };
    const c = ffhqCrop(lm, 100);
    // x = (20,0) − (20,0)·[−1,1] = (40,0) → unit (1,0) · max(40, 36) = (40,0); y = (0,40); c = (50,52).
    expect(c.quadXY).toEqual([
      [10, 12],
      [10, 92],
      [90, 92],
      [90, 12],
    ]);
    // pixel centre 0 of the crop lies half an output pixel (0.4 source px) inside the top-left corner
    const p = applySimilarity(c.cropToFrame, [0, 0]);
    expect(p[0]).toBeCloseTo(10.4, 9);
    expect(p[1]).toBeCloseTo(12.4, 9);
  });

  it('rejects degenerate or non-finite landmarks and bad sizes', () => {
    const same: FaceLandmarks5 = { leftEye: [5, 5], rightEye: [5, 5], nose: [5, 5], mouthLeft: [5, 5], mouthRight: [5, 5] };
    expect(() => ffhqCrop(same, 64)).toThrow(/degenerate landmarks/);
    expect(() => ffhqCrop({ ...same, rightEye: [NaN, 1] }, 64)).toThrow(/landmark 'rightEye' must be two finite numbers/);
    expect(() => ffhqCrop(placedFace(30, 0, 50, 50), 0)).toThrow(InputError);
    expect(() => canonicalLandmarks(64, { eyeToMouth: 1 } as object)).toThrow(/canonicalLandmarks: unknown option "eyeToMouth"/);
  });
});

describe('alignFace on synthetic images', () => {
  const canon = canonicalLandmarks(128);

  it.each([
    ['shrinking (antialiased path)', 60, 0.45, 230, 170, 3.0],
    ['enlarging (plain bilinear)', 22, -0.8, 120, 110, 1.2],
  ])('%s: rotated/scaled/translated blobs land on the canonical points within 0.5 px', (_name, d, theta, cx, cy, sigma) => {
    const lm = placedFace(d, theta, cx, cy);
    const img = renderBlobs(420, 320, lm, sigma);
    const aligned = alignFace(img, lm, { sizePx: 128 });
    expect(aligned.crop.width).toBe(128);
    for (const n of ['leftEye', 'rightEye', 'mouthLeft', 'mouthRight'] as const) {
      const got = centroid(aligned.crop, canon[n], 6);
      expect(Math.abs(got[0] - canon[n][0])).toBeLessThan(0.5);
      expect(Math.abs(got[1] - canon[n][1])).toBeLessThan(0.5);
    }
    // the transform pair maps points both ways
    const back = applySimilarity(aligned.cropToFrame, applySimilarity(aligned.frameToCrop, lm.nose));
    expect(back[0]).toBeCloseTo(lm.nose[0], 9);
    expect(back[1]).toBeCloseTo(lm.nose[1], 9);
  });

  it("'native' size keeps the face's own scale (≈ 1 source px per crop px)", () => {
    const lm = placedFace(60, 0.2, 230, 170);
    const aligned = alignFace(renderBlobs(420, 320, lm, 3), lm, { sizePx: 'native' });
    expect(aligned.crop.width).toBe(Math.round(2 * 1.8 * 1.1546 * 60));
    expect(Math.hypot(aligned.cropToFrame.a, aligned.cropToFrame.b)).toBeCloseTo(1, 2);
  });

  it('antialiasing suppresses aliasing of fine stripes when shrinking 8x', () => {
    const w = 1024;
    const rgb = new Uint8Array(w * w * 3);
    for (let i = 0; i < w * w; i++) rgb.fill(i % 2 === 0 ? 255 : 0, i * 3, i * 3 + 3); // 1-px vertical stripes
    const lm = placedFace(200, 0, 512, 470);
    const spread = (u8: Uint8Array): number => Math.max(...u8) - Math.min(...u8);
    const smooth = alignFace({ width: w, height: w, rgb }, lm, { sizePx: 96 });
    const aliased = alignFace({ width: w, height: w, rgb }, lm, { sizePx: 96, antialias: false });
    expect(spread(smooth.crop.rgb)).toBeLessThan(8); // ~grey 128 everywhere
    expect(spread(aliased.crop.rgb)).toBeGreaterThan(100);
  });

  it('rejects unknown options and bad sizes', () => {
    const lm = placedFace(30, 0, 50, 50);
    const img = { width: 100, height: 100, rgb: new Uint8Array(30000) };
    expect(() => alignFace(img, lm, { size: 64 } as object)).toThrow(/alignFace: unknown option "size"; valid options: sizePx, antialias, quadScale/);
    expect(() => alignFace(img, lm, { sizePx: 12.5 })).toThrow(/sizePx must be a positive integer or 'native', got 12.5/);
    expect(() => alignFace({ ...img, rgb: new Uint8Array(5) }, lm)).toThrow(/width\*height\*3 bytes/);
  });
});

describe('quadScale', () => {
  it('shrinks the quad about its centre: eye distance in the crop scales by 1/quadScale', () => {
    const lm: FaceLandmarks5 = { leftEye: [40, 50], rightEye: [60, 50], nose: [50, 60], mouthLeft: [42, 70], mouthRight: [58, 70] };
    const eyeDist = (q: number): number => {
      const t = invertSimilarity(ffhqCrop(lm, 100, q).cropToFrame);
      const a = applySimilarity(t, lm.leftEye);
      const b = applySimilarity(t, lm.rightEye);
      return Math.hypot(b[0] - a[0], b[1] - a[1]);
    };
    expect(eyeDist(1)).toBeCloseTo(25, 9); // quad side 80 px → 100 px: eye distance 20 → 25
    expect(eyeDist(0.5)).toBeCloseTo(50, 9);
    const c = ffhqCrop(lm, 100, 0.5);
    expect(c.quadSizePx).toBe(40);
    expect(c.quadXY[0]).toEqual([30, 32]); // centre (50, 52) ± 20
    expect(() => ffhqCrop(lm, 100, 0)).toThrow(/quadScale must be a positive number, got 0/);
  });
});
