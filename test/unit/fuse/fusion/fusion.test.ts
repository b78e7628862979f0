import { InputError } from '../../../../src/contracts';
import { cosineSimilarity, fuseMean, fuseMean3Sigma, fuseQualityWeighted, l2normalise } from '../../../../src/fuse/fusion';

const f = (...v: number[]): Float32Array => Float32Array.from(v);

describe('l2normalise / cosineSimilarity', () => {
  it('normalises to unit length', () => {
    expect(Array.from(l2normalise(f(3, 4)))).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(cosineSimilarity(f(1, 0), f(1, 1))).toBeCloseTo(Math.SQRT1_2, 12);
  });
  it('rejects zero, empty and NaN vectors', () => {
    expect(() => l2normalise(f(0, 0))).toThrow(/zero vector has no direction/);
    expect(() => l2normalise(f())).toThrow(/empty vector/);
    expect(() => l2normalise(f(1, NaN))).toThrow(/non-finite value \(NaN\) at index 1/);
    expect(() => cosineSimilarity(f(1), f(1, 2))).toThrow(/equal length, got 1 and 2/);
  });
});

describe('fuseMean', () => {
  it('is the mean of the L2-normalised members, not re-normalised', () => {
    // (2,0)→(1,0), (0,5)→(0,1): mean (0.5, 0.5), norm 0.707
    const r = fuseMean([f(2, 0), f(0, 5)], 'adaface-ir18');
    expect(Array.from(r.featureVector)).toEqual([0.5, 0.5]);
    expect(r).toMatchObject({ embedderId: 'adaface-ir18', method: 'mean', memberIndices: [0, 1], rejectedIndices: [] });
  });
  it('gives clear errors for empty input, mismatched dimensions and NaN', () => {
    expect(() => fuseMean([], 'x')).toThrow(/fuseMean: expected at least one embedding, got 0/);
    expect(() => fuseMean([f(1, 0), f(1, 0, 0)], 'x')).toThrow(/embedding 1 has dimension 3, expected 2/);
    expect(() => fuseMean([f(1, 0), f(NaN, 0)], 'x')).toThrow(/embedding 1 has a non-finite value \(NaN\) at index 0/);
    expect(() => fuseMean([f(1, 0)], '')).toThrow(InputError);
  });
});

describe('fuseMean3Sigma', () => {
  // 12 members near e0 in 3-D plus one pointing at e1: the outlier's cosine distance is far beyond mean + 3 std.
  const inliers = Array.from({ length: 12 }, (_, i) => f(1, 0.02 * Math.sin(i), 0.02 * Math.cos(i)));
  const outlier = f(0, 1, 0);

  it('rejects a member far from the others and averages the rest (cosine-distance rule)', () => {
    const members = [...inliers.slice(0, 5), outlier, ...inliers.slice(5)];
    const r = fuseMean3Sigma(members, 'e');
    expect(r.rejectedIndices).toEqual([5]);
    expect(r.memberIndices).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12]);
    const expected = fuseMean(inliers, 'e').featureVector;
    r.featureVector.forEach((v, k) => expect(v).toBeCloseTo(expected[k] ?? NaN, 6));
    expect(r.method).toBe('mean-3sigma');
  });

  it('cannot reject anything with 10 members (one outlier has z ≤ (N−1)/√N < 3): plain mean', () => {
    const members = [...inliers.slice(0, 9), outlier];
    const r = fuseMean3Sigma(members, 'e');
    expect(r.rejectedIndices).toEqual([]);
    expect(Array.from(r.featureVector)).toEqual(Array.from(fuseMean(members, 'e').featureVector));
  });

  it("the authors' literal per-dimension rule also rejects the outlier", () => {
    const r = fuseMean3Sigma([...inliers, outlier], 'e', { rule: 'per-dimension' });
    expect(r.rejectedIndices).toContain(12);
    expect(r.method).toBe('mean-3sigma-per-dim');
  });

  it('in 512-D the per-dimension rule rejects most ordinary members; the cosine-distance rule does not', () => {
    // Seeded (mulberry32 + Box–Muller): 40 members = centre + N(0, 0.3²) noise per dimension.
    let seed = 12345;
    const rand = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const centre = Float32Array.from({ length: 512 }, () => gauss());
    const members = Array.from({ length: 40 }, () => Float32Array.from(centre, (c) => c + 0.3 * gauss()));
    const perDim = fuseMean3Sigma(members, 'e', { rule: 'per-dimension' });
    const cosine = fuseMean3Sigma(members, 'e');
    expect(perDim.rejectedIndices.length).toBeGreaterThan(15);
    expect(cosine.rejectedIndices.length).toBeLessThanOrEqual(1);
  });

  it('validates options', () => {
    expect(() => fuseMean3Sigma(inliers, 'e', { threshold: -1 })).toThrow(/threshold must be a positive number, got -1/);
    expect(() => fuseMean3Sigma(inliers, 'e', { rule: 'mad' as 'per-dimension' })).toThrow(/rule must be one of cosine-distance, per-dimension, got 'mad'/);
    expect(() => fuseMean3Sigma(inliers, 'e', { sigma: 3 } as object)).toThrow(/fuseMean3Sigma: unknown option "sigma"/);
    expect(() => fuseMean3Sigma([], 'e')).toThrow(/expected at least one embedding/);
  });
});

describe('fuseQualityWeighted', () => {
  it('weights the normalised members by quality; zero-quality members are rejected', () => {
    const r = fuseQualityWeighted([f(4, 0), f(0, 1), f(1, 1)], [3, 1, 0], 'e');
    expect(Array.from(r.featureVector)).toEqual([0.75, 0.25]);
    expect(r.memberIndices).toEqual([0, 1]);
    expect(r.rejectedIndices).toEqual([2]);
    expect(r.method).toBe('quality-weighted');
  });
  it('rejects mismatched lengths, negative, NaN and all-zero weights', () => {
    expect(() => fuseQualityWeighted([f(1, 0)], [1, 2], 'e')).toThrow(/expected 1 qualities \(one per embedding\), got 2/);
    expect(() => fuseQualityWeighted([f(1, 0)], [-1], 'e')).toThrow(/quality 0 must be a finite number ≥ 0, got -1/);
    expect(() => fuseQualityWeighted([f(1, 0)], [NaN], 'e')).toThrow(/got NaN/);
    expect(() => fuseQualityWeighted([f(1, 0)], [0], 'e')).toThrow(/all qualities are 0/);
  });
});
