import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../contracts';
import { EMBEDDER_NAMES, createFaceEmbedder } from '../fuse';
import type { FaceEmbedder } from '../fuse';
import { BACKEND_CHOICES, initBackend } from '../runtime';
import { DEFAULT_RESIDUAL_SR_SAMPLER, DEFAULT_SR_SAMPLER, SR_CONDITIONINGS, enhanceImageFiles, loadSrModel, parseSrSamplingConfig, srSamplingForModel } from '../sr';
import type { EnhanceProgress, SrConditioning, SrSamplingInput } from '../sr';
import { SAMPLER_NAMES, parseSamplerOptionPairs } from '../sr';
import type { SrEngineName } from '../sr';
import { ENGINE_OPTION_HELP, resolveEngineOption } from './engine-option';
import { openStore } from '../store';
import type { Store } from '../store';
import { createHumanFaceDetector } from '../track';
import type { FaceDetector } from '../track';
import type { CliIo } from './cli-io';
import { DEFAULT_KEEP_NATIVE_MIN_SIDE_PX, enhanceTrack, enhanceTracks } from '../../pipelines';
import { KEEP_NATIVE_OPTION_HELP, keepNativeOption } from './keep-native-option';

interface SrCliOptions {
  readonly track?: string;
  readonly db: string;
  readonly lr?: string;
  readonly features?: string[];
  readonly out?: string;
  readonly aligned?: boolean;
  readonly model?: string;
  readonly config?: string;
  readonly engine: string;
  readonly sampler?: string;
  readonly steps?: string;
  readonly snr?: string;
  readonly samplerOption?: string[];
  readonly seed: string;
  readonly conditioning: string;
  readonly embedder: string;
  readonly lrScale: string;
  readonly quadScale: string;
  readonly backend: string;
  readonly keepNativeMinSide?: string;
}

function integer(option: string, text: string, min: number, max: number): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new InputError(`--${option}: expected an integer in [${min}, ${max}], received ${JSON.stringify(text)}`, { option });
  }
  return v;
}

function positive(option: string, text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0) throw new InputError(`--${option}: expected a number > 0, received ${JSON.stringify(text)}`, { option });
  return v;
}

function choice<T extends string>(option: string, text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) throw new InputError(`--${option}: expected one of ${choices.join(', ')}, received ${JSON.stringify(text)}`, { option });
  return text as T;
}

/** Progress as a line every 10 % of the steps (and at the end). */
function progressPrinter(io: CliIo): (p: EnhanceProgress) => void {
  let last = -1;
  return (p) => {
    const pct = Math.floor(((p.step + 1) * 10) / p.steps) * 10;
    if (pct !== last) {
      last = pct;
      io.out(`  step ${p.step + 1}/${p.steps} (${pct}%), NFE ${p.nfe}\n`);
    }
  };
}

/**
 * `fasr sr`: enhanced faces from a stored track (`--track <id> [--db]`) or from image files
 * (`--lr <image> --features <images...> --out <png>`), with a model of ours or the authors'
 * checkpoint. Parses and validates the options, then calls src/sr/enhance.
 */
export function registerSrCommand(program: Command, io: CliIo): void {
  program
    .command('sr')
    .description('enhance a face with the FASR score model: from a stored track (--track) or from image files (--lr, --features, --out)')
    .option('--track <id>', 'stored track to enhance (its LR_0 and F_M); the output is stored with its provenance')
    .option('--db <file>', 'SQLite store of --track', 'fasr.sqlite')
    .option('--lr <image>', 'LR face image (LR_0)')
    .option('--features <images...>', 'images of the same person; their fused embedding is F_M')
    .option('--out <png>', 'where to write the enhanced face (PNG labelled synthesized); with --track optional')
    .option('--aligned', 'the images are already aligned square face crops (no detection/alignment)')
    .option('--model <file>', "model: fasr model (model.json/.safetensors) or the authors' .pth checkpoint (EMA weights); default: the bundled one")
    .option('--config <preset|file.json>', "config of a .pth checkpoint: paper | tiny | the authors' config.json (default paper)")
    .option('--engine <name>', ENGINE_OPTION_HELP, 'auto')
    .option('--sampler <name>', `sampler: ${SAMPLER_NAMES.join(' | ')} (default, with no --sampler/--steps/--snr/--sampler-option: the model's measured default, ${JSON.stringify(DEFAULT_SR_SAMPLER)} for paper-recipe models (docs/samplers.md), ${JSON.stringify(DEFAULT_RESIDUAL_SR_SAMPLER)} for residual-EDM ones (docs/residual-samplers.json); pc is the paper's)`)
    .option('--steps <n>', "sampler steps (default: the sampler's; 2000 for pc, the paper's; --steps alone means pc)")
    .option('--snr <r>', 'Langevin signal-to-noise ratio of pc (default 0.16)')
    .option('--sampler-option <key=value...>', 'further options of the chosen sampler, e.g. rho=7 for heun')
    .option('--seed <n>', 'noise seed: same seed, inputs and model give the same image bit for bit', '0')
    .option('--conditioning <what>', `${SR_CONDITIONINGS.join(' | ')}: the F_M, or the feature-free ablation`, 'fm')
    .option('--embedder <name>', `embedder for --features (not with --track: its F_M is the stored one): ${EMBEDDER_NAMES.join(' | ')}`, 'faceres')
    .option('--lr-scale <n>', "down-scaling factor of the authors' LR degradation of --lr (not with --track: its LR_0 is the stored one)", '8')
    .option('--quad-scale <s>', 'FFHQ quad scale of the alignment of --lr/--features (1 = canonical; not with --track)', '1')
    .option('--backend <name>', `compute backend: ${BACKEND_CHOICES.join(' | ')}`, 'auto')
    .option('--keep-native-min-side <px>', `with --track: ${KEEP_NATIVE_OPTION_HELP}`)
    .action(async (opts: SrCliOptions, cmd: Command) => {
      // Validate everything before loading anything.
      const fromTrack = opts.track !== undefined;
      const fromFiles = opts.lr !== undefined || opts.features !== undefined;
      if (fromTrack === fromFiles) throw new InputError('fasr sr: give either --track <id> or --lr <image> with --features <images...> and --out <png>', { option: 'track' });
      if (fromTrack) {
        // A track's LR_0 and F_M are the ones `fasr process` stored: these options would be accepted and ignored.
        const given = (['aligned', 'embedder', 'lrScale', 'quadScale'] as const).filter((k) => cmd.getOptionValueSource(k) === 'cli');
        if (given.length > 0) {
          const flag = (k: string): string => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
          throw new InputError(
            `fasr sr --track: ${given.map(flag).join(', ')} appl${given.length === 1 ? 'ies' : 'y'} to --lr/--features images only; a track is enhanced from the LR_0 crop and F_M that \`fasr process\` stored`,
            { option: given[0] as string },
          );
        }
      }
      const conditioning = choice<SrConditioning>('conditioning', opts.conditioning, SR_CONDITIONINGS);
      if (fromFiles) {
        if (opts.keepNativeMinSide !== undefined) throw new InputError('--keep-native-min-side: applies to --track only (the keep-native rule measures a stored track\'s LR_0 native crop)', { option: 'keep-native-min-side' });
        if (opts.lr === undefined) throw new InputError('--lr: required with --features', { option: 'lr' });
        if (opts.out === undefined) throw new InputError('--out: required with --lr', { option: 'out' });
        if (conditioning === 'fm' && (opts.features === undefined || opts.features.length === 0)) {
          throw new InputError('--features: at least one image is needed (or --conditioning zero)', { option: 'features' });
        }
      }
      const sampling: SrSamplingInput = {
        ...(opts.sampler === undefined ? {} : { sampler: choice('sampler', opts.sampler, SAMPLER_NAMES) }),
        ...(opts.steps === undefined ? {} : { steps: integer('steps', opts.steps, 1, 100000) }),
        ...(opts.snr === undefined ? {} : { snr: positive('snr', opts.snr) }),
        ...(opts.samplerOption === undefined ? {} : { samplerOptions: parseSamplerOptionPairs(opts.samplerOption) }),
      };
      // Parsed once, here; the library functions below take the parsed value as it is.
      const parsed = parseSrSamplingConfig(sampling, 'fasr sr');
      const seed = integer('seed', opts.seed, 0, Number.MAX_SAFE_INTEGER);
      const lrScale = integer('lr-scale', opts.lrScale, 1, 64);
      const quadScale = positive('quad-scale', opts.quadScale);
      const { engine, reason: engineReason } = resolveEngineOption('engine', opts.engine);
      const embedderName = choice('embedder', opts.embedder, EMBEDDER_NAMES);
      const trackId = fromTrack ? integer('track', opts.track as string, 1, Number.MAX_SAFE_INTEGER) : 0;
      const keepNativeMinSidePx = keepNativeOption('keep-native-min-side', opts.keepNativeMinSide);

      const backend = await initBackend(opts.backend);
      const model = await loadSrModel({
        ...(opts.model === undefined ? {} : { model: opts.model }),
        ...(opts.config === undefined ? {} : { config: opts.config }),
        engine,
      });
      io.out(`model: ${model.id} (sha256 ${model.sha256.slice(0, 12)}, ${model.config.imageSize}x${model.config.imageSize}, featDim ${model.config.featDim}); engine ${model.engine} on ${engine === 'tfjs' ? backend.name : model.backend}\n`);
      io.out(`engine: ${model.engine} (${engineReason})\n`);
      const samplingForModel = srSamplingForModel(parsed, model.formulation);
      io.out(`sampler: ${samplingForModel.label}, seed ${seed}, conditioning ${conditioning}\n`);
      const onProgress = progressPrinter(io);
      try {
        if (fromTrack) {
          const dbPath = path.resolve(opts.db);
          if (!(await fs.stat(dbPath).catch(() => null))) throw new InputError(`--db: ${dbPath} does not exist`, { path: dbPath, option: 'db' });
          const store = openStore(dbPath);
          try {
            const t0 = performance.now();
            const r = await enhanceTrack(store, trackId, { model, sampling: samplingForModel, seed, conditioning, lrScale, keepNativeMinSidePx, onProgress });
            const ms = performance.now() - t0;
            if (opts.out !== undefined) await fs.writeFile(opts.out, r.output.png);
            const kept = r.output.keptNative;
            const what =
              kept !== null
                ? `${r.inserted ? 'kept native' : 'already kept native (stored output reused)'}, not synthesized (${kept.reason}: native crop ${kept.nativeSidePx} px)`
                : r.inserted
                  ? 'enhanced'
                  : 'already enhanced (stored output reused, nothing computed)';
            io.out(
              `${what}: track ${trackId} -> sr output ${r.srOutputId} in ${dbPath}` +
                `${opts.out === undefined ? '' : `, written to ${path.resolve(opts.out)}`}\n`,
            );
            io.out(`time: ${(ms / 1000).toFixed(1)} s; NFE: ${r.output.networkEvaluations}\n`);
          } finally {
            store.close();
          }
          return;
        }
        let detector: FaceDetector | null = null;
        let embedder: FaceEmbedder | null = null;
        try {
          if (opts.aligned !== true) detector = await createHumanFaceDetector({});
          if (conditioning === 'fm') embedder = await createFaceEmbedder(embedderName);
          const t0 = performance.now();
          const r = await enhanceImageFiles({
            model,
            lrPath: opts.lr as string,
            featurePaths: opts.features ?? [],
            outPath: opts.out as string,
            aligned: opts.aligned === true,
            detector,
            embedder,
            seed,
            conditioning,
            lrScale,
            quadScale,
            sampling: samplingForModel,
            onProgress,
          });
          const ms = performance.now() - t0;
          if (r.fused !== null) io.out(`F_M: ${r.fused.embedderId}, ${r.fused.memberIndices.length} of ${r.features.length} feature images kept (${r.fused.method})\n`);
          io.out(`enhanced face: ${path.resolve(r.outPath)}\n`);
          io.out(`time: ${(ms / 1000).toFixed(1)} s; NFE: ${r.face.networkEvaluations}\n`);
        } finally {
          await detector?.close();
          await embedder?.close();
        }
      } finally {
        await model.dispose();
      }
    });
}

/** What `fasr process --sr` passes to {@link enhanceProcessedTracks}. */
export interface ProcessSrOptions {
  /** --sr-model: the SR model file; default the bundled one. */
  readonly model?: string;
  /** --sr-steps: sampler steps (text from the command line); default the sampler's. */
  readonly steps?: string;
  /** --sr-engine: auto (the fastest installed), onnx or tfjs. Default auto. */
  readonly engine?: string;
  /** --sr-keep-native-min-side, parsed ({@link keepNativeOption}); undefined: the default (128). */
  readonly keepNativeMinSidePx?: number | null;
}

/** Tracks enhanced per `enhanceTracks` call (bounds the memory of one call's inputs and PNGs). */
const PROCESS_SR_CHUNK = 16;

/**
 * `fasr process --sr`: enhances every 'ok' track stored for the run's sources (those whose results
 * were stored), several tracks' faces per network call, each output stored with its provenance
 * and the run id (idempotent: tracks already enhanced the same way are skipped). Uses the active
 * backend (the process command initialised it). Prints one line per chunk and a summary.
 * @throws what loadSrModel / enhanceTracks throw (a missing model names how to get one).
 */
export async function enhanceProcessedTracks(
  store: Store,
  summary: { readonly runId: number; readonly outcomes: readonly { readonly sourceId: number | null; readonly resultsStored: boolean }[] },
  opts: ProcessSrOptions,
  io: CliIo,
): Promise<{ enhanced: number; keptNative: number; reused: number }> {
  const steps = opts.steps === undefined ? undefined : integer('sr-steps', opts.steps, 1, 100000);
  const { engine, reason } = resolveEngineOption('sr-engine', opts.engine ?? 'auto');
  const model = await loadSrModel({ ...(opts.model === undefined ? {} : { model: opts.model }), engine });
  let enhanced = 0;
  let keptNative = 0;
  let reused = 0;
  try {
    const trackIds: number[] = [];
    for (const o of summary.outcomes) {
      if (o.sourceId === null || !o.resultsStored) continue;
      for (const t of store.iterateTracks({ sourceId: o.sourceId, status: 'ok', limit: 1000 })) trackIds.push(t.id);
    }
    io.out(`sr: ${trackIds.length} tracks with ${model.id} (sha256 ${model.sha256.slice(0, 12)}); engine ${model.engine} on ${model.backend} (${reason})\n`);
    const t0 = performance.now();
    for (let i = 0; i < trackIds.length; i += PROCESS_SR_CHUNK) {
      const chunk = trackIds.slice(i, i + PROCESS_SR_CHUNK);
      const results = await enhanceTracks(store, chunk, { model, runId: summary.runId, ...(steps === undefined ? {} : { steps }), ...(opts.keepNativeMinSidePx === undefined ? {} : { keepNativeMinSidePx: opts.keepNativeMinSidePx }) });
      for (const r of results) {
        if (!r.inserted) reused += 1;
        else if (r.output.method === 'kept-native') keptNative += 1;
        else enhanced += 1;
      }
      io.out(`sr: ${Math.min(i + PROCESS_SR_CHUNK, trackIds.length)}/${trackIds.length} tracks (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
    }
    const kept = keptNative > 0 ? `${keptNative} kept native (native crop at least ${opts.keepNativeMinSidePx ?? DEFAULT_KEEP_NATIVE_MIN_SIDE_PX} px, not synthesized), ` : '';
    io.out(`sr: ${enhanced} enhanced, ${kept}${reused} already enhanced; outputs in sr_outputs (run ${summary.runId})\n`);
  } finally {
    await model.dispose();
  }
  return { enhanced, keptNative, reused };
}
