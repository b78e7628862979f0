import { ConfigError, InputError, type Detection, type FaceCrop, type ScoredDetection } from '../../../../src/contracts';
import {
  DEFAULT_QUALITY_CONFIG,
  cropSharpness,
  frontalness,
  laplacianVariance,
  parseQualityConfig,
  scoreDetection,
  selectLr0,
  toTrack,
} from '../../../../src/track/quality';

/** A seeded "face-like" texture: smooth shading plus fine detail. */
function texturedCrop(size: number): FaceCrop {
  const rgb = new Uint8Array(size * size * 3);
  let s = 7;
  for (let i = 0; i < size * size; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const x = i % size;
    const y = Math.floor(i / size);
    const v = 110 + 60 * Math.sin(x / 9) * Math.cos(y / 11) + ((s >> 8) % 60) - 30;
    rgb.fill(Math.max(0, Math.min(255, Math.round(v))), i * 3, i * 3 + 3);
  }
  return { width: size, height: size, rgb };
}

/** Box blur of radius r, applied `passes` times (≈ Gaussian). */
function blurred(crop: FaceCrop, r: number, passes: number): FaceCrop {
  let cur = Float32Array.from(crop.rgb);
  const { width: w, height: h } = crop;
  for (let p = 0; p < passes; p++) {
    const next = new Float32Array(cur.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) {
          let s = 0;
          let n = 0;
          for (let dy = -r; dy <= r; dy++) {
            for (let dx = -r; dx <= r; dx++) {
              const xx = Math.min(w - 1, Math.max(0, x + dx));
              const yy = Math.min(h - 1, Math.max(0, y + dy));
              s += cur[(yy * w + xx) * 3 + c] ?? 0;
              n++;
            }
          }
          next[(y * w + x) * 3 + c] = s / n;
        }
      }
    }
    cur = next;
  }
  return { width: w, height: h, rgb: Uint8Array.from(cur, (v) => Math.round(v)) };
}

const det = (over: Partial<Detection> = {}): Detection => ({
  frameIndex: 0,
  ptsMs: 0,
  bboxXYWH: [10, 10, 100, 100],
  score: 0.9,
  landmarks: { leftEye: [40, 50], rightEye: [70, 50], nose: [55, 65], mouthLeft: [45, 80], mouthRight: [65, 80] },
  yawDeg: 0,
  pitchDeg: 0,
  rollDeg: 0,
  ...over,
});

describe('quality factors', () => {
  it('laplacianVariance: 0 on a linear ramp, exact on a known pattern', () => {
    expect(laplacianVariance(Float32Array.from({ length: 25 }, (_, i) => i), 5, 5)).toBe(0);
    // single bright pixel 1 in the centre of 3x3: only one interior pixel, Laplacian −4, variance 0
    expect(laplacianVariance([0, 0, 0, 0, 1, 0, 0, 0, 0], 3, 3)).toBe(0);
    // 4x3 with interior values: Laplacians −4 and +1 → variance ((−4−(−1.5))² + (1+1.5)²)/2 = 6.25
    expect(laplacianVariance([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], 3, 4)).toBe(6.25);
    expect(() => laplacianVariance([1, 2], 1, 2)).toThrow(/at least 3x3/);
  });

  it('frontalness is 1 frontal, falls with yaw like the documented Gaussian', () => {
    expect(frontalness(0, 0, 0, DEFAULT_QUALITY_CONFIG)).toBe(1);
    expect(frontalness(30, 0, 0, DEFAULT_QUALITY_CONFIG)).toBeCloseTo(Math.exp(-0.5), 12);
    expect(frontalness(-60, 0, 0, DEFAULT_QUALITY_CONFIG)).toBeCloseTo(Math.exp(-2), 12);
    expect(() => frontalness(NaN, 0, 0, DEFAULT_QUALITY_CONFIG)).toThrow(/yawDeg must be finite, got NaN/);
  });

  it('a blurred copy is less sharp, and sharpness barely depends on the crop size', () => {
    const sharp = texturedCrop(96);
    const blur = blurred(sharp, 1, 3);
    const s = cropSharpness(sharp, DEFAULT_QUALITY_CONFIG);
    const b = cropSharpness(blur, DEFAULT_QUALITY_CONFIG);
    expect(b.score).toBeLessThan(s.score);
    expect(b.variance).toBeLessThan(s.variance / 3);
    // the same content at 192 px (pixel-doubled) resizes to about the same reference image
    const big: FaceCrop = {
      width: 192,
      height: 192,
      rgb: Uint8Array.from({ length: 192 * 192 * 3 }, (_, i) => {
        const p = Math.floor(i / 3);
        return sharp.rgb[(Math.floor(Math.floor(p / 192) / 2) * 96 + Math.floor((p % 192) / 2)) * 3 + (i % 3)] ?? 0;
      }),
    };
    const sb = cropSharpness(big, DEFAULT_QUALITY_CONFIG);
    expect(Math.abs(sb.variance - s.variance) / s.variance).toBeLessThan(0.25);
  });
});

describe('scoreDetection', () => {
  const crop = texturedCrop(96);

  it('frontal beats profile, sharp beats blurred, big beats tiny, confident beats unsure', () => {
    const q = (d: Detection, c: FaceCrop = crop): number => scoreDetection(d, c).quality;
    const base = q(det());
    expect(base).toBeGreaterThan(0);
    expect(base).toBeLessThanOrEqual(1);
    expect(q(det({ yawDeg: 75 }))).toBeLessThan(base * 0.6);
    expect(q(det(), blurred(crop, 1, 3))).toBeLessThan(base);
    expect(q(det({ bboxXYWH: [0, 0, 12, 12] }))).toBeLessThan(base * 0.75);
    expect(q(det({ score: 0.3 }))).toBeLessThan(base);
  });

  it('is the weighted geometric mean of the documented factors', () => {
    const d = scoreDetection(det({ yawDeg: 20, bboxXYWH: [0, 0, 32, 32], score: 0.8 }), crop);
    const sharp = cropSharpness(crop, DEFAULT_QUALITY_CONFIG).score;
    const f = Math.exp(-0.5 * (20 / 30) ** 2);
    const expected = f ** 0.35 * sharp ** 0.3 * 0.5 ** 0.2 * 0.8 ** 0.15;
    expect(d.quality).toBeCloseTo(expected, 12);
    expect(d.frontalness).toBeCloseTo(f, 12);
  });

  it('selectLr0 picks the best quality, earliest on ties', () => {
    const mk = (quality: number): ScoredDetection => ({ ...det(), quality, sharpness: 1, frontalness: 1 });
    expect(selectLr0([mk(0.2), mk(0.7), mk(0.7), mk(0.1)])).toBe(1);
    expect(() => selectLr0([])).toThrow(/at least one detection/);
  });
});

describe('parseQualityConfig', () => {
  it('fills defaults, keeps them frozen and rejects unknown keys and bad values', () => {
    const c = parseQualityConfig({ yawSigmaDeg: 20, weights: { size: 0 } });
    expect(c.yawSigmaDeg).toBe(20);
    expect(c.weights).toEqual({ frontal: 0.35, sharpness: 0.3, size: 0, confidence: 0.15 });
    expect(Object.isFrozen(DEFAULT_QUALITY_CONFIG)).toBe(true);
    expect(() => parseQualityConfig({ yawSigma: 20 })).toThrow(ConfigError);
    expect(() => parseQualityConfig({ sizeFullPx: -1 })).toThrow(/sizeFullPx/);
    expect(() => parseQualityConfig({ weights: { frontal: 0, sharpness: 0, size: 0, confidence: 0 } })).toThrow(/must not all be 0/);
    expect(() => scoreDetection(det({ bboxXYWH: [0, 0, 0, 10] }), texturedCrop(16))).toThrow(InputError);
  });
});

describe('toTrack', () => {
  it('builds the contracts Track with LR_0 at the best quality', () => {
    const mk = (quality: number, frameIndex: number): ScoredDetection => ({ ...det({ frameIndex }), quality, sharpness: 1, frontalness: 1 });
    const detections = [mk(0.3, 0), mk(0.9, 1), mk(0.5, 2)];
    const t = toTrack({ trackKey: 4, detections, embeddings: [null, null, null], firstPtsMs: 0, lastPtsMs: 80, reentries: 0 }, 7);
    expect(t).toEqual({ trackKey: 4, sourceId: 7, detections, lr0Index: 1 });
    expect(() => toTrack({ trackKey: 1, detections: [], embeddings: [], firstPtsMs: 0, lastPtsMs: 0, reentries: 0 }, 7)).toThrow(/at least one detection/);
  });
});
