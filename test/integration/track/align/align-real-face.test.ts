import * as path from 'node:path';
import type { FaceLandmarks5 } from '../../../../src/contracts';
import { psnr, readImageRgb } from '../../../../src/image';
import { alignFace, applySimilarity, canonicalLandmarks, invertSimilarity, warpSimilarity } from '../../../../src/track/align';

const IMAGE = path.resolve(__dirname, '../../../../../shared/data/faces/celeba-wild-ids/images/7201/001085.jpg');

// Read by hand off a 5x zoom with a 10 px grid (uncertainty about ±2 px): CelebA in-the-wild photo,
// 389x500, face about 110 px wide, smiling, eyes nearly level.
const LANDMARKS: FaceLandmarks5 = {
  leftEye: [185.6, 119.6],
  rightEye: [235, 120.4],
  nose: [208, 148],
  mouthLeft: [170, 166],
  mouthRight: [229, 167],
};

describe('alignFace on a real in-the-wild face', () => {
  it('maps the hand-read eyes within 4 px of the canonical spots, eye line within 8° of level', async () => {
    const img = await readImageRgb(IMAGE);
    const aligned = alignFace(img, LANDMARKS, { sizePx: 128 });
    const canon = canonicalLandmarks(128);
    for (const eye of ['leftEye', 'rightEye'] as const) {
      const mapped = applySimilarity(aligned.frameToCrop, LANDMARKS[eye]);
      // the hand-read landmark is within 4 px of the canonical spot (FFHQ blends the eye line with the
      // eye-to-mouth perpendicular, so a slightly turned head is not rotated exactly eye-level)
      expect(Math.hypot(mapped[0] - canon[eye][0], mapped[1] - canon[eye][1])).toBeLessThan(4);
    }
    const l = applySimilarity(aligned.frameToCrop, LANDMARKS.leftEye);
    const r = applySimilarity(aligned.frameToCrop, LANDMARKS.rightEye);
    expect(Math.abs((Math.atan2(r[1] - l[1], r[0] - l[0]) * 180) / Math.PI)).toBeLessThan(8);
  });

  it('gives the same crop after the photo is rotated by 35° and enlarged 1.6x (landmarks moved with it)', async () => {
    const img = await readImageRgb(IMAGE);
    const base = alignFace(img, LANDMARKS, { sizePx: 128 });
    // A rotated, enlarged copy of the photo: new pixel q samples old pixel M(q).
    const theta = (35 * Math.PI) / 180;
    const k = 1 / 1.6;
    const size = 640;
    const newToOld = { a: k * Math.cos(theta), b: k * Math.sin(theta), tx: 0, ty: 0 };
    const centreOld = applySimilarity(newToOld, [size / 2, size / 2]);
    const shifted = { ...newToOld, tx: 210 - centreOld[0], ty: 140 - centreOld[1] };
    const rotated = { width: size, height: size, rgb: warpSimilarity(img, shifted, size) };
    const oldToNew = invertSimilarity(shifted);
    const move = (p: readonly [number, number]): readonly [number, number] => applySimilarity(oldToNew, p);
    const lm2: FaceLandmarks5 = {
      leftEye: move(LANDMARKS.leftEye),
      rightEye: move(LANDMARKS.rightEye),
      nose: move(LANDMARKS.nose),
      mouthLeft: move(LANDMARKS.mouthLeft),
      mouthRight: move(LANDMARKS.mouthRight),
    };
    const again = alignFace(rotated, lm2, { sizePx: 128 });
    // Measured 40.9 dB (two extra resamplings blur slightly); a crop whose eyes are off by ~5 px scores 15.9 dB.
    // Bounds 28 / 24 dB leave room for float differences while still separating the two cases.
    expect(psnr(again.crop.rgb, base.crop.rgb, 255)).toBeGreaterThan(28);
    const shiftedCrop = alignFace(img, { ...LANDMARKS, nose: LANDMARKS.nose, leftEye: [190, 123], rightEye: [240, 124] }, { sizePx: 128 });
    expect(psnr(shiftedCrop.crop.rgb, base.crop.rgb, 255)).toBeLessThan(24);
  });
});
