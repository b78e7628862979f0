/**
 * Constant-velocity Kalman filter on a box: state [cx, cy, w, h, vcx, vcy, vw, vh] (pixels and
 * pixels per second), measurement [cx, cy, w, h]. Process noise is the discretised white-noise
 * acceleration model per coordinate (Bar-Shalom): Q = σa²·[[dt⁴/4, dt³/2], [dt³/2, dt²]] with
 * σa proportional to the box size, so small and large faces get the same relative slack.
 * Plain Float64Array maths, 8x8 at most.
 */
export interface KalmanBoxParams {
  /** Acceleration noise std, in box sizes per s². */
  readonly accelStd: number;
  /** Measurement noise std, in box sizes. */
  readonly measurementStd: number;
  /** Initial velocity std, in box sizes per s. */
  readonly initVelocityStd: number;
}

export interface KalmanBox {
  /** Advances the state by dtS seconds (dtS ≥ 0). */
  predict(dtS: number): void;
  /** Corrects with a measured box [x, y, width, height]. */
  update(bboxXYWH: readonly [number, number, number, number]): void;
  /** The current box estimate as [x, y, width, height] (width and height ≥ 1e-3). */
  box(): [number, number, number, number];
  /** The box `predict(dtS)` then `box()` would give, without changing the state. */
  predictedBox(dtS: number): [number, number, number, number];
}

const N = 8;

export function createKalmanBox(bboxXYWH: readonly [number, number, number, number], params: KalmanBoxParams): KalmanBox {
  const x = new Float64Array(N);
  const P = new Float64Array(N * N);
  const [bx, by, bw, bh] = bboxXYWH;
  x.set([bx + bw / 2, by + bh / 2, bw, bh]);
  const size0 = Math.max(bw, bh);
  for (let i = 0; i < 4; i++) {
    P[i * N + i] = (2 * params.measurementStd * size0) ** 2;
    P[(i + 4) * N + i + 4] = (params.initVelocityStd * size0) ** 2;
  }
  const size = (): number => Math.max(1e-3, x[2] ?? 0, x[3] ?? 0);

  return {
    predict(dtS: number): void {
      if (dtS <= 0) return;
      // x ← F x
      for (let i = 0; i < 4; i++) x[i] = (x[i] ?? 0) + dtS * (x[i + 4] ?? 0);
      // P ← F P Fᵀ + Q, with F = [[I, dt I], [0, I]] done blockwise per coordinate pair (i, i+4).
      const FP = new Float64Array(N * N);
      for (let r = 0; r < N; r++) {
        for (let c = 0; c < N; c++) {
          FP[r * N + c] = (P[r * N + c] ?? 0) + (r < 4 ? dtS * (P[(r + 4) * N + c] ?? 0) : 0);
        }
      }
      for (let r = 0; r < N; r++) {
        for (let c = 0; c < N; c++) {
          P[r * N + c] = (FP[r * N + c] ?? 0) + (c < 4 ? dtS * (FP[r * N + c + 4] ?? 0) : 0);
        }
      }
      const q = (params.accelStd * size()) ** 2;
      for (let i = 0; i < 4; i++) {
        P[i * N + i] = (P[i * N + i] ?? 0) + (q * dtS ** 4) / 4;
        P[i * N + i + 4] = (P[i * N + i + 4] ?? 0) + (q * dtS ** 3) / 2;
        P[(i + 4) * N + i] = (P[(i + 4) * N + i] ?? 0) + (q * dtS ** 3) / 2;
        P[(i + 4) * N + i + 4] = (P[(i + 4) * N + i + 4] ?? 0) + q * dtS ** 2;
      }
      x[2] = Math.max(1e-3, x[2] ?? 0);
      x[3] = Math.max(1e-3, x[3] ?? 0);
    },

    update(bbox: readonly [number, number, number, number]): void {
      const z = [bbox[0] + bbox[2] / 2, bbox[1] + bbox[3] / 2, bbox[2], bbox[3]];
      const r = (params.measurementStd * size()) ** 2;
      // S = H P Hᵀ + R = P[0:4, 0:4] + r I
      const S = new Float64Array(16);
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) S[i * 4 + j] = (P[i * N + j] ?? 0) + (i === j ? r : 0);
      const Si = invert4(S);
      // K = P Hᵀ S⁻¹ = P[:, 0:4] S⁻¹  (8x4)
      const K = new Float64Array(N * 4);
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < 4; j++) {
          let s = 0;
          for (let k = 0; k < 4; k++) s += (P[i * N + k] ?? 0) * (Si[k * 4 + j] ?? 0);
          K[i * 4 + j] = s;
        }
      }
      const innov = [0, 1, 2, 3].map((k) => (z[k] ?? 0) - (x[k] ?? 0));
      for (let i = 0; i < N; i++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += (K[i * 4 + k] ?? 0) * (innov[k] ?? 0);
        x[i] = (x[i] ?? 0) + s;
      }
      // P ← (I − K H) P = P − K P[0:4, :]
      const P2 = new Float64Array(N * N);
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < 4; k++) s += (K[i * 4 + k] ?? 0) * (P[k * N + j] ?? 0);
          P2[i * N + j] = (P[i * N + j] ?? 0) - s;
        }
      }
      // keep P symmetric against rounding drift
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < N; j++) P[i * N + j] = ((P2[i * N + j] ?? 0) + (P2[j * N + i] ?? 0)) / 2;
      }
      x[2] = Math.max(1e-3, x[2] ?? 0);
      x[3] = Math.max(1e-3, x[3] ?? 0);
    },

    box(): [number, number, number, number] {
      const w = x[2] ?? 0;
      const h = x[3] ?? 0;
      return [(x[0] ?? 0) - w / 2, (x[1] ?? 0) - h / 2, w, h];
    },

    predictedBox(dtS: number): [number, number, number, number] {
      // predict()'s state step x ← F x on the box part only (the box does not depend on P).
      const dt = dtS > 0 ? dtS : 0;
      const w = Math.max(1e-3, (x[2] ?? 0) + dt * (x[6] ?? 0));
      const h = Math.max(1e-3, (x[3] ?? 0) + dt * (x[7] ?? 0));
      return [(x[0] ?? 0) + dt * (x[4] ?? 0) - w / 2, (x[1] ?? 0) + dt * (x[5] ?? 0) - h / 2, w, h];
    },
  };
}

/** Inverse of a symmetric positive-definite 4x4 matrix by Gauss–Jordan with partial pivoting. */
function invert4(m: Float64Array): Float64Array {
  const a = Float64Array.from(m);
  const inv = new Float64Array(16);
  for (let i = 0; i < 4; i++) inv[i * 4 + i] = 1;
  for (let c = 0; c < 4; c++) {
    let piv = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(a[r * 4 + c] ?? 0) > Math.abs(a[piv * 4 + c] ?? 0)) piv = r;
    if (piv !== c) {
      for (let k = 0; k < 4; k++) {
        [a[c * 4 + k], a[piv * 4 + k]] = [a[piv * 4 + k] ?? 0, a[c * 4 + k] ?? 0];
        [inv[c * 4 + k], inv[piv * 4 + k]] = [inv[piv * 4 + k] ?? 0, inv[c * 4 + k] ?? 0];
      }
    }
    const d = a[c * 4 + c] ?? 1;
    for (let k = 0; k < 4; k++) {
      a[c * 4 + k] = (a[c * 4 + k] ?? 0) / d;
      inv[c * 4 + k] = (inv[c * 4 + k] ?? 0) / d;
    }
    for (let r = 0; r < 4; r++) {
      if (r === c) continue;
      const f = a[r * 4 + c] ?? 0;
      if (f === 0) continue;
      for (let k = 0; k < 4; k++) {
        a[r * 4 + k] = (a[r * 4 + k] ?? 0) - f * (a[c * 4 + k] ?? 0);
        inv[r * 4 + k] = (inv[r * 4 + k] ?? 0) - f * (inv[c * 4 + k] ?? 0);
      }
    }
  }
  return inv;
}
