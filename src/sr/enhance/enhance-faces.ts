import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../../contracts';
import type { SrRequest, SrResult } from '../../contracts';
import { checkProgressAndSignal, parseSamplerConfig, runSamplerConditional, samplerLabel } from '../samplers';
import type { SamplerConfig, SamplerName } from '../samplers';
import { VeSde } from '../sde';
import { checkNumber, checkOptionKeys, describeValue } from '../../validate';
import { formulationOutput, formulationScoreNetwork, guidedNetwork } from '../formulation';
import type { SrFormulation } from '../formulation';
import { makeScoreFn } from '../score-fn';
import type { ScoreNetwork } from '../score-fn';
import type { BatchMode } from './batch-mode';
import type { SrModel } from './load-sr-model';
import { DEFAULT_RESIDUAL_SR_SAMPLER, DEFAULT_SR_SAMPLER } from './default-sr-sampler';
import { PerFaceNoiseSource } from './per-face-noise-source';

/** What a face was conditioned on: its F_M, or the all-zero descriptor (feature-free ablation). */
/** How a face is conditioned: on its F_M ('fm') or on nothing ('zero', the feature-free ablation). */
export const SR_CONDITIONINGS = Object.freeze(['fm', 'zero'] as const);
export type SrConditioning = (typeof SR_CONDITIONINGS)[number];

/**
 * The sampling settings of an SR run as the CLI and the UI give them. The sampler comes from the
 * registry of src/sr/samplers (`SAMPLER_NAMES`: pc, reverse-diffusion, euler-maruyama,
 * probability-flow, heun, euler-ode, adaptive), validated there with exact messages.
 */
export interface SrSamplingInput {
  /** Sampler name. With none of sampler, steps, snr, samplerOptions given: the model's measured default (`defaultSrSampler(formulation)`: DEFAULT_SR_SAMPLER for paper-recipe models, DEFAULT_RESIDUAL_SR_SAMPLER for residual-EDM ones); else default 'pc'. */
  readonly sampler?: string;
  /** Steps (not for 'adaptive'). Default: the sampler's (2000 for the PC family, the paper's). */
  readonly steps?: number;
  /** Langevin snr ('pc' only). Default 0.16. */
  readonly snr?: number;
  /** Further options of the chosen sampler (e.g. `{ rho: 7 }` for heun), checked by its parser. */
  readonly samplerOptions?: Readonly<Record<string, unknown>>;
  /** Most faces per network call, integer 1–64. Default 4. Results do not depend on it. */
  readonly batchSize?: number;
  /**
   * Classifier-free guidance weight w (Ho & Salimans 2022): D = D(∅) + w (D(F_M) − D(∅)), the null
   * descriptor ∅ being the all-zero F_M the residual-EDM recipe trains on. 1 = none (default); > 1
   * pushes the face towards F_M, at two network rows per face. Models of the residual-EDM
   * formulation only (a paper-recipe model never saw the null descriptor). Part of the label.
   */
  readonly guidance?: number;
}

/**
 * {@link SrSamplingInput}, validated once at the edge (CLI, pipeline file, queue job, serve action)
 * by {@link parseSrSamplingConfig} and passed inward as it is: `enhanceTracks`, `enhanceImageFiles`
 * and {@link enhanceFaces} take it as their `sampling` option and do not parse it again.
 */
export interface SrSamplingConfig {
  /** The parsed sampler config (every setting filled in). */
  readonly sampler: Readonly<SamplerConfig>;
  /** Its canonical label (`samplerLabel`), stored with outputs and part of their idempotency key. */
  readonly label: string;
  /** Steps fixed by the config; null for 'adaptive' (it chooses its own). */
  readonly fixedSteps: number | null;
  readonly batchSize: number;
  /** Classifier-free guidance weight (1 = none). */
  readonly guidance: number;
  /**
   * True when the input named no sampler setting (sampler, steps, snr, samplerOptions): the
   * sampler is the model's measured default, `defaultSrSampler(formulation)`, and
   * {@link srSamplingForModel} swaps it for the default of the model that runs it.
   */
  readonly modelDefault: boolean;
}

/** The keys of {@link SrSamplingInput}: every SR entry point takes them as they are. */
export const SR_SAMPLING_KEYS = ['sampler', 'steps', 'snr', 'samplerOptions', 'batchSize', 'guidance'] as const;
const SAMPLING_KEYS = SR_SAMPLING_KEYS;

/** Marks the configs {@link parseSrSamplingConfig} made (non-enumerable), so that a parsed value is never parsed again. */
const PARSED = Symbol('parsed SrSamplingConfig');

/** The default sampler configs of the two formulations (`defaultSrSampler`), parsed once (frozen constants). */
const MODEL_DEFAULT_SAMPLERS: Readonly<Record<'paper' | 'residual-edm', Readonly<SamplerConfig>>> = Object.freeze({
  paper: parseSamplerConfig(DEFAULT_SR_SAMPLER, 'DEFAULT_SR_SAMPLER'),
  'residual-edm': parseSamplerConfig(DEFAULT_RESIDUAL_SR_SAMPLER, 'DEFAULT_RESIDUAL_SR_SAMPLER'),
});

function modelDefaultSampler(formulation: SrFormulation | undefined): Readonly<SamplerConfig> {
  return MODEL_DEFAULT_SAMPLERS[formulation?.kind === 'residual-edm' ? 'residual-edm' : 'paper'];
}

function srSamplingConfig(sampler: Readonly<SamplerConfig>, guidance: number, batchSize: number, modelDefault: boolean): Readonly<SrSamplingConfig> {
  const config: SrSamplingConfig = {
    sampler,
    label: guidance === 1 ? samplerLabel(sampler) : `${samplerLabel(sampler)}+cfg(w=${guidance})`,
    fixedSteps: sampler.sampler === 'adaptive' ? null : sampler.steps,
    batchSize,
    guidance,
    modelDefault,
  };
  Object.defineProperty(config, PARSED, { value: true, enumerable: false });
  return Object.freeze(config);
}

/** Whether `value` is a config {@link parseSrSamplingConfig} returned (not a look-alike object). */
export function isSrSamplingConfig(value: unknown): value is Readonly<SrSamplingConfig> {
  return value !== null && typeof value === 'object' && (value as { [PARSED]?: unknown })[PARSED] === true;
}

/**
 * Validates sampling settings and fills in the defaults. Call it once, at the edge; pass the result
 * inward as `sampling`.
 * @param formulation the model's, when known: with no sampler setting given, its measured default
 *   (absent: the paper's; {@link srSamplingForModel} picks the running model's later).
 * @throws ConfigError for unknown keys, an unknown sampler (listing the valid ones), an option the
 *   sampler does not take, an out-of-range number.
 */
export function parseSrSamplingConfig(input: unknown = {}, where = 'SrSampling', formulation?: SrFormulation): Readonly<SrSamplingConfig> {
  const raw = checkOptionKeys(where, input, SAMPLING_KEYS);
  const extra = raw.samplerOptions ?? {};
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) {
    throw new ConfigError(`${where}.samplerOptions: expected an object, received ${describeValue(extra)}`, { option: 'samplerOptions' });
  }
  for (const key of ['sampler', 'steps', 'snr']) {
    if (key in extra) throw new ConfigError(`${where}.samplerOptions: set "${key}" as its own option, not in samplerOptions`, { option: 'samplerOptions' });
  }
  // Nothing about the sampler given: the model's measured default (defaultSrSampler); otherwise the registry's defaults (pc).
  const unspecified = raw.sampler === undefined && raw.steps === undefined && raw.snr === undefined && raw.samplerOptions === undefined;
  const sampler = unspecified
    ? modelDefaultSampler(formulation)
    : parseSamplerConfig(
        {
          ...(raw.sampler === undefined ? {} : { sampler: raw.sampler }),
          ...(raw.steps === undefined ? {} : { steps: raw.steps }),
          ...(raw.snr === undefined ? {} : { snr: raw.snr }),
          ...extra,
        },
        where,
      );
  const guidance = checkNumber(where, 'guidance', raw.guidance ?? 1, { min: 0, max: 20 });
  const batchSize = checkNumber(where, 'batchSize', raw.batchSize ?? 4, { integer: true, min: 1, max: 64 });
  return srSamplingConfig(sampler, guidance, batchSize, unspecified);
}

/**
 * A parsed config for the model that runs it: where the input named no sampler, the default of
 * the model's formulation (`defaultSrSampler`); otherwise the config itself. Parses nothing.
 */
export function srSamplingForModel(config: Readonly<SrSamplingConfig>, formulation: SrFormulation): Readonly<SrSamplingConfig> {
  if (!config.modelDefault) return config;
  const sampler = modelDefaultSampler(formulation);
  return sampler === config.sampler ? config : srSamplingConfig(sampler, config.guidance, config.batchSize, true);
}

/**
 * The sampling config of an SR entry point's options: their `sampling` (a parsed
 * {@link SrSamplingConfig}, not parsed again) or else their {@link SrSamplingInput} keys, parsed
 * here; either way for the model's formulation.
 * @throws ConfigError for both given, a `sampling` that {@link parseSrSamplingConfig} did not make,
 *   or bad sampling keys.
 */
export function samplingFromOptions(where: string, raw: Readonly<Record<string, unknown>>, formulation: SrFormulation): Readonly<SrSamplingConfig> {
  const given = SAMPLING_KEYS.filter((k) => raw[k] !== undefined);
  if (raw.sampling === undefined) return parseSrSamplingConfig(Object.fromEntries(given.map((k) => [k, raw[k]])), where, formulation);
  if (!isSrSamplingConfig(raw.sampling)) {
    throw new ConfigError(`${where}.sampling: expected a parsed sampling config (parseSrSamplingConfig), received ${describeValue(raw.sampling)}`, { option: 'sampling' });
  }
  if (given.length > 0) {
    throw new ConfigError(`${where}: give either sampling (parsed) or the sampling options (${given.join(', ')}), not both`, { option: given[0] as string });
  }
  return srSamplingForModel(raw.sampling, formulation);
}

/** Reported after every sampler step of every batch. */
export interface EnhanceProgress {
  /** 0-based batch index, and the number of batches. */
  readonly batch: number;
  readonly batches: number;
  /** Faces in this batch, and faces finished before it. */
  readonly batchFaces: number;
  readonly facesDone: number;
  readonly facesTotal: number;
  /** 0-based step just completed, and steps per face. */
  readonly step: number;
  readonly steps: number;
  /** Network evaluations of this batch so far. */
  readonly nfe: number;
}

/** Options of {@link enhanceFaces}: the model, sampling settings, and the run's collaborators. */
export interface EnhanceFacesOptions extends SrSamplingInput {
  /** The sampling settings parsed at the edge ({@link parseSrSamplingConfig}); instead of the {@link SrSamplingInput} keys. */
  readonly sampling?: Readonly<SrSamplingConfig>;
  /** The loaded model (`loadSrModel`). Required. */
  readonly model: SrModel;
  /** Called after every sampler step. */
  readonly onProgress?: (progress: EnhanceProgress) => void;
  /** Aborts between steps; the promise rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** One enhanced face: the contract's SrResult plus how it was made. */
export interface EnhancedFace extends SrResult {
  /** The sampler's name (`sampler` holds its canonical label, e.g. `pc(steps=2000,snr=0.16,...)`). */
  readonly samplerName: SamplerName;
  readonly conditioning: SrConditioning;
  readonly engine: string;
  readonly backend: string;
  /** Faces that shared this face's network calls (padding excluded), and how batching ran. */
  readonly batchFaces: number;
  readonly batchMode: BatchMode;
  /** Named durations, ms: totalMs (the batch's sampling), networkMs (inside the network), setupMs. */
  readonly timingsMs: Readonly<Record<string, number>>;
}

const OPTION_KEYS = [...SAMPLING_KEYS, 'sampling', 'model', 'onProgress', 'signal'] as const;

function checkRequest(r: unknown, i: number, model: SrModel): SrRequest {
  const where = `enhanceFaces: request ${i}`;
  if (r === null || typeof r !== 'object') throw new InputError(`${where}: expected an SrRequest object, received ${describeValue(r)}`);
  const req = r as SrRequest;
  const { imageSize: s, featDim } = model.config;
  if (req.size !== s) {
    throw new InputError(`${where}: size ${describeValue(req.size)} does not match the model's image size ${s} (model ${model.id}); bring LR_0 to ${s}x${s}`, {
      option: 'size',
    });
  }
  if (!(req.lrImageHWC instanceof Float32Array) || req.lrImageHWC.length !== s * s * 3) {
    throw new InputError(`${where}: lrImageHWC must be a Float32Array of ${s}*${s}*3 = ${s * s * 3} values, received ${req.lrImageHWC instanceof Float32Array ? req.lrImageHWC.length : describeValue(req.lrImageHWC)}`, {
      option: 'lrImageHWC',
    });
  }
  if (!req.lrImageHWC.every(Number.isFinite)) throw new InputError(`${where}: lrImageHWC has a non-finite value`, { option: 'lrImageHWC' });
  if (req.featureVector !== null) {
    if (!(req.featureVector instanceof Float32Array)) {
      throw new InputError(`${where}: featureVector must be a Float32Array or null (zero ablation), received ${describeValue(req.featureVector)}`, { option: 'featureVector' });
    }
    if (req.featureVector.length !== featDim) {
      throw new InputError(
        `${where}: feature dim mismatch: F_M has ${req.featureVector.length} values, model ${model.id} expects featDim ${featDim}; ` +
          `use a model trained for this embedder (featDim ${req.featureVector.length}, with feature_proj) or the zero ablation`,
        { option: 'featureVector', expected: featDim, actual: req.featureVector.length },
      );
    }
    if (!req.featureVector.every(Number.isFinite)) throw new InputError(`${where}: featureVector has a non-finite value`, { option: 'featureVector' });
  }
  if (typeof req.seed !== 'number' || !Number.isSafeInteger(req.seed) || req.seed < 0) {
    throw new InputError(`${where}: seed must be an integer in [0, 2^53 - 1], received ${describeValue(req.seed)}`, { option: 'seed' });
  }
  return req;
}

function checkModel(value: unknown): SrModel {
  const m = value as Partial<SrModel> | undefined;
  if (m === null || typeof m !== 'object' || typeof m.batchMode !== 'function' || m.network === undefined || m.config === undefined) {
    throw new ConfigError(`enhanceFaces.model: expected a loaded SR model (loadSrModel), received ${describeValue(value)}`, { option: 'model' });
  }
  return m as SrModel;
}

/** Wraps a network to time its forward calls (wasm and cpu run synchronously, so this is the compute time). */
function timedNetwork(network: ScoreNetwork): { network: ScoreNetwork; ms: () => number } {
  let ms = 0;
  return {
    network: {
      forward: (x, y, sigma, feat) => {
        const t0 = performance.now();
        const out = network.forward(x, y, sigma, feat);
        ms += performance.now() - t0;
        return out;
      },
    },
    ms: () => ms,
  };
}

/**
 * Enhances faces with the FASR score model: for each request, samples HR | (LR_0, F_M) with the
 * reverse VE SDE (Eq. 4 of the paper; predictor–corrector, Song et al. 2021 Algorithm 2), several
 * faces per network call.
 *
 * Determinism: face i's noise comes only from its own seed ({@link PerFaceNoiseSource}), the
 * Langevin step size is per sample, and faces share a call only where the engine computes every
 * row bit-identically to a lone call (`model.batchMode()`), so the same seed, inputs and model
 * give the same image bit for bit whether a face runs alone or batched.
 *
 * @param requests LR_0 at the model size (degraded and upsampled, RGB [0,1] HWC), F_M of the
 *   model's featDim or null (zero ablation), seed.
 * @returns one result per request, in order; images clipped to [0, 1].
 * @throws ConfigError for bad options; InputError for a request that does not fit the model
 *   (size, feature dim); `signal.reason` when aborted.
 */
export async function enhanceFaces(requests: readonly SrRequest[], opts: EnhanceFacesOptions): Promise<EnhancedFace[]> {
  const where = 'enhanceFaces';
  const raw = checkOptionKeys(where, opts, OPTION_KEYS);
  const model = checkModel(raw.model);
  const cfg = samplingFromOptions(where, raw, model.formulation);
  const samplerConfig = cfg.sampler;
  const { onProgress, signal } = checkProgressAndSignal<(p: EnhanceProgress) => void>(where, raw);
  if (!Array.isArray(requests)) throw new InputError(`${where}: requests must be an array of SrRequest, received ${describeValue(requests)}`);
  const reqs = requests.map((r, i) => checkRequest(r, i, model));
  if (reqs.length === 0) return [];
  signal?.throwIfAborted();

  if (cfg.guidance !== 1 && model.formulation.kind !== 'residual-edm') {
    throw new ConfigError(`${where}.guidance: classifier-free guidance needs a model trained with a null F_M (formulation residual-edm); ${model.id} is ${model.formulation.kind}`, { option: 'guidance' });
  }
  const setupStart = performance.now();
  const mode = model.batchMode();
  const setupMs = performance.now() - setupStart;
  const batchSize = mode === 'sequential' ? 1 : cfg.batchSize;
  const { imageSize: s, featDim, sigmaMin, sigmaMax } = model.config;
  // The model's VE SDE (σ_min, σ_max); runSampler gives the PC family an SDE of the config's steps, the ODE/adaptive samplers ignore N.
  const sde = new VeSde({ sigmaMin, sigmaMax, N: model.config.numScales });
  const batches: SrRequest[][] = [];
  for (let i = 0; i < reqs.length; i += batchSize) batches.push(reqs.slice(i, i + batchSize));

  const results: EnhancedFace[] = [];
  for (const [b, batch] of batches.entries()) {
    const pad = mode === 'pad-singletons' && batch.length === 1;
    const rows = pad ? [batch[0] as SrRequest, batch[0] as SrRequest] : batch;
    const lr = new Float32Array(rows.length * s * s * 3);
    const feat = new Float32Array(rows.length * featDim);
    rows.forEach((r, i) => {
      lr.set(r.lrImageHWC, i * s * s * 3);
      if (r.featureVector !== null) feat.set(r.featureVector, i * featDim);
    });
    const timed = timedNetwork(model.network);
    const network = cfg.guidance === 1 ? timed.network : guidedNetwork(timed.network, cfg.guidance);
    const scoreFn = makeScoreFn(formulationScoreNetwork(network, model.formulation), sde.sigma);
    const y = tf.tensor4d(lr, [rows.length, s, s, 3]);
    const f = tf.tensor2d(feat, [rows.length, featDim]);
    const t0 = performance.now();
    let sample: tf.Tensor4D;
    let nfe: number;
    let steps: number;
    try {
      const out = await runSamplerConditional(scoreFn, y, f, samplerConfig, {
        sde,
        noise: new PerFaceNoiseSource(rows.map((r) => r.seed)),
        ...(onProgress === undefined
          ? {}
          : {
              onProgress: (p) =>
                onProgress({
                  batch: b,
                  batches: batches.length,
                  batchFaces: batch.length,
                  facesDone: b * batchSize,
                  facesTotal: reqs.length,
                  step: p.step,
                  steps: p.steps,
                  nfe: p.nfe,
                }),
            }),
        ...(signal === undefined ? {} : { signal }),
      });
      sample = out.xNHWC;
      nfe = out.nfe;
      steps = out.steps;
    } catch (err) {
      y.dispose();
      throw err;
    } finally {
      f.dispose();
    }
    const clipped = tf.tidy(() => tf.clipByValue(formulationOutput(model.formulation, sample, y), 0, 1));
    sample.dispose();
    y.dispose();
    const data = (await clipped.data()) as Float32Array;
    clipped.dispose();
    const totalMs = performance.now() - t0;
    batch.forEach((r, i) => {
      results.push({
        imageHWC: data.slice(i * s * s * 3, (i + 1) * s * s * 3),
        size: s,
        modelId: model.id,
        modelSha256: model.sha256,
        sampler: cfg.label,
        samplerName: samplerConfig.sampler,
        steps,
        networkEvaluations: nfe,
        seed: r.seed,
        elapsedMs: totalMs,
        conditioning: r.featureVector === null ? 'zero' : 'fm',
        engine: model.engine,
        backend: model.backend,
        batchFaces: batch.length,
        batchMode: mode,
        timingsMs: Object.freeze({ totalMs, networkMs: timed.ms(), setupMs: b === 0 ? setupMs : 0 }),
      });
    });
  }
  return results;
}
