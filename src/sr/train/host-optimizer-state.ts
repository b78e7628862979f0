import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../contracts';
import type { AdamOptimizer } from './adam-optimizer';
import { emaDecayAt } from './exponential-moving-average';
import type { ExponentialMovingAverage } from './exponential-moving-average';

const f = Math.fround;

/**
 * The optimiser state of a run (weights, Adam moments, EMA shadow) on Float32Arrays, for the onnx
 * engine, whose gradients arrive as Float32Arrays: one fused pass per tensor instead of ~15 tfjs
 * dispatches (measured: ~200 ms per step on tfjs-wasm for the bundled model's 306 tensors).
 *
 * The maths is that of {@link AdamOptimizer} (torch.optim.Adam), {@link ExponentialMovingAverage}
 * and `clipGradsByGlobalNorm`, op for op in float32 (every intermediate rounded with Math.fround,
 * as tfjs' float32 kernels round each op), except that the global norm is summed in float64. The
 * tfjs objects stay the checkpoint format: {@link syncTo} writes this state into them.
 */
export class HostOptimizerState {
  readonly params = new Map<string, Float32Array>();
  readonly #m = new Map<string, Float32Array>();
  readonly #v = new Map<string, Float32Array>();
  readonly #shadow = new Map<string, Float32Array>();
  readonly #shapes = new Map<string, readonly number[]>();
  #adamUpdates: number;
  #emaUpdates: number;
  readonly #hyper: { beta1: number; beta2: number; eps: number };
  readonly #emaDecay: number;

  /** Copies the current state of the tfjs variables, Adam (moments start at 0 if it has none) and EMA. */
  constructor(vars: ReadonlyMap<string, tf.Variable>, adam: AdamOptimizer, ema: ExponentialMovingAverage) {
    const { m, v } = adam.moments();
    for (const [name, p] of vars) {
      this.#shapes.set(name, p.shape);
      this.params.set(name, Float32Array.from(p.dataSync() as Float32Array));
      const mt = m.get(name);
      const vt = v.get(name);
      this.#m.set(name, mt === undefined ? new Float32Array(p.size) : Float32Array.from(mt.dataSync() as Float32Array));
      this.#v.set(name, vt === undefined ? new Float32Array(p.size) : Float32Array.from(vt.dataSync() as Float32Array));
      const s = ema.shadow.get(name);
      if (s === undefined) throw new InputError(`HostOptimizerState: the EMA has no tensor "${name}"`, { option: name });
      this.#shadow.set(name, Float32Array.from(s.dataSync() as Float32Array));
    }
    this.#adamUpdates = adam.updates;
    this.#emaUpdates = ema.numUpdates;
    this.#hyper = adam.hyper;
    this.#emaDecay = ema.decay;
  }

  /**
   * Global-norm clipping, one Adam update at `lr` and one EMA update, in place.
   * @returns the gradient norm before clipping
   * @throws InputError for a missing or misshapen gradient or a non-finite norm.
   */
  step(grads: ReadonlyMap<string, Float32Array>, lr: number, maxNorm: number): number {
    let sq = 0;
    for (const [name, p] of this.params) {
      const g = grads.get(name);
      if (g === undefined || g.length !== p.length) throw new InputError(`training: gradient of "${name}" is missing or has ${g?.length ?? 0} values, expected ${p.length}`, { option: name });
      for (let i = 0; i < g.length; i++) sq += (g[i] as number) * (g[i] as number);
    }
    const norm = Math.sqrt(sq);
    if (!Number.isFinite(norm)) throw new InputError(`clipGradsByGlobalNorm: the gradient norm is ${norm} (a gradient holds NaN or Inf)`);
    // clip_grad_norm_: g * min(1, maxNorm / (norm + 1e-6)).
    const scale = Math.min(1, maxNorm / (norm + 1e-6));
    const scale32 = f(scale);
    const t = this.#adamUpdates + 1;
    const { beta1, beta2, eps } = this.#hyper;
    // Algorithm 1 of Kingma & Ba as torch computes it (see AdamOptimizer), constants as float32 scalars.
    const oneMinusB1 = f(1 - beta1);
    const b2 = f(beta2);
    const oneMinusB2 = f(1 - beta2);
    const bc2Sqrt = f(Math.sqrt(1 - beta2 ** t));
    const stepSize = f(lr / (1 - beta1 ** t));
    const eps32 = f(eps);
    const n = this.#emaUpdates + 1;
    const oneMinusDecay = f(1 - emaDecayAt(this.#emaDecay, n));
    for (const [name, p] of this.params) {
      const g0 = grads.get(name) as Float32Array;
      const m = this.#m.get(name) as Float32Array;
      const v = this.#v.get(name) as Float32Array;
      const s = this.#shadow.get(name) as Float32Array;
      for (let i = 0; i < p.length; i++) {
        const g = scale === 1 ? (g0[i] as number) : f((g0[i] as number) * scale32);
        const m0 = m[i] as number;
        const m1 = f(m0 + f(f(g - m0) * oneMinusB1));
        const v1 = f(f((v[i] as number) * b2) + f(f(g * g) * oneMinusB2));
        const denom = f(f(f(Math.sqrt(v1)) / bc2Sqrt) + eps32);
        const pi = f((p[i] as number) - f(f(m1 / denom) * stepSize));
        m[i] = m1;
        v[i] = v1;
        p[i] = pi;
        const si = s[i] as number;
        s[i] = f(si - f(f(si - pi) * oneMinusDecay));
      }
    }
    this.#adamUpdates = t;
    this.#emaUpdates = n;
    return norm;
  }

  /** Writes this state into the tfjs variables, Adam and EMA (for checkpoints and validation). */
  syncTo(vars: ReadonlyMap<string, tf.Variable>, adam: AdamOptimizer, ema: ExponentialMovingAverage): void {
    const m = new Map<string, tf.Tensor>();
    const v = new Map<string, tf.Tensor>();
    const shadow = new Map<string, tf.Tensor>();
    for (const [name, p] of vars) {
      const shape = this.#shapes.get(name) as number[];
      const t = tf.tensor(this.params.get(name) as Float32Array, shape, 'float32');
      p.assign(t);
      t.dispose();
      m.set(name, tf.tensor(this.#m.get(name) as Float32Array, shape, 'float32'));
      v.set(name, tf.tensor(this.#v.get(name) as Float32Array, shape, 'float32'));
      shadow.set(name, tf.tensor(this.#shadow.get(name) as Float32Array, shape, 'float32'));
    }
    adam.restore(this.#adamUpdates, m, v);
    ema.restore(this.#emaUpdates, shadow);
  }
}
