/**
 * Evaluation metrics on hand-made similarity matrices whose answers are known: perfect, inverted,
 * constant (all tied), seeded random, and small tie cases worked out by hand.
 */
import {
  aucMannWhitney,
  cosineSimilarityMatrix,
  identificationRates,
  imageQuality,
  pairedBootstrap,
  pairScores,
  psnrY,
  rocArea,
  rocCurve,
  tarAtFar,
} from '../../../src/eval/metrics';
import type { SimilarityMatrix } from '../../../src/eval/metrics';
import { InputError } from '../../../src/contracts';
import { seededDerangement } from '../../../src/eval';

const IDS = ['a', 'b', 'c', 'd'];

function matrix(f: (p: number, g: number) => number, n = IDS.length): SimilarityMatrix {
  const ids = Array.from({ length: n }, (_, i) => IDS[i] ?? `id${i}`);
  return { scores: ids.map((_, p) => ids.map((__, g) => f(p, g))), probeIds: ids, galleryIds: ids };
}

/** mulberry32: a small seeded generator so the "random" case is reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('verification', () => {
  it('perfect matrix: AUC 1, the ROC reaches TAR 1 at FAR 0', () => {
    const s = pairScores(matrix((p, g) => (p === g ? 0.9 : 0.1 * ((p + g) % 3))));
    expect(s.genuine).toHaveLength(4);
    expect(s.impostor).toHaveLength(12);
    expect(aucMannWhitney(s)).toBe(1);
    const roc = rocCurve(s);
    expect(roc[0]).toEqual({ threshold: Infinity, far: 0, tar: 0 });
    expect(roc[roc.length - 1]).toMatchObject({ far: 1, tar: 1 });
    expect(rocArea(roc)).toBeCloseTo(1, 12);
    expect(tarAtFar(roc, 0)).toMatchObject({ tar: 1, far: 0, threshold: 0.9 });
  });

  it('inverted matrix: AUC 0, TAR 0 until FAR 1', () => {
    const s = pairScores(matrix((p, g) => (p === g ? -0.5 : 0.5)));
    expect(aucMannWhitney(s)).toBe(0);
    const roc = rocCurve(s);
    expect(rocArea(roc)).toBe(0);
    expect(tarAtFar(roc, 0.99).tar).toBe(0);
    expect(tarAtFar(roc, 1).tar).toBe(1);
  });

  it('constant matrix (every pair tied): AUC exactly 0.5 by the Mann–Whitney ½ credit, ROC the diagonal', () => {
    const s = pairScores(matrix(() => 0.3));
    expect(aucMannWhitney(s)).toBe(0.5);
    const roc = rocCurve(s);
    expect(roc).toEqual([
      { threshold: Infinity, far: 0, tar: 0 },
      { threshold: 0.3, far: 1, tar: 1 },
    ]);
    expect(rocArea(roc)).toBe(0.5);
  });

  it('ties between a genuine and an impostor score count ½ (worked by hand: 3.5 / 4)', () => {
    const s = { genuine: Float64Array.from([0.9, 0.5]), impostor: Float64Array.from([0.5, 0.1]) };
    expect(aucMannWhitney(s)).toBe(0.875);
    const roc = rocCurve(s);
    expect(roc.map((p) => [p.far, p.tar])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    expect(rocArea(roc)).toBe(0.875);
    expect(tarAtFar(roc, 0.4)).toMatchObject({ tar: 0.5, far: 0 });
    expect(tarAtFar(roc, 0.5)).toMatchObject({ tar: 1, far: 0.5, threshold: 0.5 });
  });

  it('seeded random scores: AUC near 0.5; the ROC area equals the Mann–Whitney AUC', () => {
    const r = rng(7);
    const s = pairScores(matrix(() => r(), 60));
    const auc = aucMannWhitney(s);
    // 60 genuine vs 3540 impostor: the AUC's standard deviation is ~0.038, so 0.15 is ~4 sd.
    expect(Math.abs(auc - 0.5)).toBeLessThan(0.15);
    expect(rocArea(rocCurve(s))).toBeCloseTo(auc, 12);
  });

  it('rejects matrices without genuine or impostor pairs and bad FAR targets', () => {
    expect(() => pairScores({ scores: [[1]], probeIds: ['a'], galleryIds: ['b'] })).toThrow('pairScores: no genuine pair');
    expect(() => pairScores({ scores: [[1]], probeIds: ['a'], galleryIds: ['a'] })).toThrow('pairScores: no impostor pair');
    expect(() => pairScores({ scores: [[1, NaN]], probeIds: ['a'], galleryIds: ['a', 'b'] })).toThrow('score [0][1] is not finite');
    expect(() => pairScores({ scores: [[1]], probeIds: ['a'], galleryIds: ['a', 'b'] })).toThrow('scores row 0 has 1 columns, expected one per gallery entry (2)');
    expect(() => tarAtFar([{ threshold: 1, far: 0, tar: 1 }], 1.5)).toThrow(InputError);
  });
});

describe('identification', () => {
  it('perfect matrix: Rank-1 = 1 under every tie convention', () => {
    const r = identificationRates(matrix((p, g) => (p === g ? 1 : 0.2)));
    expect(r.average).toEqual([1, 1, 1]);
    expect(r.pessimistic).toEqual([1, 1, 1]);
    expect(r.optimistic).toEqual([1, 1, 1]);
  });

  it('inverted matrix: every probe ranks last (4 of 4): Rank-1 0, Rank-5 and Rank-10 1 (k above the gallery size)', () => {
    const r = identificationRates(matrix((p, g) => (p === g ? 0 : 1 + g)));
    expect(r.ranks.every((x) => x.optimistic === 4 && x.pessimistic === 4)).toBe(true);
    expect(r.average).toEqual([0, 1, 1]);
    expect(identificationRates(matrix((p, g) => (p === g ? 0 : 1)), [3, 4]).average).toEqual([0, 1]);
  });

  it('constant matrix: optimistic 1, pessimistic 0, average 1/n at rank 1 and k/n at rank k', () => {
    const r = identificationRates(matrix(() => 0.5), [1, 2, 3, 4]);
    expect(r.optimistic).toEqual([1, 1, 1, 1]);
    expect(r.pessimistic).toEqual([0, 0, 0, 1]);
    expect(r.average).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it('a two-way tie for first: ranks 1 (optimistic) / 2 (pessimistic), Rank-1 credit ½ (worked by hand)', () => {
    const m: SimilarityMatrix = {
      scores: [
        [0.8, 0.8, 0.2],
        [0.1, 0.9, 0.3],
      ],
      probeIds: ['a', 'b'],
      galleryIds: ['a', 'b', 'c'],
    };
    const r = identificationRates(m, [1, 2]);
    expect(r.ranks[0]).toEqual({ above: 0, tied: 1, optimistic: 1, pessimistic: 2 });
    expect(r.ranks[1]).toEqual({ above: 0, tied: 0, optimistic: 1, pessimistic: 1 });
    expect(r.average).toEqual([0.75, 1]);
    expect(r.pessimistic).toEqual([0.5, 1]);
  });

  it('seeded random scores over 100 identities: Rank-k near k/100', () => {
    const r = rng(11);
    const rates = identificationRates(matrix(() => r(), 100), [1, 10, 50]);
    expect(rates.average[0]).toBeLessThan(0.06);
    expect(Math.abs((rates.average[1] as number) - 0.1)).toBeLessThan(0.1);
    expect(Math.abs((rates.average[2] as number) - 0.5)).toBeLessThan(0.2);
  });

  it('closed set: a probe identity missing from the gallery is an error naming it', () => {
    expect(() => identificationRates({ scores: [[1, 0]], probeIds: ['x'], galleryIds: ['a', 'b'] })).toThrow('probe 0 (identity "x") has no gallery entry');
    expect(() => identificationRates(matrix(() => 1), [0])).toThrow('ranks must be positive integers, received 0');
  });
});

describe('cosineSimilarityMatrix', () => {
  it('computes cosines of unnormalised vectors and checks dimensions', () => {
    const m = cosineSimilarityMatrix([Float32Array.from([3, 4])], [Float32Array.from([1, 0]), Float32Array.from([0, 2])], ['a'], ['a', 'b']);
    expect(m.scores[0]?.[0]).toBeCloseTo(0.6, 6);
    expect(m.scores[0]?.[1]).toBeCloseTo(0.8, 6);
    expect(() => cosineSimilarityMatrix([Float32Array.from([1, 0, 0])], [Float32Array.from([1, 0])], ['a'], ['a'])).toThrow('probe embedding 0 has 3 values, expected 2');
    expect(() => cosineSimilarityMatrix([Float32Array.from([0, 0])], [Float32Array.from([1, 0])], ['a'], ['a'])).toThrow('zero or non-finite vector');
  });
});

describe('imageQuality', () => {
  const size = 16;
  const hr = Float32Array.from({ length: size * size * 3 }, (_, i) => ((i * 37) % 101) / 200 + 0.2);
  it('a constant offset of 0.1 is 20 dB; identical images are left out of the PSNR mean and have SSIM 1', () => {
    const off = hr.map((v) => v + 0.1);
    const q = imageQuality([off, hr], [hr, hr], size);
    expect(q.psnrDb).toBeCloseTo(20, 4);
    expect(q.identical).toBe(1);
    expect(q.ssim).toBeLessThan(1);
    const same = imageQuality([hr], [hr], size);
    expect(same.psnrDb).toBeNull();
    expect(same.ssim).toBeCloseTo(1, 10);
    expect(() => imageQuality([hr], [], size)).toThrow('imageQuality: need as many outputs as HR images');
  });
});

describe('psnrY', () => {
  it('a grey offset of 0.1 in every channel moves studio-swing luma by 0.1 × 219/255: 20 − 20·log10(219/255) dB; PSNR-Y is in imageQuality', () => {
    const size = 16;
    const hr = Float32Array.from({ length: size * size * 3 }, (_, i) => ((i * 13) % 50) / 100 + 0.2);
    const off = hr.map((v) => v + 0.1);
    expect(psnrY(off, hr)).toBeCloseTo(20 - 20 * Math.log10(219 / 255), 4);
    expect(psnrY(hr, hr)).toBe(Infinity);
    expect(imageQuality([off], [hr], size).psnrYDb).toBeCloseTo(psnrY(off, hr), 10);
    expect(() => psnrY(hr, hr.subarray(3))).toThrow('psnrY: expected two RGB images of equal size');
  });
});

describe('pairedBootstrap', () => {
  const r = rng(11);
  const n = 12;
  const noise = Array.from({ length: n * n }, () => r());
  // A: genuine pairs above impostors; B: the same scores without the genuine margin, so A − B > 0.
  const a = matrix((p, g) => (p === g ? 0.3 : 0) + (noise[p * n + g] as number) * 0.5, n);
  const b = matrix((p, g) => (noise[p * n + g] as number) * 0.5, n);

  it('the point differences are those of aucMannWhitney and the tie-averaged Rank-1 on the full set', () => {
    const res = pairedBootstrap(a, b, { resamples: 500, seed: 3 });
    expect(res.auc.difference).toBeCloseTo(aucMannWhitney(pairScores(a)) - aucMannWhitney(pairScores(b)), 12);
    expect(res.rank1.difference).toBeCloseTo((identificationRates(a, [1]).average[0] as number) - (identificationRates(b, [1]).average[0] as number), 12);
    expect(res.auc.ci[0]).toBeLessThanOrEqual(res.auc.difference);
    expect(res.auc.ci[1]).toBeGreaterThanOrEqual(res.auc.difference);
    expect(res.auc.ci[0]).toBeGreaterThan(0);
    expect(res).toMatchObject({ resamples: 500, level: 0.95, seed: 3 });
  });

  it('is seeded (same seed, same interval; another seed, another), and a method against itself gives [0, 0]', () => {
    expect(pairedBootstrap(a, b, { resamples: 300, seed: 1 })).toEqual(pairedBootstrap(a, b, { resamples: 300, seed: 1 }));
    expect(pairedBootstrap(a, b, { resamples: 300, seed: 1 }).auc.ci).not.toEqual(pairedBootstrap(a, b, { resamples: 300, seed: 2 }).auc.ci);
    const self = pairedBootstrap(a, a, { resamples: 200 });
    expect(self.auc).toEqual({ difference: 0, ci: [0, 0] });
    expect(self.rank1).toEqual({ difference: 0, ci: [0, 0] });
  });

  it('refuses unpaired matrices and bad options', () => {
    const other = { ...b, probeIds: [...b.probeIds].reverse() };
    expect(() => pairedBootstrap(a, other)).toThrow('pairedBootstrap: the two methods must be scored on the same probes and gallery');
    expect(() => pairedBootstrap(a, b, { resamples: 10 })).toThrow('pairedBootstrap: resamples must be an integer >= 100, received 10');
    expect(() => pairedBootstrap(a, b, { level: 1 })).toThrow('pairedBootstrap: level must be in (0, 1), received 1');
  });
});

describe('seededDerangement', () => {
  it('gives no identity its own F_M, uses every F_M once, and is fixed by the seed', () => {
    for (const n of [2, 3, 10, 100]) {
      for (const seed of [0, 1, 7]) {
        const d = seededDerangement(n, seed);
        expect([...d].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(d.every((j, i) => j !== i)).toBe(true);
        expect(seededDerangement(n, seed)).toEqual(d);
      }
    }
    expect(seededDerangement(10, 0)).not.toEqual(seededDerangement(10, 1));
    expect(() => seededDerangement(1, 0)).toThrow("seededDerangement: need at least 2 identities to give each another's F_M, received 1");
  });
});
