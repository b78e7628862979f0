import type { OnnxGraphBuilder } from './onnx-graph-builder';

/** Output tile size m of the Winograd F(m x m, 3 x 3) used here (input tiles m + 2). */
export const WINOGRAD_TILE = 4;

/**
 * The transform matrices of F(4, 3) (Lavin & Gray 2016, section 4.2: interpolation points 0, ±1, ±2, ∞).
 * B^T (6x6): input tile -> transformed input; G (6x3): 3-tap filter -> transformed filter;
 * A^T (4x6): transformed product -> output tile.
 */
const BT = [
  [4, 0, -5, 0, 1, 0],
  [0, -4, -4, 1, 1, 0],
  [0, 4, -4, -1, 1, 0],
  [0, -2, -1, 2, 1, 0],
  [0, 2, -1, -2, 1, 0],
  [0, 4, 0, -5, 0, 1],
];
const G = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];
const AT = [
  [1, 1, 1, 1, 1, 0],
  [0, 1, -1, 2, -2, 0],
  [0, 1, 1, 4, 4, 0],
  [0, 1, -1, 8, -8, 1],
];

/** Kronecker product a ⊗ b, row-major: out[(i*rb + j), (k*cb + l)] = a[i][k] * b[j][l]. */
function kron(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number[][] {
  const out: number[][] = [];
  for (const ai of a) {
    for (const bj of b) {
      const row: number[] = [];
      for (const aik of ai) for (const bjl of bj) row.push(aik * bjl);
      out.push(row);
    }
  }
  return out;
}

/**
 * The transformed filters U = G g G^T of a 3x3 convolution, laid out [36, O, C] (component
 * major, as the batched MatMul takes them), accumulated in float64 and rounded once.
 * @param weightOIHW torch layout [O, C, 3, 3]
 */
export function winogradFilters(weightOIHW: Float32Array, outCh: number, inCh: number): Float32Array {
  const n = WINOGRAD_TILE + 2;
  const u = new Float32Array(n * n * outCh * inCh);
  const tmp = new Float64Array(3 * n); // G g for one (o, c): [n, 3]
  for (let o = 0; o < outCh; o++) {
    for (let c = 0; c < inCh; c++) {
      const base = (o * inCh + c) * 9;
      for (let i = 0; i < n; i++) {
        const gi = G[i] ?? [];
        for (let l = 0; l < 3; l++) {
          let s = 0;
          for (let k = 0; k < 3; k++) s += (gi[k] ?? 0) * (weightOIHW[base + k * 3 + l] ?? 0);
          tmp[i * 3 + l] = s;
        }
      }
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const gj = G[j] ?? [];
          let s = 0;
          for (let l = 0; l < 3; l++) s += (tmp[i * 3 + l] ?? 0) * (gj[l] ?? 0);
          u[((i * n + j) * outCh + o) * inCh + c] = s;
        }
      }
    }
  }
  return u;
}

/** A feature map in the exported graph: NCHW value name, channels, square spatial size. */
export interface OnnxFeatureMap {
  readonly v: string;
  readonly c: number;
  readonly s: number;
}

/**
 * Emits a 3x3 convolution (stride 1, zero padding 1, like `Conv(kernel 3, pads 1)`) as Winograd
 * F(4x4, 3x3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016):
 * Y = A^T [ (G g G^T) ⊙ (B^T d B) ] A per 4x4 output tile, i.e. 36 products per tile and channel
 * pair instead of 144 (4x fewer multiplications).
 *
 * Only onnxruntime's fast operators are used, in layouts that need no large transpose:
 * - input tiles: Pad (1 before, 3 after), SpaceToDepth(4) splits the map into its 16 phases, then
 *   four unit-stride Slices (tile offsets 0/1 in each axis) gather all 36 positions of the 6x6
 *   tiles, component-major: P [B, 36, C*T^2] with T = s/4;
 * - V = (B^T ⊗ B^T)·P as one MatMul (rows permuted to the gather order);
 * - M = U·V as one batched MatMul over the 36 components: [36,O,C] x [B,36,C,T^2];
 * - Y = (A^T ⊗ A^T)·M, then DepthToSpace(4, DCR) interleaves the 16 output phases; bias added.
 *
 * Exact in real arithmetic; in float32 it differs from the direct convolution by rounding: 3e-6
 * of the output's largest value for one layer (the interpolation points ±2 amplify rounding; the
 * test bounds it at 1e-5), about 2e-7 at the paper-config network's output.
 *
 * @param weightOIHW the conv weight, torch layout [O, C, 3, 3]
 * @param names initializer names to use for the transformed weight and the bias
 * @returns the output value, NCHW [B, O, s, s]
 */
export function emitWinogradConv3x3(
  g: OnnxGraphBuilder,
  x: OnnxFeatureMap,
  outCh: number,
  weightOIHW: Float32Array,
  bias: Float32Array,
  names: { readonly weight: string; readonly bias: string },
): string {
  const { c, s } = x;
  const m = WINOGRAD_TILE;
  if (s % m !== 0) throw new Error(`Winograd F(${m},3): map size ${s} is not a multiple of ${m}`);
  if (weightOIHW.length !== outCh * c * 9) throw new Error(`Winograd F(${m},3): weight has ${weightOIHW.length} values, expected ${outCh}x${c}x3x3`);
  const n = m + 2;
  const K = n * n;
  const T = s / m;
  // Tile (tr, tc) reads padded rows m*tr + a, a in [0, n): with a = m*alpha + p that is phase p at
  // block tr + alpha. Pad to s + m so SpaceToDepth gives T+1 blocks per axis.
  const padded = g.op('Pad', [x.v, g.int64s([0, 0, 1, 1, 0, 0, m - 1, m - 1])]);
  const phases = g.op('Reshape', [g.op('SpaceToDepth', [padded], { blocksize: m }), g.int64s([0, m, m, c, T + 1, T + 1])]);
  const gatherOrder: number[] = []; // tile position a*n + b of each gathered row
  const groups: string[] = [];
  for (const alpha of [0, 1]) {
    for (const beta of [0, 1]) {
      const np = alpha === 0 ? m : n - m;
      const nq = beta === 0 ? m : n - m;
      for (let p = 0; p < np; p++) for (let q = 0; q < nq; q++) gatherOrder.push((m * alpha + p) * n + (m * beta + q));
      const slice = g.op('Slice', [phases, g.int64s([0, 0, alpha, beta]), g.int64s([np, nq, alpha + T, beta + T]), g.int64s([1, 2, 4, 5])]);
      groups.push(g.op('Reshape', [slice, g.int64s([0, np * nq, -1])]));
    }
  }
  const tiles = g.op('Concat', groups, { axis: 1 }); // [B, K, C*T*T]
  const inputTransform = g.sharedFloats(`winograd/f${m}/input-transform`, [K, K], () => {
    const btFull = kron(BT, BT); // [K (component), K (tile position)]
    const values = new Float32Array(K * K);
    for (let k = 0; k < K; k++) for (let r = 0; r < K; r++) values[k * K + r] = btFull[k]?.[gatherOrder[r] ?? 0] ?? 0;
    return values;
  });
  const v = g.op('Reshape', [g.op('MatMul', [inputTransform, tiles]), g.int64s([0, K, c, T * T])]);
  const u = g.floats(names.weight, [K, outCh, c], winogradFilters(weightOIHW, outCh, c));
  const prod = g.op('Reshape', [g.op('MatMul', [u, v]), g.int64s([0, K, outCh * T * T])]); // [B, K, O*T*T]
  const outputTransform = g.sharedFloats(`winograd/f${m}/output-transform`, [m * m, K], () => kron(AT, AT).flat()); // [m*m, K]
  const phasesOut = g.op('Reshape', [g.op('MatMul', [outputTransform, prod]), g.int64s([0, m * m * outCh, T, T])]);
  const y = g.op('DepthToSpace', [phasesOut], { blocksize: m, mode: 'DCR' });
  return g.op('Add', [y, g.floats(names.bias, [outCh, 1, 1], bias)]);
}
