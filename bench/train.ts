/**
 * Training throughput of both gradient engines side by side, in one run (issue 15): one full
 * optimisation step as trainScoreModel takes it — the paper's DSM loss (Eq. 3, DSM_LOSS) and its
 * gradient, global-norm clipping, Adam, EMA — on random data, for
 *   - 'tfjs': tf.variableGrads on tfjs-wasm (one thread; the training kernels registered),
 *   - 'onnx': forward + loss + backward as one ONNX graph on onnxruntime-node (2 threads),
 *     clipping, Adam and EMA on Float32Arrays (HostOptimizerState) as in the trainer.
 * Warm-up step excluded; median of the timed steps. Effective GFLOP/s = 3 x 2 x forward MACs of
 * the batch / s (backward counted as twice the forward; MACs of the graph's Conv, ConvTranspose,
 * Gemm and MatMul nodes). The load average is printed with every row: the machine is shared, the
 * onnx/tfjs ratio within a row is the figure that counts. Each measurement runs in its own child
 * process (a tfjs-wasm heap abort, as at 128 px batch 8, would otherwise poison the later rows).
 *
 * Run: npm run bench:train -- [--steps N] [--only 16x64,16x128,32x128,64x128,paper] [--engines onnx,tfjs]
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend';
import { registerWasmTrainingKernels } from '../src/runtime/wasm-kernels';
import { createOnnxTrainStep } from '../src/sr/engines';
import { NCSNPP_PRESETS, parseNcsnppConfig } from '../src/sr/model-config';
import type { NcsnppConfig } from '../src/sr/model-config';
import { buildNcsnppSpec, countNcsnppParameters, NcsnppModel } from '../src/sr/models';
import { SeededNoiseSource } from '../src/sr/noise';
import { VeSde } from '../src/sr/sde';
import { HostOptimizerState } from '../src/sr/train/host-optimizer-state';
import { AdamOptimizer, DSM_LOSS, ExponentialMovingAverage, clipGradsByGlobalNorm, disposeRegressionLossInputs, onnxTrainInputs, regressionLossTf, TRAIN_PRESETS } from '../src/sr/train';
import { median } from './median';
import { argValue } from './bench-args';

/** Untimed steps first: onnxruntime's second run of a session is 2–3x slower than the later ones (docs/onnx-training.md), so two. */
const WARMUP_STEPS = 2;

const bundledModel = parseNcsnppConfig(TRAIN_PRESETS.bundled.train.model);
/** The bundled preset's network at side `px` (attention kept at the same level, as patch training does). */
const bundledAt = (px: number, nf = bundledModel.nf): NcsnppConfig =>
  parseNcsnppConfig({ ...bundledModel, nf, imageSize: px, attnResolutions: bundledModel.attnResolutions.map((r) => (r * px) / bundledModel.imageSize) });

interface Row {
  readonly key: string;
  readonly label: string;
  readonly config: NcsnppConfig;
  readonly batch: number;
}

const ROWS: readonly Row[] = [
  { key: '16x64', label: 'bundled (nf16) 64 px patch', config: bundledAt(64), batch: 4 },
  { key: '16x64', label: 'bundled (nf16) 64 px patch', config: bundledAt(64), batch: 8 },
  { key: '16x128', label: 'bundled (nf16) 128 px', config: bundledAt(128), batch: 4 },
  { key: '16x128', label: 'bundled (nf16) 128 px', config: bundledAt(128), batch: 8 },
  { key: '32x128', label: 'nf32 128 px', config: bundledAt(128, 32), batch: 4 },
  { key: '64x128', label: 'nf64 128 px', config: bundledAt(128, 64), batch: 4 },
  { key: 'paper', label: 'paper config 128 px (1 step)', config: NCSNPP_PRESETS.paper, batch: 1 },
];

function parameterCount(config: NcsnppConfig): number {
  return countNcsnppParameters(buildNcsnppSpec(config));
}



type Engine = 'onnx' | 'tfjs';

/** Times `steps` trainer steps after WARMUP_STEPS warm-ups; returns ms per step and the batch's forward MACs (onnx only). */
async function timeSteps(engine: Engine, config: NcsnppConfig, batch: number, steps: number): Promise<{ ms: number[]; macs: number | undefined }> {
  const model = NcsnppModel.random(config, 0);
  const vars = model.trainableVariables();
  const names = [...vars.keys()];
  const list = [...vars.values()];
  const adam = new AdamOptimizer({ beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  const ema = new ExponentialMovingAverage(vars, 0.999);
  const sde = new VeSde();
  const s = config.imageSize;
  const data = new SeededNoiseSource(1);
  const b = {
    x0NHWC: data.uniform([batch, s, s, 3]) as tf.Tensor4D,
    yNHWC: data.uniform([batch, s, s, 3]) as tf.Tensor4D,
    feat: data.normal([batch, config.featDim]) as tf.Tensor2D,
  };
  const step = engine === 'onnx' ? await createOnnxTrainStep(config, { batchSize: batch }) : undefined;
  const fourierW = model.toStateDict().get('all_modules.0.W')?.data as Float32Array;
  const host = engine === 'onnx' ? new HostOptimizerState(vars, adam, ema) : undefined;
  const ms: number[] = [];
  try {
    for (let i = 0; i < WARMUP_STEPS + steps; i++) {
      const t0 = performance.now();
      const inputs = DSM_LOSS.prepare(b, { sde, noise: new SeededNoiseSource(10 + i), eps: 1e-5 });
      const byName = new Map<string, tf.Tensor>();
      if (step !== undefined && host !== undefined) {
        // As the trainer: optimiser state on Float32Arrays (HostOptimizerState).
        const params = new Map<string, Float32Array>([['all_modules.0.W', fourierW], ...host.params]);
        const res = await step.run(onnxTrainInputs(b, inputs), params);
        disposeRegressionLossInputs(inputs);
        host.step(res.grads, 2e-4, 1);
      } else {
        const { value, grads } = tf.variableGrads(() => regressionLossTf(model, b, inputs).loss, list);
        value.dataSync();
        list.forEach((v, k) => byName.set(names[k] as string, grads[v.name] as tf.Tensor));
        value.dispose();
        disposeRegressionLossInputs(inputs);
        const clipped = clipGradsByGlobalNorm(byName, 1);
        adam.apply(vars, clipped.grads, 2e-4);
        ema.update(vars);
        tf.dispose([...byName.values(), ...clipped.grads.values()]);
        (list[0] as tf.Variable).dataSync();
      }
      if (i >= WARMUP_STEPS) ms.push(performance.now() - t0);
    }
    return { ms, macs: step?.forwardMacs };
  } finally {
    await step?.release();
    tf.dispose([b.x0NHWC, b.yNHWC, b.feat]);
    ema.dispose();
    adam.dispose();
    model.dispose();
  }
}

/** Child mode: one measurement, printed as one JSON line. */
async function measureChild(rowIndex: number, engine: Engine, steps: number): Promise<void> {
  registerWasmTrainingKernels();
  await initBackend('wasm');
  const row = ROWS[rowIndex];
  if (row === undefined) throw new Error(`no row ${rowIndex}`);
  const r = await timeSteps(engine, row.config, row.batch, steps);
  console.log(`RESULT ${JSON.stringify({ sec: median(r.ms) / 1000, macs: r.macs ?? null })}`);
}

function measure(rowIndex: number, engine: Engine, steps: number): { sec: number; macs: number | null } {
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, '--child', String(rowIndex), '--engine', engine, '--steps', String(steps)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (line === undefined) throw new Error('no result');
  return JSON.parse(line.slice(7)) as { sec: number; macs: number | null };
}

async function main(): Promise<void> {
  const steps = Number(argValue('--steps', '3'));
  if (process.argv.includes('--child')) {
    await measureChild(Number(argValue('--child', '0')), argValue('--engine', 'onnx') as Engine, steps);
    return;
  }
  const only = new Set(argValue('--only', '16x64,16x128,32x128,64x128,paper').split(','));
  const engines = argValue('--engines', 'tfjs,onnx').split(',') as Engine[];
  console.log(`tfjs-wasm (one thread, training kernels registered) vs onnxruntime-node (2 threads); ${steps} timed steps after ${WARMUP_STEPS} warm-ups (paper: 1); DSM loss; ${os.cpus().length} cores`);
  console.log('| config | params | px | batch | engine | s/step | steps/s | samples/s | eff. GFLOP/s | onnx/tfjs samples/s | load avg (1 min) |');
  console.log('|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const [index, row] of ROWS.entries()) {
    if (!only.has(row.key)) continue;
    const n = row.key === 'paper' ? 1 : steps;
    const count = parameterCount(row.config);
    let macs: number | undefined;
    const perEngine = new Map<Engine, number>();
    const results: { engine: Engine; sec: number | undefined; error?: string; load: number }[] = [];
    // onnx first: it reports the MAC count both rows use.
    for (const engine of [...engines].sort((a) => (a === 'onnx' ? -1 : 1))) {
      try {
        const r = measure(index, engine, n);
        macs ??= r.macs ?? undefined;
        perEngine.set(engine, row.batch / r.sec);
        results.push({ engine, sec: r.sec, load: os.loadavg()[0] ?? NaN });
      } catch (err) {
        const stderr = String((err as { stderr?: unknown }).stderr ?? (err as Error).message);
        const reason = stderr.split('\n').find((l) => /Error|Aborted|memory/i.test(l)) ?? 'failed';
        results.push({ engine, sec: undefined, error: reason.trim().slice(0, 80), load: os.loadavg()[0] ?? NaN });
      }
    }
    const ratio = (perEngine.get('onnx') ?? NaN) / (perEngine.get('tfjs') ?? NaN);
    for (const r of results.sort((a) => (a.engine === 'tfjs' ? -1 : 1))) {
      const head = `| ${row.label} | ${(count / 1e6).toFixed(2)} M | ${row.config.imageSize} | ${row.batch} | ${r.engine}`;
      if (r.sec === undefined) {
        console.log(`${head} | failed: ${r.error ?? ''} | | | | | ${r.load.toFixed(1)} |`);
        continue;
      }
      const gflops = macs === undefined ? '' : ((6 * macs) / r.sec / 1e9).toFixed(1);
      const ratioCell = r.engine === 'onnx' && Number.isFinite(ratio) ? `${ratio.toFixed(1)}x` : '';
      console.log(`${head} | ${r.sec.toFixed(3)} | ${(1 / r.sec).toFixed(2)} | ${(row.batch / r.sec).toFixed(2)} | ${gflops} | ${ratioCell} | ${r.load.toFixed(1)} |`);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
