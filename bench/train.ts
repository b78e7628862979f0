/**
 * Training throughput of small NCSN++ configs on the active backend (default wasm, with the
 * training kernels registered): one full optimisation step as trainScoreModel takes it — DSM loss
 * (Eq. 3) gradient by tf.variableGrads, global-norm clipping, Adam, EMA — on random data.
 * Warm-up step excluded; median of the timed steps. Prints steps/s and what two hours buy.
 * (128 px at batch 8 aborts on wasm here: the backward tape exceeds the wasm heap.)
 *
 * Run: node -r ts-node/register/transpile-only bench/train.ts [--backend wasm|cpu] [--steps N]
 *      [--batches 2,4,8] [--only A,C]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend';
import { registerWasmTrainingKernels } from '../src/runtime/wasm-kernels';
import { denoisingScoreMatchingLoss } from '../src/sr/losses';
import { NCSNPP_PRESETS, parseNcsnppConfig } from '../src/sr/model-config';
import type { NcsnppConfig } from '../src/sr/model-config';
import { NcsnppModel } from '../src/sr/models';
import { SeededNoiseSource } from '../src/sr/noise';
import { makeScoreFn } from '../src/sr/score-fn';
import { VeSde } from '../src/sr/sde';
import { AdamOptimizer, ExponentialMovingAverage, clipGradsByGlobalNorm } from '../src/sr/train';

/** faceres descriptors (the default embedder) are 1024-d; featDim != 4·nf adds feature_proj. */
const FEAT_DIM = 1024;

const base = { ...NCSNPP_PRESETS.paper, numResBlocks: 1, featDim: FEAT_DIM };
const CONFIGS: Record<string, { label: string; config: NcsnppConfig }> = {
  A: { label: '128px nf16 ch[1,2,2,2] 1 blk attn16', config: parseNcsnppConfig({ ...base, imageSize: 128, nf: 16, chMult: [1, 2, 2, 2], attnResolutions: [16] }) },
  B: { label: '128px nf32 ch[1,1,2,2] 1 blk attn16', config: parseNcsnppConfig({ ...base, imageSize: 128, nf: 32, chMult: [1, 1, 2, 2], attnResolutions: [16] }) },
  C: { label: '64px patch of A (attn8)', config: parseNcsnppConfig({ ...base, imageSize: 64, nf: 16, chMult: [1, 2, 2, 2], attnResolutions: [8] }) },
  D: { label: '128px nf16 ch[1,2,2,2,2] 1 blk attn16', config: parseNcsnppConfig({ ...base, imageSize: 128, nf: 16, chMult: [1, 2, 2, 2, 2], attnResolutions: [16] }) },
};

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

function timeSteps(config: NcsnppConfig, batch: number, steps: number): { params: number; ms: number[] } {
  const model = NcsnppModel.random(config, 0);
  const vars = model.trainableVariables();
  const names = [...vars.keys()];
  const list = [...vars.values()];
  const adam = new AdamOptimizer({ beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  const ema = new ExponentialMovingAverage(vars, 0.999);
  const sde = new VeSde();
  const scoreFn = makeScoreFn(model, (t) => sde.sigma(t));
  const s = config.imageSize;
  const data = new SeededNoiseSource(1);
  const x0 = data.uniform([batch, s, s, 3]) as tf.Tensor4D;
  const y = data.uniform([batch, s, s, 3]) as tf.Tensor4D;
  const feat = data.normal([batch, FEAT_DIM]) as tf.Tensor2D;
  const ms: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => denoisingScoreMatchingLoss(scoreFn, { x0NHWC: x0, yNHWC: y, feat }, { sde, noise: new SeededNoiseSource(10 + i) }), list);
    value.dataSync();
    const byName = new Map(list.map((v, k) => [names[k] as string, grads[v.name] as tf.Tensor]));
    const clipped = clipGradsByGlobalNorm(byName, 1);
    adam.apply(vars, clipped.grads, 2e-4);
    ema.update(vars);
    tf.dispose([value, ...Object.values(grads), ...clipped.grads.values()]);
    (list[0] as tf.Variable).dataSync();
    if (i > 0) ms.push(performance.now() - t0); // step 0 is warm-up
  }
  const params = model.parameterCount;
  tf.dispose([x0, y, feat]);
  ema.dispose();
  adam.dispose();
  model.dispose();
  return { params, ms };
}

async function main(): Promise<void> {
  const backend = arg('backend', 'wasm');
  if (backend === 'wasm') registerWasmTrainingKernels();
  const info = await initBackend(backend);
  const steps = Number(arg('steps', '2'));
  const batches = arg('batches', '2,4,8').split(',').map(Number);
  const only = arg('only', 'A,B,C').split(',');
  console.log(`backend ${info.name} (${info.reason}); ${steps} timed steps after 1 warm-up; featDim ${FEAT_DIM}`);
  console.log('| config | params | px | batch | s/step | steps/s | samples/s | steps in 2 h |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const key of only) {
    const c = CONFIGS[key];
    if (c === undefined) throw new Error(`unknown config ${key}; valid: ${Object.keys(CONFIGS).join(', ')}`);
    for (const batch of batches) {
      const { params, ms } = timeSteps(c.config, batch, steps);
      const sec = median(ms) / 1000;
      console.log(
        `| ${key}: ${c.label} | ${(params / 1e6).toFixed(2)} M | ${c.config.imageSize} | ${batch} | ${sec.toFixed(2)} | ${(1 / sec).toFixed(3)} | ${(batch / sec).toFixed(2)} | ${Math.round(7200 / sec)} |`,
      );
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
