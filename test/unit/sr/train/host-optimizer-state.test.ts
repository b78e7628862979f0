/**
 * The onnx engine's optimiser on Float32Arrays (HostOptimizerState) against the tfjs objects the
 * tfjs engine uses (clipGradsByGlobalNorm, AdamOptimizer, ExponentialMovingAverage): without
 * clipping every weight, moment and EMA value is bit-identical after several steps (same float32
 * op order); with clipping the norm is summed in another order, so within 1e-6 relative.
 * syncTo writes the state back for checkpoints.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { AdamOptimizer, clipGradsByGlobalNorm, ExponentialMovingAverage } from '../../../../src/sr/train';
import { HostOptimizerState } from '../../../../src/sr/train/host-optimizer-state';

beforeAll(async () => {
  await initBackend('cpu');
});

function setup(): { vars: Map<string, tf.Variable>; adam: AdamOptimizer; ema: ExponentialMovingAverage } {
  const vars = new Map<string, tf.Variable>([
    ['a', tf.variable(tf.randomNormal([3, 4], 0, 1, 'float32', 1))],
    ['b', tf.variable(tf.randomNormal([7], 0, 1, 'float32', 2))],
  ]);
  return { vars, adam: new AdamOptimizer({ beta1: 0.9, beta2: 0.999, eps: 1e-8 }), ema: new ExponentialMovingAverage(vars, 0.999) };
}

function grads(step: number, scale: number): Map<string, Float32Array> {
  return new Map([
    ['a', tf.randomNormal([12], 0, scale, 'float32', 10 + step).dataSync() as Float32Array],
    ['b', tf.randomNormal([7], 0, scale, 'float32', 20 + step).dataSync() as Float32Array],
  ]);
}

function run(scale: number): { ref: Map<string, Float32Array>; host: Map<string, Float32Array>; norms: [number, number][] } {
  const r = setup();
  const h = setup();
  const host = new HostOptimizerState(h.vars, h.adam, h.ema);
  const norms: [number, number][] = [];
  for (let step = 0; step < 4; step++) {
    const g = grads(step, scale);
    const gt = new Map([...g].map(([k, v]) => [k, tf.tensor(v, r.vars.get(k)?.shape)]));
    const clipped = clipGradsByGlobalNorm(gt, 1);
    r.adam.apply(r.vars, clipped.grads, 1e-2 * (step + 1));
    r.ema.update(r.vars);
    tf.dispose([...gt.values(), ...clipped.grads.values()]);
    norms.push([clipped.norm, host.step(g, 1e-2 * (step + 1), 1)]);
  }
  host.syncTo(h.vars, h.adam, h.ema);
  const flat = (x: { vars: Map<string, tf.Variable>; adam: AdamOptimizer; ema: ExponentialMovingAverage }): Map<string, Float32Array> => {
    const out = new Map<string, Float32Array>();
    for (const [k, v] of x.vars) out.set(`param/${k}`, v.dataSync() as Float32Array);
    for (const [k, v] of x.adam.moments().m) out.set(`m/${k}`, v.dataSync() as Float32Array);
    for (const [k, v] of x.adam.moments().v) out.set(`v/${k}`, v.dataSync() as Float32Array);
    for (const [k, v] of x.ema.shadow) out.set(`ema/${k}`, v.dataSync() as Float32Array);
    return out;
  };
  expect(h.adam.updates).toBe(4);
  expect(h.ema.numUpdates).toBe(4);
  return { ref: flat(r), host: flat(h), norms };
}

describe('HostOptimizerState', () => {
  it('equals clip + Adam + EMA on tfjs bit for bit when no clipping happens', () => {
    const { ref, host, norms } = run(0.01);
    expect(norms.every(([a]) => a < 1)).toBe(true);
    expect([...host.keys()]).toEqual([...ref.keys()]);
    for (const [k, v] of ref) expect([k, Array.from(host.get(k) ?? [])]).toEqual([k, Array.from(v)]);
  });

  it('clips by the global norm like clipGradsByGlobalNorm (within 1e-6)', () => {
    const { ref, host, norms } = run(3);
    expect(norms.every(([a]) => a > 1)).toBe(true);
    norms.forEach(([a, b]) => expect(Math.abs(a - b) / a).toBeLessThan(1e-6));
    for (const [k, v] of ref) {
      const h = host.get(k) as Float32Array;
      v.forEach((x, i) => expect(Math.abs(x - (h[i] ?? NaN))).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(x))));
    }
  });

  it('refuses a missing gradient and a non-finite one', () => {
    const s = setup();
    const host = new HostOptimizerState(s.vars, s.adam, s.ema);
    expect(() => host.step(new Map([['a', new Float32Array(12)]]), 1e-3, 1)).toThrow(/gradient of "b" is missing/);
    const bad = grads(0, 1);
    (bad.get('a') as Float32Array)[0] = NaN;
    expect(() => host.step(bad, 1e-3, 1)).toThrow(/gradient norm is NaN/);
  });
});
