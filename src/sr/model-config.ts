import { z } from 'zod';
import { ConfigError } from '../contracts';

/**
 * Configuration of the NCSN++ score network of FASR (score_sde_pytorch `NCSNpp` as modified by
 * the FASR authors: 6 input channels = noisy HR estimate x interleaved with the bicubic LR y,
 * plus a face descriptor that conditions every residual block).
 *
 * Only the architecture the paper uses is supported: BigGAN residual blocks with FIR
 * up/down-sampling, Gaussian Fourier noise embedding, GroupNorm, swish, DDPM attention,
 * `progressive = none`, `progressive_input = input_skip` with `sum` combine.
 */
export interface NcsnppConfig {
  /** Side of the square input image in pixels (paper 128); divisible by 2^(chMult.length-1). */
  readonly imageSize: number;
  /** Input channels: 6 = 3 of x (noisy HR) + 3 of y (LR conditioning), interleaved. The output has 3. */
  readonly numChannels: 6;
  /** Base channel count `nf` (paper 128). The time embedding has 4*nf entries. */
  readonly nf: number;
  /** Channel multiplier per resolution level, highest resolution first (paper [1,1,2,2,2,2,2]). */
  readonly chMult: readonly number[];
  /** Residual blocks per level on the down path (the up path has one more). Paper 2. */
  readonly numResBlocks: number;
  /** Resolutions (pixels) at which self-attention blocks are inserted (paper [16]). */
  readonly attnResolutions: readonly number[];
  /** 1-D FIR resampling kernel, made separable and normalised (paper [1,3,3,1]). */
  readonly firKernel: readonly number[];
  /** Scale of the Gaussian Fourier projection weights W = randn(nf) * fourierScale (paper 16). */
  readonly fourierScale: number;
  /** How the input image pyramid feeds the down path; only 'input_skip' is implemented. */
  readonly progressiveInput: 'input_skip';
  /** How the pyramid is combined with the features; only 'sum' is implemented. */
  readonly progressiveCombine: 'sum';
  /** Residual sums are divided by sqrt(2) (paper true). */
  readonly skipRescale: boolean;
  /** The network output is divided by sigma, which makes it the score (paper true). */
  readonly scaleBySigma: boolean;
  /** Noise-conditional network (time embedding); must be true (the descriptor path needs it). */
  readonly conditional: true;
  /** Inputs already in [-1,1]; false (paper) applies `2x - 1` to all 6 channels inside the model. */
  readonly centered: boolean;
  /** VE SDE smallest noise level (paper 0.001). */
  readonly sigmaMin: number;
  /** VE SDE largest noise level (paper 348). */
  readonly sigmaMax: number;
  /** Number of discrete noise levels; only sizes the unused `sigmas` buffer (paper 2000). */
  readonly numScales: number;
  /**
   * Length of the face descriptor F_M. The authors' layout requires 4*nf (512 for the paper).
   * Any other length adds a learned `feature_proj` Linear(featDim -> 4*nf) (see docs/sr-model.md).
   */
  readonly featDim: number;
  /** Dropout probability; only 0 is supported (inference, and the authors' training). */
  readonly dropout: 0;
  /** `init_scale` of the authors' initialiser for the last conv of each block (0 -> 1e-10). Random init only. */
  readonly initScale: number;
}

const posInt = (what = 'a positive integer') => z.number({ invalid_type_error: 'expected a number' }).int(`expected ${what}`).positive(`expected ${what}`);
const posNum = () => z.number({ invalid_type_error: 'expected a number' }).positive('expected a positive number').finite('expected a finite number');

const schema = z
  .object({
    imageSize: posInt(),
    numChannels: z.literal(6, { errorMap: () => ({ message: 'expected 6 (3 channels of x + 3 of y)' }) }),
    nf: posInt(),
    chMult: z.array(posInt(), { invalid_type_error: 'expected an array of positive integers' }).min(1, 'expected at least one level'),
    numResBlocks: posInt(),
    attnResolutions: z.array(posInt(), { invalid_type_error: 'expected an array of positive integers' }),
    firKernel: z.array(posNum(), { invalid_type_error: 'expected an array of positive numbers' }).min(2, 'expected at least 2 taps'),
    fourierScale: posNum(),
    progressiveInput: z.literal('input_skip', { errorMap: () => ({ message: "expected 'input_skip' (the only one implemented)" }) }),
    progressiveCombine: z.literal('sum', { errorMap: () => ({ message: "expected 'sum' (the only one implemented)" }) }),
    skipRescale: z.boolean({ invalid_type_error: 'expected a boolean' }),
    scaleBySigma: z.boolean({ invalid_type_error: 'expected a boolean' }),
    conditional: z.literal(true, { errorMap: () => ({ message: 'expected true (the descriptor conditioning needs the time embedding)' }) }),
    centered: z.boolean({ invalid_type_error: 'expected a boolean' }),
    sigmaMin: posNum(),
    sigmaMax: posNum(),
    numScales: posInt(),
    featDim: posInt().optional(),
    dropout: z.literal(0, { errorMap: () => ({ message: 'expected 0 (dropout is not implemented)' }) }),
    initScale: z.number({ invalid_type_error: 'expected a number' }).nonnegative('expected a number >= 0').optional(),
  })
  .strict();

type Issue = z.ZodIssue;

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Turns zod issues into one line per problem: `field: expected ..., received ...`. */
export function formatConfigIssues(issues: readonly Issue[], input: unknown, validKeys: readonly string[]): string[] {
  return issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    if (issue.code === 'unrecognized_keys') {
      return `${issue.path.length > 0 ? `${where}: ` : ''}unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; valid keys: ${validKeys.join(', ')}`;
    }
    if (issue.code === 'invalid_type' && issue.received === 'undefined') return `${where}: required, received nothing`;
    const message = issue.code === 'invalid_type' && issue.expected !== 'integer' ? `expected ${issue.expected}` : issue.message;
    return `${where}: ${message}, received ${describe(valueAt(input, issue.path))}`;
  });
}

/** Channel count of every GroupNorm the network builds, with a label for messages. */
function groupNormChannels(c: Omit<NcsnppConfig, 'featDim' | 'initScale'>): { label: string; channels: number }[] {
  const out: { label: string; channels: number }[] = [];
  const hs: number[] = [c.nf];
  let inCh = c.nf;
  c.chMult.forEach((mult, level) => {
    for (let b = 0; b < c.numResBlocks; b++) {
      const outCh = c.nf * mult;
      out.push({ label: `down level ${level} block ${b}`, channels: inCh }, { label: `down level ${level} block ${b}`, channels: outCh });
      inCh = outCh;
      hs.push(inCh);
    }
    if (level !== c.chMult.length - 1) hs.push(inCh);
  });
  for (let level = c.chMult.length - 1; level >= 0; level--) {
    for (let b = 0; b <= c.numResBlocks; b++) {
      const skip = hs.pop() ?? 0;
      out.push({ label: `up level ${level} block ${b} (input ${inCh}+${skip})`, channels: inCh + skip });
      inCh = c.nf * (c.chMult[level] ?? 0);
    }
  }
  return out;
}

/**
 * Validates an NCSN++ config (strict: unknown keys are rejected) and returns a frozen copy with
 * `featDim` defaulting to 4*nf and `initScale` to 0.
 * @throws ConfigError listing every problem as `field: expected ..., received ...`.
 */
export function parseNcsnppConfig(input: unknown): NcsnppConfig {
  const res = schema.safeParse(input);
  if (!res.success) {
    const lines = formatConfigIssues(res.error.issues, input, Object.keys(schema.shape));
    throw new ConfigError(`invalid NCSN++ config: ${lines.join('; ')}`, { issues: lines });
  }
  const v = res.data;
  const problems: string[] = [];
  const levels = v.chMult.length;
  if (v.imageSize % 2 ** (levels - 1) !== 0) {
    problems.push(`imageSize: expected a multiple of ${2 ** (levels - 1)} (2^(chMult.length-1)), received ${v.imageSize}`);
  }
  const resolutions = v.chMult.map((_, i) => v.imageSize / 2 ** i);
  for (const r of problems.length === 0 ? v.attnResolutions : []) {
    if (!resolutions.includes(r)) {
      problems.push(`attnResolutions: ${r} is not one of the network's resolutions ${JSON.stringify(resolutions)}`);
    }
  }
  if (!(v.sigmaMin < v.sigmaMax)) problems.push(`sigmaMin: expected < sigmaMax (${v.sigmaMax}), received ${v.sigmaMin}`);
  for (const gn of groupNormChannels(v)) {
    const groups = Math.min(Math.floor(gn.channels / 4), 32);
    if (groups < 1 || gn.channels % groups !== 0) {
      problems.push(`nf/chMult: GroupNorm of ${gn.label} has ${gn.channels} channels, not divisible into min(C/4, 32) = ${groups} groups`);
      break;
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid NCSN++ config: ${problems.join('; ')}`, { issues: problems });
  const config: NcsnppConfig = {
    ...v,
    chMult: Object.freeze([...v.chMult]),
    attnResolutions: Object.freeze([...v.attnResolutions]),
    firKernel: Object.freeze([...v.firKernel]),
    featDim: v.featDim ?? 4 * v.nf,
    initScale: v.initScale ?? 0,
  };
  return Object.freeze(config);
}

/** Resolutions of the levels, highest first: imageSize / 2^i. */
export function ncsnppResolutions(config: NcsnppConfig): number[] {
  return config.chMult.map((_, i) => config.imageSize / 2 ** i);
}

const common = {
  numChannels: 6,
  firKernel: [1, 3, 3, 1],
  fourierScale: 16,
  progressiveInput: 'input_skip',
  progressiveCombine: 'sum',
  skipRescale: true,
  scaleBySigma: true,
  conditional: true,
  centered: false,
  sigmaMin: 0.001,
  sigmaMax: 348,
  dropout: 0,
  initScale: 0,
} as const;

/**
 * Named configs. `tiny` = fixtures/fasr-reference/tiny/config.json (the golden-test model,
 * 346,547 parameters); `paper` = the authors' configs/ve/sr_ve.py (71,122,435 parameters).
 */
export const NCSNPP_PRESETS: Readonly<Record<'tiny' | 'paper', NcsnppConfig>> = Object.freeze({
  tiny: parseNcsnppConfig({ ...common, imageSize: 32, nf: 16, chMult: [1, 2, 2], numResBlocks: 1, attnResolutions: [8], numScales: 4, featDim: 64 }),
  paper: parseNcsnppConfig({
    ...common,
    imageSize: 128,
    nf: 128,
    chMult: [1, 1, 2, 2, 2, 2, 2],
    numResBlocks: 2,
    attnResolutions: [16],
    numScales: 2000,
    featDim: 512,
  }),
});

const authorsModelSchema = z
  .object({
    num_scales: z.number(),
    beta_min: z.number(),
    beta_max: z.number(),
    dropout: z.literal(0, { errorMap: () => ({ message: 'expected 0 (dropout is not implemented)' }) }),
    embedding_type: z.literal('fourier', { errorMap: () => ({ message: "expected 'fourier' (the only embedding implemented)" }) }),
    name: z.literal('ncsnpp', { errorMap: () => ({ message: "expected 'ncsnpp'" }) }),
    sigma_max: z.number(),
    sigma_min: z.number(),
    scale_by_sigma: z.boolean(),
    ema_rate: z.number(),
    normalization: z.literal('GroupNorm', { errorMap: () => ({ message: "expected 'GroupNorm' (the only normalisation implemented)" }) }),
    nonlinearity: z.literal('swish', { errorMap: () => ({ message: "expected 'swish' (the only nonlinearity implemented)" }) }),
    nf: z.number(),
    ch_mult: z.array(z.number()),
    num_res_blocks: z.number(),
    attn_resolutions: z.array(z.number()),
    resamp_with_conv: z.boolean(),
    conditional: z.literal(true, { errorMap: () => ({ message: 'expected true (the descriptor conditioning needs the time embedding)' }) }),
    fir: z.literal(true, { errorMap: () => ({ message: 'expected true (only FIR resampling is implemented)' }) }),
    fir_kernel: z.array(z.number()),
    skip_rescale: z.boolean(),
    resblock_type: z.literal('biggan', { errorMap: () => ({ message: "expected 'biggan' (the only resblock type implemented)" }) }),
    progressive: z.literal('none', { errorMap: () => ({ message: "expected 'none' (the only progressive mode implemented)" }) }),
    progressive_input: z.literal('input_skip', { errorMap: () => ({ message: "expected 'input_skip' (the only one implemented)" }) }),
    progressive_combine: z.literal('sum', { errorMap: () => ({ message: "expected 'sum' (the only one implemented)" }) }),
    attention_type: z.literal('ddpm', { errorMap: () => ({ message: "expected 'ddpm'" }) }),
    init_scale: z.number(),
    fourier_scale: z.number(),
    conv_size: z.literal(3, { errorMap: () => ({ message: 'expected 3' }) }),
  })
  .strict();

const authorsDataSchema = z
  .object({
    image_size: z.number(),
    num_channels: z.literal(6, { errorMap: () => ({ message: 'expected 6 (3 channels of x + 3 of y)' }) }),
    centered: z.boolean(),
  })
  .passthrough(); // dataset paths, flips etc. describe the data, not the network

const authorsSchema = z.object({ model: authorsModelSchema, data: authorsDataSchema }).passthrough();

/**
 * Converts the authors' ml_collections config (the `config` object of their config.json, with
 * `model` and `data` sections; training/sampling/eval/optim sections are ignored) into an
 * {@link NcsnppConfig}. Unknown keys in `model` are rejected; architecture options we do not
 * implement (e.g. `resblock_type: 'ddpm'`) are errors, not silently ignored.
 *
 * @param featDim descriptor length; default 4*nf (the authors' layout).
 * @throws ConfigError naming every offending `model.*` / `data.*` field.
 */
export function ncsnppConfigFromAuthors(authorsConfig: unknown, featDim?: number): NcsnppConfig {
  const res = authorsSchema.safeParse(authorsConfig);
  if (!res.success) {
    const lines = formatConfigIssues(res.error.issues, authorsConfig, Object.keys(authorsModelSchema.shape));
    throw new ConfigError(`invalid authors' NCSN++ config: ${lines.join('; ')}`, { issues: lines });
  }
  const { model: m, data: d } = res.data;
  return parseNcsnppConfig({
    imageSize: d.image_size,
    numChannels: d.num_channels,
    nf: m.nf,
    chMult: m.ch_mult,
    numResBlocks: m.num_res_blocks,
    attnResolutions: m.attn_resolutions,
    firKernel: m.fir_kernel,
    fourierScale: m.fourier_scale,
    progressiveInput: m.progressive_input,
    progressiveCombine: m.progressive_combine,
    skipRescale: m.skip_rescale,
    scaleBySigma: m.scale_by_sigma,
    conditional: m.conditional,
    centered: d.centered,
    sigmaMin: m.sigma_min,
    sigmaMax: m.sigma_max,
    numScales: m.num_scales,
    dropout: m.dropout,
    initScale: m.init_scale,
    ...(featDim !== undefined ? { featDim } : {}),
  });
}
