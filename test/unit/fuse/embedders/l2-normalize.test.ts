import { cosineSimilarity, l2Normalize } from '../../../../src/fuse/embedders';

describe('l2Normalize', () => {
  it('scales to unit norm and keeps direction', () => {
    const v = l2Normalize([3, 4]);
    expect(Array.from(v)).toEqual([expect.closeTo(0.6, 7), expect.closeTo(0.8, 7)]);
  });
  it('rejects a zero or non-finite vector', () => {
    expect(() => l2Normalize([0, 0, 0])).toThrow('cannot L2-normalise a vector of length 3 with norm 0');
    expect(() => l2Normalize([1, Number.NaN])).toThrow(RangeError);
  });
});

describe('cosineSimilarity', () => {
  it('is 1 for parallel, 0 for orthogonal, -1 for opposite vectors', () => {
    expect(cosineSimilarity([1, 2], [2, 4])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([1, 0], [0, 3])).toBe(0);
    expect(cosineSimilarity([1, 1], [-1, -1])).toBeCloseTo(-1, 12);
  });
  it('rejects different lengths', () => {
    expect(() => cosineSimilarity([1], [1, 2])).toThrow('cosineSimilarity: lengths differ (1 vs 2)');
  });
});
