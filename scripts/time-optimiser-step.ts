/**
 * Time of one optimiser step (clip + Adam + EMA) on tfjs-wasm tensors for the bundled network (306
 * tensors, 0.55 M weights), the cost HostOptimizerState removes from the onnx engine's step.
 * Run: node -r ts-node/register/transpile-only scripts/time-optimiser-step.ts
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend';
import { parseNcsnppConfig } from '../src/sr/model-config';
import { NcsnppModel } from '../src/sr/models';
import { AdamOptimizer, ExponentialMovingAverage, clipGradsByGlobalNorm, TRAIN_PRESETS } from '../src/sr/train';
async function main(): Promise<void> {
  await initBackend('wasm');
  const b = parseNcsnppConfig(TRAIN_PRESETS.bundled.train.model);
  const model = NcsnppModel.random(parseNcsnppConfig({ ...b, imageSize: 64, attnResolutions: [8] }), 0);
  const vars = model.trainableVariables();
  const adam = new AdamOptimizer({ beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  const ema = new ExponentialMovingAverage(vars, 0.999);
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    const params = new Map<string, Float32Array>();
    for (const [n, v] of vars) params.set(n, (v.dataSync() as Float32Array).slice());
    const t1 = performance.now();
    const grads = new Map<string, tf.Tensor>();
    for (const [n, v] of vars) grads.set(n, tf.tensor(params.get(n)!, v.shape));
    const t2 = performance.now();
    const c = clipGradsByGlobalNorm(grads, 1);
    const t3 = performance.now();
    adam.apply(vars, c.grads, 1e-4);
    const t4 = performance.now();
    ema.update(vars);
    (vars.values().next().value as tf.Variable).dataSync();
    const t5 = performance.now();
    tf.dispose([...grads.values(), ...c.grads.values()]);
    console.log(`${vars.size} vars: read ${(t1 - t0).toFixed(0)} ms, to tensors ${(t2 - t1).toFixed(0)}, clip ${(t3 - t2).toFixed(0)}, adam ${(t4 - t3).toFixed(0)}, ema ${(t5 - t4).toFixed(0)}; total ${(t5 - t0).toFixed(0)}`);
  }
}
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
