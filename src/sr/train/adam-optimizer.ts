import * as tf from '@tensorflow/tfjs';
import { CheckpointError, InputError } from '../../contracts';

/** Hyper-parameters of {@link AdamOptimizer} (torch.optim.Adam without weight decay or amsgrad). */
export interface AdamHyper {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
}

/**
 * Adam (Kingma & Ba 2015, Alg. 1) exactly as torch.optim.Adam's single-tensor path computes it
 * in float32: m ← m + (g − m)(1 − β1) (torch's lerp), v ← β2 v + (1 − β2) g², then
 * p ← p − (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + ε), with t the 1-based update count.
 * The bias corrections are computed in float64 (as torch does on the host) and applied as float32.
 * Owns its moment tensors: call {@link dispose}.
 */
export class AdamOptimizer {
  readonly hyper: AdamHyper;
  /** Updates applied so far (torch's per-parameter `step`). */
  get updates(): number {
    return this.#updates;
  }
  #updates = 0;
  readonly #m = new Map<string, tf.Tensor>();
  readonly #v = new Map<string, tf.Tensor>();

  constructor(hyper: AdamHyper) {
    const { beta1, beta2, eps } = hyper;
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0 && Number.isFinite(eps))) {
      throw new InputError(`AdamOptimizer: expected beta1, beta2 in [0, 1) and eps > 0, received ${JSON.stringify(hyper)}`, { option: 'hyper' });
    }
    this.hyper = Object.freeze({ beta1, beta2, eps });
  }

  /**
   * One Adam update of every variable with its gradient (same names), at learning rate `lr`.
   * Moments start at zero for a variable not seen before.
   * @throws InputError when a variable has no gradient or shapes differ.
   */
  apply(variables: ReadonlyMap<string, tf.Variable>, grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    if (!(lr >= 0 && Number.isFinite(lr))) throw new InputError(`AdamOptimizer.apply: lr must be a finite number >= 0, received ${lr}`, { option: 'lr' });
    for (const [name, p] of variables) {
      const g = grads.get(name);
      if (g === undefined) throw new InputError(`AdamOptimizer.apply: no gradient for variable "${name}"`, { option: name });
      if (g.shape.length !== p.shape.length || g.shape.some((d, i) => d !== p.shape[i])) {
        throw new InputError(`AdamOptimizer.apply: gradient of "${name}" is [${g.shape.join(',')}], the variable [${p.shape.join(',')}]`, { option: name });
      }
    }
    const t = this.#updates + 1;
    const { beta1, beta2, eps } = this.hyper;
    const stepSize = lr / (1 - beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
    for (const [name, p] of variables) {
      const g = grads.get(name) as tf.Tensor;
      const mOld = this.#m.get(name);
      const vOld = this.#v.get(name);
      const [m, v, next] = tf.tidy(() => {
        const m0 = mOld ?? tf.zerosLike(p);
        const v0 = vOld ?? tf.zerosLike(p);
        const m1 = tf.add(m0, tf.mul(tf.sub(g, m0), 1 - beta1));
        const v1 = tf.add(tf.mul(v0, beta2), tf.mul(tf.mul(g, g), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(v1), bc2Sqrt), eps);
        return [m1, v1, tf.sub(p, tf.mul(tf.div(m1, denom), stepSize))];
      });
      p.assign(next);
      next.dispose();
      mOld?.dispose();
      vOld?.dispose();
      this.#m.set(name, m);
      this.#v.set(name, v);
    }
    this.#updates = t;
  }

  /** The first and second moments by variable name (views owned by the optimiser). */
  moments(): { readonly m: ReadonlyMap<string, tf.Tensor>; readonly v: ReadonlyMap<string, tf.Tensor> } {
    return { m: this.#m, v: this.#v };
  }

  /**
   * Restores the state saved from {@link moments} and {@link updates}; takes ownership of the tensors.
   * @throws CheckpointError when m and v do not name the same variables with the same shapes.
   */
  restore(updates: number, m: ReadonlyMap<string, tf.Tensor>, v: ReadonlyMap<string, tf.Tensor>): void {
    if (!Number.isInteger(updates) || updates < 0) throw new CheckpointError(`Adam state: updates must be an integer >= 0, received ${updates}`);
    for (const [name, t] of m) {
      const u = v.get(name);
      if (u === undefined || u.shape.join(',') !== t.shape.join(',')) {
        throw new CheckpointError(`Adam state: moment v of "${name}" is missing or misshapen`, { tensor: name });
      }
    }
    if (m.size !== v.size) throw new CheckpointError(`Adam state: ${m.size} first moments but ${v.size} second moments`);
    this.dispose();
    for (const [name, t] of m) this.#m.set(name, t);
    for (const [name, t] of v) this.#v.set(name, t);
    this.#updates = updates;
  }

  /** Frees the moments. */
  dispose(): void {
    for (const t of this.#m.values()) t.dispose();
    for (const t of this.#v.values()) t.dispose();
    this.#m.clear();
    this.#v.clear();
  }
}
