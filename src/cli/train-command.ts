import * as path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../contracts';
import { BACKEND_CHOICES, initBackend } from '../runtime';
import { registerWasmTrainingKernels } from '../runtime';
import { prepareTrainingData, resolveTrainEngine, resolveTrainPreset, TRAIN_ENGINES, trainScoreModel } from '../sr';
import type { TrainEngineChoice } from '../sr';
import type { CliIo } from './cli-io';
import { stopOnSignals } from './stop-signals';

interface TrainOptions {
  readonly data: string;
  readonly config: string;
  readonly out: string;
  readonly resume: boolean;
  readonly backend: string;
  readonly engine: string;
  readonly steps?: string;
}

/**
 * `fasr train --data <dir of face images> --config <name|file.json> --out <dir> [--resume]`:
 * prepares (or reuses) the dataset cache in <out>/data, then trains (src/sr/train). Ctrl-C stops
 * after the current step with a checkpoint; `--resume` continues exactly.
 */
export function registerTrainCommand(program: Command, io: CliIo): void {
  program
    .command('train')
    .description('train the SR score model on a folder of face images (checkpoints, EMA model file and log in --out)')
    .requiredOption('--data <dir>', 'folder of face images (each is detected, aligned, degraded and embedded once, then cached)')
    .requiredOption('--config <name|file.json>', 'a preset (bundled) or a JSON file {"train": {...}, "prepare": {...}}')
    .requiredOption('--out <dir>', 'output folder')
    .option('--resume', 'continue from the newest checkpoint in --out', false)
    .option('--steps <n>', 'override the total step count')
    .option('--backend <name>', `tfjs backend (data, optimiser; gradients on --engine tfjs): ${BACKEND_CHOICES.join(' | ')}`, 'auto')
    .option('--engine <name>', `gradient engine: ${TRAIN_ENGINES.join(' | ')} (auto: onnx where onnxruntime-node loads)`, 'auto')
    .action(async (opts: TrainOptions) => {
      const preset = resolveTrainPreset(opts.config);
      const steps = opts.steps === undefined ? undefined : Number(opts.steps);
      if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1)) {
        throw new InputError(`--steps: expected an integer >= 1, received ${JSON.stringify(opts.steps)}`, { option: 'steps' });
      }
      if (!(TRAIN_ENGINES as readonly string[]).includes(opts.engine)) {
        throw new InputError(`--engine: expected one of ${TRAIN_ENGINES.join(', ')}, received ${JSON.stringify(opts.engine)}`, { option: 'engine' });
      }
      const engineChoice = opts.engine as TrainEngineChoice;
      const engine = resolveTrainEngine(engineChoice);
      registerWasmTrainingKernels();
      const info = await initBackend(opts.backend);
      io.out(`backend: ${info.name}; gradient engine: ${engine === 'onnx' ? 'onnxruntime-node' : `tfjs-${info.name}`}\n`);
      const outDir = path.resolve(opts.out);
      const dataDir = path.join(outDir, 'data');
      let last = 0;
      const prep = await prepareTrainingData({ ...preset.prepare, sourceDir: path.resolve(opts.data), outDir: dataDir }, (p) => {
        if (p.done - last >= 100 || p.done === p.total) {
          last = p.done;
          io.out(`data: ${p.done}/${p.total} images, ${p.skipped} without a detected face\n`);
        }
      });
      const m = prep.manifest;
      io.out(`data: ${prep.reused ? 'reused' : 'prepared'} ${m.files.length} faces (${m.split.train.length} train, ${m.split.validation.length} validation), ${m.skipped.length} skipped\n`);
      const stop = stopOnSignals(() => io.err('stopping after this step (a checkpoint follows)...\n'));
      try {
        const r = await trainScoreModel(
          { ...preset.train, ...(steps !== undefined ? { steps } : {}), dataDir, outDir, resume: opts.resume, engine },
          {
            signal: stop.signal,
            onResume: (x) => io.out(`resuming from step ${x.step}${x.rejected.length > 0 ? ` (skipped incomplete: ${x.rejected.map((j) => path.basename(j.file)).join(', ')})` : ''}\n`),
            onProgress: (p) =>
              io.out(`step ${p.step}/${p.steps} loss ${p.loss.toFixed(1)} ema ${p.lossEma.toFixed(1)} ${p.itPerSec.toFixed(3)} it/s ETA ${(p.etaSec / 3600).toFixed(2)} h\n`),
            onValidation: (v) => io.out(`validation @${v.step}: loss ${v.loss.toFixed(2)} (${v.samples} faces, EMA weights)\n`),
            onCheckpoint: (c) => io.out(`checkpoint @${c.step}: ${c.path}\n`),
          },
        );
        io.out(`${r.stopped} at step ${r.step}; model: ${r.modelPath}\n`);
      } finally {
        stop.dispose();
      }
    });
}
