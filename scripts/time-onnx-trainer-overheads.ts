/**
 * The onnx engine's per-step costs outside onnxruntime's kernels, for a preset's network (default
 * `residual`, the long training run's) at its training size: the whole `OnnxTrainStep.run` (feeds
 * copied and posted to the session's worker, outputs posted back) against a bare
 * `InferenceSession.run` of the same graph in this thread, and `HostOptimizerState.step` (clip +
 * Adam + EMA on Float32Arrays). Runs alternate (bare, trainer) so both see the same load; prints
 * medians and the load average.
 *
 * Run: node -r ts-node/register/transpile-only scripts/time-onnx-trainer-overheads.ts [--preset residual]
 *      [--px 128] [--batch 8] [--runs 5]
 */
import * as os from 'node:os';
import * as ort from 'onnxruntime-node';
import { initBackend } from '../src/runtime/backend';
import { createOnnxTrainStep, detectNchwcBlockSize, exportNcsnppTrainOnnx } from '../src/sr/engines';
import type { OnnxTrainInputs } from '../src/sr/engines';
import { parseNcsnppConfig } from '../src/sr/model-config';
import { NcsnppModel } from '../src/sr/models';
import { AdamOptimizer, ExponentialMovingAverage, HostOptimizerState, TRAIN_PRESETS } from '../src/sr/train';
import { median } from '../bench/median';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}


async function main(): Promise<void> {
  const presetName = arg('preset', 'residual');
  if (!Object.keys(TRAIN_PRESETS).includes(presetName)) throw new Error(`--preset must be one of ${Object.keys(TRAIN_PRESETS).join(', ')}, received "${presetName}"`);
  const px = Number(arg('px', '128'));
  const batch = Number(arg('batch', '8'));
  const runs = Number(arg('runs', '5'));
  await initBackend('cpu');
  const base = parseNcsnppConfig(TRAIN_PRESETS[presetName as keyof typeof TRAIN_PRESETS].train.model);
  const config = parseNcsnppConfig({ ...base, imageSize: px, attnResolutions: base.attnResolutions.map((r) => (r * px) / base.imageSize) });
  const model = NcsnppModel.random(config, 0);
  const vars = model.trainableVariables();
  const host = new HostOptimizerState(vars, new AdamOptimizer({ beta1: 0.9, beta2: 0.999, eps: 1e-8 }), new ExponentialMovingAverage(vars, 0.999));
  const fourier = model.toStateDict().get('all_modules.0.W')?.data as Float32Array;
  const step = await createOnnxTrainStep(config, { batchSize: batch });
  // The trainer's graph: createOnnxTrainStep builds it with this machine's NCHWc block size.
  const graph = exportNcsnppTrainOnnx(config, batch, { nchwcConvBlock: await detectNchwcBlockSize() });
  const bare = await ort.InferenceSession.create(graph.bytes, { intraOpNumThreads: 2, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', extra: { session: { intra_op: { allow_spinning: '0' } } } });
  let seed = 3;
  const random = (n: number, offset: number): Float32Array =>
    Float32Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5 + offset;
    });
  const img = batch * px * px * 3;
  const ones = new Float32Array(batch).fill(1);
  const inputs: OnnxTrainInputs = { xNHWC: random(img, 0), yNHWC: random(img, 0), sigmas: ones, feat: random(batch * config.featDim, 0.5), lossA: ones, lossC: ones, lossW: new Float32Array(batch).fill(1 / batch), lossSkipNHWC: random(img, 0), lossTargetNHWC: random(img, 0) };
  const params = new Map<string, Float32Array>([['all_modules.0.W', fourier], ...host.params]);
  const feeds: Record<string, ort.Tensor> = {};
  const dims: Record<string, number[]> = { xNHWC: [batch, px, px, 3], yNHWC: [batch, px, px, 3], sigmas: [batch], feat: [batch, config.featDim], lossA: [batch], lossC: [batch], lossW: [batch], lossSkipNHWC: [batch, px, px, 3], lossTargetNHWC: [batch, px, px, 3] };
  for (const [k, d] of Object.entries(dims)) feeds[k] = new ort.Tensor('float32', (inputs as unknown as Record<string, Float32Array>)[k] as Float32Array, d);
  for (const p of graph.params) feeds[p.name] = new ort.Tensor('float32', params.get(p.name) as Float32Array, [...p.shape]);
  const outputs = [graph.lossOutput, graph.perSampleOutput, ...graph.gradOutputs.values()];
  const bareMs: number[] = [];
  const trainerMs: number[] = [];
  const optMs: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    let t0 = performance.now();
    await bare.run(feeds, outputs);
    if (i >= 2) bareMs.push(performance.now() - t0);
    t0 = performance.now();
    const res = await step.run(inputs, params);
    if (i >= 2) trainerMs.push(performance.now() - t0);
    t0 = performance.now();
    host.step(res.grads, 1e-9, 1);
    if (i >= 2) optMs.push(performance.now() - t0);
  }
  const nParams = [...host.params.values()].reduce((n, p) => n + p.length, 0);
  console.log(`${presetName}: ${px} px, batch ${batch}, ${host.params.size} tensors (${(nParams / 1e6).toFixed(2)} M values), ${runs} runs after 2 warm-ups, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('| part | median ms per step |\n|---|---:|');
  console.log(`| bare InferenceSession.run (this thread) | ${median(bareMs).toFixed(0)} |`);
  console.log(`| OnnxTrainStep.run (worker, copies, checks) | ${median(trainerMs).toFixed(0)} |`);
  console.log(`| HostOptimizerState.step (clip + Adam + EMA) | ${median(optMs).toFixed(1)} |`);
  await step.release();
  await bare.release();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
