/**
 * Trains a model of issue 16's recipes on the identity data (scripts/prepare-identity-data.ts):
 * TRAIN_PRESETS[--preset] (default `residual`), the fastest installed engine (onnx), resuming from
 * the newest checkpoint in --out when it has one. SIGINT/SIGTERM stop after the step in progress
 * and write a checkpoint; the same command continues exactly.
 *
 *   node -r ts-node/register/transpile-only scripts/train-residual.ts [--preset residual] [--out out/train-residual]
 *        [--data out/identity-data] [--steps N] [--engine auto|onnx|tfjs] [--new-data (resume on data other than the checkpoint's)]
 *        [--new-recipe (resume with the preset's sampling schedule where it differs from the checkpoint's: RECIPE_SCHEDULE_KEYS)]
 *        [--lr-decay <startStep>:<steps>:<finalLr> (a cosine anneal of lr, TrainConfig.lrDecay; e.g. 9000:2000:2e-5)]
 *        [--zoom <min>,<max> (the recipe's framing augmentation, e.g. 1,1.4; with a checkpoint made without it, add --new-recipe)]
 */
import * as path from 'node:path';
import { initBackend } from '../src/runtime/backend';
import { TRAIN_PRESETS, listCheckpointSteps, trainScoreModel } from '../src/sr/train';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  const presetName = arg('preset', 'residual') as keyof typeof TRAIN_PRESETS;
  const preset = TRAIN_PRESETS[presetName];
  if (preset === undefined) throw new Error(`unknown preset ${presetName}; one of ${Object.keys(TRAIN_PRESETS).join(', ')}`);
  const outDir = path.resolve(arg('out', `out/train-${presetName}`));
  const dataDir = path.resolve(arg('data', 'out/identity-data'));
  await initBackend(arg('backend', 'auto'));
  const controller = new AbortController();
  const stop = (): void => {
    console.log('stopping after this step (checkpoint follows)...');
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const steps = Number(arg('steps', String(preset.train.steps)));
  const resume = listCheckpointSteps(outDir).length > 0;
  // --lr-decay start:steps:finalLr; the training config validates the values (integers, finalLr <= lr).
  const decay = arg('lr-decay', '');
  const parts = decay.split(':').map(Number);
  if (decay !== '' && (parts.length !== 3 || parts.some((v) => !Number.isFinite(v)))) {
    throw new Error(`--lr-decay: expected <startStep>:<steps>:<finalLr>, e.g. 9000:2000:2e-5, received ${JSON.stringify(decay)}`);
  }
  const lrDecay = decay === '' ? null : { startStep: parts[0], steps: parts[1], finalLr: parts[2] };
  // --zoom min,max: the recipe's framing augmentation (the recipe config validates the range).
  const zoomArg = arg('zoom', '');
  const zoom = zoomArg.split(',').map(Number);
  if (zoomArg !== '' && (zoom.length !== 2 || zoom.some((v) => !Number.isFinite(v)))) throw new Error(`--zoom: expected <min>,<max>, e.g. 1,1.4, received ${JSON.stringify(zoomArg)}`);
  const recipe = zoomArg === '' || preset.train.recipe === null ? preset.train.recipe : { ...preset.train.recipe, zoom };
  if (zoomArg !== '' && preset.train.recipe === null) throw new Error(`--zoom: preset ${presetName} has no residual recipe`);
  const result = await trainScoreModel(
    { ...preset.train, recipe, steps, lrDecay, dataDir, outDir, resume, resumeWithNewData: process.argv.includes('--new-data'), resumeWithNewRecipe: process.argv.includes('--new-recipe'), engine: arg('engine', 'auto') },
    {
      signal: controller.signal,
      onResume: (r) => console.log(`resuming from step ${r.step} (${r.path})`),
      onProgress: (p) => console.log(`step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} ema ${p.lossEma.toFixed(4)} |g| ${p.gradNorm.toFixed(3)} lr ${p.lr.toExponential(2)} ${p.itPerSec.toFixed(3)} it/s wall ${(p.elapsedMs / 3.6e6).toFixed(2)} h`),
      onValidation: (v) => console.log(`validation @${v.step}: loss ${v.loss.toFixed(4)} over ${v.samples} faces (EMA weights)`),
      onCheckpoint: (c) => console.log(`checkpoint @${c.step}: ${c.path}`),
    },
  );
  console.log(`${result.stopped} at step ${result.step} (engine ${result.engine}); EMA model: ${result.modelPath}; wall ${(result.elapsedMs / 3.6e6).toFixed(2)} h`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
