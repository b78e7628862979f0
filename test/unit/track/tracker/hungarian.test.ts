import { solveAssignment } from '../../../../src/track/tracker';

/** Brute force: best total over all injective maps of the smaller side, maximising the number of allowed pairs first. */
function bruteForce(cost: number[][]): { pairs: number; total: number } {
  const rows = cost.length;
  const cols = cost[0]?.length ?? 0;
  let best = { pairs: -1, total: Infinity };
  const usedCols = new Array<boolean>(cols).fill(false);
  const rec = (r: number, pairs: number, total: number): void => {
    if (r === rows) {
      if (pairs > best.pairs || (pairs === best.pairs && total < best.total - 1e-9)) best = { pairs, total };
      return;
    }
    rec(r + 1, pairs, total); // row r unassigned
    for (let c = 0; c < cols; c++) {
      const v = cost[r]?.[c] ?? Infinity;
      if (usedCols[c] || v === Infinity) continue;
      usedCols[c] = true;
      rec(r + 1, pairs + 1, total + v);
      usedCols[c] = false;
    }
  };
  rec(0, 0, 0);
  return best;
}

describe('solveAssignment (Hungarian)', () => {
  it('solves a textbook 3x3 matrix', () => {
    const r = solveAssignment([
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ]);
    expect(Array.from(r.rowToCol)).toEqual([1, 0, 2]);
    expect(r.totalCost).toBe(5);
  });

  it('handles rectangular matrices both ways', () => {
    const wide = solveAssignment([
      [10, 1, 7],
      [1, 10, 7],
    ]);
    expect(Array.from(wide.rowToCol)).toEqual([1, 0]);
    expect(Array.from(wide.colToRow)).toEqual([1, 0, -1]);
    const tall = solveAssignment([[5], [2], [9]]);
    expect(Array.from(tall.rowToCol)).toEqual([-1, 0, -1]);
    expect(tall.totalCost).toBe(2);
  });

  it('never assigns a forbidden (Infinity) pair, and prefers more allowed pairs', () => {
    const r = solveAssignment([
      [1, Infinity],
      [0.5, 100],
    ]);
    // greedy would take (1,0)=0.5 and leave row 0 unmatched; two pairs are possible: (0,0) + (1,1)
    expect(Array.from(r.rowToCol)).toEqual([0, 1]);
    const none = solveAssignment([
      [Infinity, Infinity],
      [Infinity, 3],
    ]);
    expect(Array.from(none.rowToCol)).toEqual([-1, 1]);
  });

  it('matches brute force on 300 seeded random matrices up to 6x6 with forbidden entries', () => {
    let s = 42;
    const rnd = (): number => {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      return s / 0x7fffffff;
    };
    for (let t = 0; t < 300; t++) {
      const rows = 1 + Math.floor(rnd() * 6);
      const cols = 1 + Math.floor(rnd() * 6);
      const cost = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (rnd() < 0.25 ? Infinity : Math.round(rnd() * 100) / 10)));
      const got = solveAssignment(cost);
      const want = bruteForce(cost);
      const pairs = Array.from(got.rowToCol).filter((c) => c >= 0).length;
      expect(pairs).toBe(want.pairs);
      expect(got.totalCost).toBeCloseTo(want.total, 9);
    }
  });

  it('accepts empty input and rejects ragged or NaN matrices', () => {
    expect(solveAssignment([]).rowToCol.length).toBe(0);
    expect(solveAssignment([[], []]).rowToCol.length).toBe(2);
    expect(() => solveAssignment([[1, 2], [3]])).toThrow(/row 1 has 1 entries, expected 2/);
    expect(() => solveAssignment([[NaN]])).toThrow(/cost\[0\]\[0\] is NaN/);
  });
});
