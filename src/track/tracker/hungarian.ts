import { InputError } from '../../contracts';

/** Result of {@link solveAssignment}. */
export interface Assignment {
  /** For each row, the assigned column or −1. */
  readonly rowToCol: Int32Array;
  /** For each column, the assigned row or −1. */
  readonly colToRow: Int32Array;
  /** Sum of the costs of the assigned pairs. */
  readonly totalCost: number;
}

/**
 * Minimum-cost assignment of rows to columns (Kuhn–Munkres / Hungarian algorithm, O(n²m) with
 * potentials and shortest augmenting paths, Jonker–Volgenant style). Rectangular matrices are
 * allowed; every row or every column (whichever is fewer) is matched when possible.
 * Entries equal to +Infinity are forbidden pairs: they are replaced by a cost larger than any
 * sum of allowed costs, so the solver first maximises the number of allowed pairs and then
 * minimises their cost; pairs that still land on a forbidden entry are reported as unassigned.
 * @param cost rows × cols finite costs or +Infinity; may be empty.
 * @throws InputError on ragged rows, NaN or −Infinity.
 */
export function solveAssignment(cost: readonly (readonly number[])[]): Assignment {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : (cost[0]?.length ?? 0);
  let finiteSum = 0;
  cost.forEach((row, i) => {
    if (row.length !== cols) throw new InputError(`solveAssignment: row ${i} has ${row.length} entries, expected ${cols}`);
    row.forEach((v, j) => {
      if (Number.isNaN(v) || v === -Infinity) throw new InputError(`solveAssignment: cost[${i}][${j}] is ${String(v)}`);
      if (v !== Infinity) finiteSum += Math.abs(v);
    });
  });
  const rowToCol = new Int32Array(rows).fill(-1);
  const colToRow = new Int32Array(cols).fill(-1);
  if (rows === 0 || cols === 0) return { rowToCol, colToRow, totalCost: 0 };
  const big = 2 * finiteSum + 1;
  const transpose = rows > cols;
  const n = transpose ? cols : rows; // n ≤ m
  const m = transpose ? rows : cols;
  const at = (i: number, j: number): number => {
    const v = (transpose ? cost[j]?.[i] : cost[i]?.[j]) ?? Infinity;
    return v === Infinity ? big : v;
  };
  // 1-based arrays as in the classic formulation; p[j] = row matched to column j.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0] ?? 0;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = at(i0 - 1, j - 1) - (u[i0] ?? 0) - (v[j] ?? 0);
        if (cur < (minv[j] ?? Infinity)) {
          minv[j] = cur;
          way[j] = j0;
        }
        if ((minv[j] ?? Infinity) < delta) {
          delta = minv[j] ?? Infinity;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          const pj = p[j] ?? 0;
          u[pj] = (u[pj] ?? 0) + delta;
          v[j] = (v[j] ?? 0) - delta;
        } else {
          minv[j] = (minv[j] ?? 0) - delta;
        }
      }
      j0 = j1;
    } while ((p[j0] ?? 0) !== 0);
    do {
      const j1 = way[j0] ?? 0;
      p[j0] = p[j1] ?? 0;
      j0 = j1;
    } while (j0 !== 0);
  }
  let totalCost = 0;
  for (let j = 1; j <= m; j++) {
    const i = p[j] ?? 0;
    if (i === 0) continue;
    const r = transpose ? j - 1 : i - 1;
    const c = transpose ? i - 1 : j - 1;
    const val = cost[r]?.[c] ?? Infinity;
    if (val === Infinity) continue;
    rowToCol[r] = c;
    colToRow[c] = r;
    totalCost += val;
  }
  return { rowToCol, colToRow, totalCost };
}
