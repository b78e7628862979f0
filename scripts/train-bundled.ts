/**
 * Trains the bundled default SR model (issue 10) on ../shared/data/faces/utkface-aligned:
 * prepares (or reuses) the dataset cache, then runs trainScoreModel on wasm, resuming from the
 * newest checkpoint when the output folder has one. The settings are TRAIN_PRESETS.bundled
 * (src/sr/train/train-presets.ts). Ctrl-C (SIGINT/SIGTERM) stops after the step
 * in progress and writes a checkpoint; run the same command again to continue exactly.
 *
 * Run: node -r ts-node/register/transpile-only scripts/train-bundled.ts [--out out/train-bundled]
 *      [--steps N] [--backend wasm|cpu|auto] [--limit N (first N images only: a smoke run)]
 * Writes: <out>/data (dataset cache), <out>/checkpoints, <out>/model.{safetensors,json} (EMA),
 *         <out>/train-log.jsonl.
 */
import * as path from 'node:path';
import { initBackend } from '../src/runtime/backend';
import { registerWasmTrainingKernels } from '../src/runtime/wasm-kernels';
import { TRAIN_PRESETS, listCheckpointSteps, prepareTrainingData, trainScoreModel } from '../src/sr/train';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  const outDir = path.resolve(arg('out', 'out/train-bundled'));
  const preset = TRAIN_PRESETS.bundled;
  const steps = Number(arg('steps', String(preset.train.steps)));
  const backend = arg('backend', 'wasm');
  if (backend === 'wasm' || backend === 'auto') registerWasmTrainingKernels();
  const info = await initBackend(backend);
  console.log(`backend: ${info.name} (${info.reason})`);
  const sourceDir = path.resolve(__dirname, '../../shared/data/faces/utkface-aligned/images');
  const dataDir = path.join(outDir, 'data');
  let lastReport = 0;
  const limit = arg('limit', '');
  const prep = await prepareTrainingData({ ...preset.prepare, sourceDir, outDir: dataDir, ...(limit !== '' ? { limit: Number(limit) } : {}) }, (p) => {
    if (p.done - lastReport >= 100 || p.done === p.total) {
      lastReport = p.done;
      console.log(`data: ${p.done}/${p.total} images, ${p.skipped} without a detected face`);
    }
  });
  const m = prep.manifest;
  console.log(`data: ${prep.reused ? 'reused' : 'prepared'} ${m.files.length} faces (${m.split.train.length} train, ${m.split.validation.length} validation), ${m.skipped.length} skipped; ${m.embedder.id}`);
  const controller = new AbortController();
  const stop = (): void => {
    console.log('stopping after this step (checkpoint follows)...');
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const resume = listCheckpointSteps(outDir).length > 0;
  const result = await trainScoreModel(
    { ...preset.train, steps, dataDir, outDir, resume },
    {
      signal: controller.signal,
      onResume: (r) => console.log(`resuming from step ${r.step} (${r.path})${r.rejected.length > 0 ? `; skipped ${r.rejected.map((x) => x.file).join(', ')}` : ''}`),
      onProgress: (p) =>
        console.log(
          `step ${p.step}/${p.steps} loss ${p.loss.toFixed(1)} ema ${p.lossEma.toFixed(1)} |g| ${p.gradNorm.toFixed(1)} lr ${p.lr.toExponential(2)} ${p.itPerSec.toFixed(3)} it/s ETA ${(p.etaSec / 3600).toFixed(2)} h`,
        ),
      onValidation: (v) => console.log(`validation @${v.step}: loss ${v.loss.toFixed(2)} over ${v.samples} faces (EMA weights)`),
      onCheckpoint: (c) => console.log(`checkpoint @${c.step}: ${c.path}`),
    },
  );
  console.log(`${result.stopped} at step ${result.step}; EMA model: ${result.modelPath}; wall ${(result.elapsedMs / 3.6e6).toFixed(2)} h`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
