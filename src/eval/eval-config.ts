import { z } from 'zod';
import { ConfigError } from '../contracts';
import { EMBEDDER_NAMES } from '../fuse';
import { SR_ENGINE_NAMES, defaultSrEngine } from '../sr';
import { EVAL_ALIGN_MODES } from './dataset/prepare-eval-faces';

/**
 * The methods (rows): the paper's Table I — `bicubic` (the degraded probe: the LR row),
 * `sr-nofeat` (the SR model with F_M = 0: the feature-free ablation, like SDE-SR), `fasr` (the SR
 * model with F_M), `hr` (the HR probe: the upper bound) — and two controls: `fasr-shuffled` (the SR
 * model with the F_M of another identity, a derangement fixed by the seed: the control for F_M,
 * since F_M = 0 is an input the model never saw in training) and `esrgan` (UpscalerJS's
 * ESRGAN-thick x8 on the 16x16 LR: the off-the-shelf alternative a user would pick).
 */
export const EVAL_METHODS = Object.freeze(['bicubic', 'esrgan', 'sr-nofeat', 'fasr-shuffled', 'fasr', 'hr'] as const);
export type EvalMethod = (typeof EVAL_METHODS)[number];
/** Methods that run the SR model. */
export const SR_EVAL_METHODS: readonly EvalMethod[] = Object.freeze(['sr-nofeat', 'fasr-shuffled', 'fasr']);
/** Methods that need F_M (the conditioning embedder and feature images). */
export const FM_EVAL_METHODS: readonly EvalMethod[] = Object.freeze(['fasr-shuffled', 'fasr']);

const embedderName = z.enum(EMBEDDER_NAMES);

const schema = z
  .object({
    /** Dataset: a folder of identity folders, a fasr-samples folder, or a labels.csv (`file,identity`). Required. */
    dataset: z.string().min(1),
    /** Methods (rows), in the order given; duplicates rejected. Default all of EVAL_METHODS. */
    methods: z.array(z.enum(EVAL_METHODS)).min(1).default([...EVAL_METHODS]),
    /** The embedder that conditions the SR model (F_M); its dim must equal the model's featDim. Default faceres. */
    embedder: embedderName.default('faceres'),
    /**
     * Recognition embedders (column groups), the first one the headline. Default: one that did not
     * condition the model first (dlib-resnet, or faceres when embedder is dlib-resnet), then `embedder`
     * (shown labelled as the conditioning one).
     */
    recognition: z.array(embedderName).min(1).optional(),
    /** SR model file (ours or the authors' .pth); default the bundled model. Needed by sr-nofeat and fasr only. */
    model: z.string().min(1).optional(),
    /** Config of a .pth checkpoint (paper | tiny | a JSON file). */
    modelConfig: z.string().min(1).optional(),
    /** SR inference engine: 'tfjs' (the active backend) or 'onnx' (onnxruntime-node). Default: the fastest installed (defaultSrEngine: onnx). Results agree within float tolerance, not bit for bit; results.json records the one that ran. */
    engine: z.enum(SR_ENGINE_NAMES).default(() => defaultSrEngine().engine),
    /** Sampler name (src/sr registry); default the library's (DEFAULT_SR_SAMPLER). */
    sampler: z.string().min(1).optional(),
    /** Sampler steps; default the sampler's (steps without a sampler: pc). */
    steps: z.number().int().min(1).max(100000).optional(),
    /** Base noise seed; probe i uses seed + i for both SR methods. Default 0. */
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    /** Faces per SR network call, 1–64. Default 4 (results do not depend on it). */
    batchSize: z.number().int().min(1).max(64).default(4),
    /** Most feature images per identity for F_M (the first ones with a face). Default all. */
    maxFeatures: z.number().int().min(1).optional(),
    /** Evaluate the first N identities only. Default all. */
    limit: z.number().int().min(1).optional(),
    /** `detect` (the project's detector + canonical alignment), `none` (images are face crops), `auto` (none for the fasr-samples layout, detect otherwise). Default auto. */
    align: z.enum([...EVAL_ALIGN_MODES, 'auto']).default('auto'),
    /** Grey border around each image for detection, as a fraction of its longer side, [0, 2]. Default 0.25 (finds tightly cropped faces). */
    detectPadFraction: z.number().min(0).max(2).default(0.25),
    /** FFHQ quad scale of the alignment, [0.25, 4]. Default 1 (the pipeline's and training's framing). */
    quadScale: z.number().min(0.25).max(4).default(1),
    /** Down-scaling factor of the authors' degradation, integer dividing the face size. Default 8 (the paper). */
    lrScale: z.number().int().min(1).max(64).default(8),
    /** Face size in px when no SR method runs (with a model it is the model's image size). Default 128. */
    sizePx: z.number().int().min(16).max(1024).default(128),
    /** Identities shown in the sample grid. Default 8. */
    gridIdentities: z.number().int().min(1).max(64).default(8),
    /** FAR targets reported as TAR@FAR, each in (0, 1]. Default 0.001, 0.01, 0.1. */
    farTargets: z.array(z.number().gt(0).max(1)).min(1).default([0.001, 0.01, 0.1]),
    /** Paired bootstrap resamples (identities drawn with replacement) for the 95 % intervals of the AUC and Rank-1 differences, 100–100000. Default 2000. */
    bootstrapResamples: z.number().int().min(100).max(100000).default(2000),
  })
  .strict();

/** `fasr eval` settings; see the schema's field comments for units, ranges and defaults. */
export type EvalConfig = Readonly<Omit<z.infer<typeof schema>, 'recognition'> & { recognition: readonly (typeof EMBEDDER_NAMES)[number][] }>;

/**
 * Validates eval settings and fills in the defaults (recognition: the conditioning embedder and a
 * different one).
 * @throws ConfigError naming the first bad field (unknown keys, unknown method listing the valid ones, …).
 */
export function parseEvalConfig(input: unknown): EvalConfig {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? 'eval' : `eval.${issue.path.join('.')}`;
    let msg = issue?.message ?? 'invalid';
    if (issue?.code === 'invalid_enum_value') msg = `expected one of ${issue.options.join(', ')}, received ${JSON.stringify(issue.received)}`;
    if (issue?.code === 'unrecognized_keys') msg = `unknown option(s) ${issue.keys.join(', ')}`;
    throw new ConfigError(`${where}: ${msg}`, { option: issue?.path.join('.') ?? '' });
  }
  const c = r.data;
  if (new Set(c.methods).size !== c.methods.length) throw new ConfigError(`eval.methods: duplicate method in ${c.methods.join(',')}`, { option: 'methods' });
  if (c.methods.includes('esrgan') && c.lrScale !== 8) {
    throw new ConfigError(`eval.lrScale: method esrgan is ESRGAN-thick's x8 model, so it needs lrScale 8, received ${c.lrScale}; leave esrgan out of methods for another scale`, { option: 'lrScale' });
  }
  const recognition = c.recognition ?? [c.embedder === 'dlib-resnet' ? 'faceres' : 'dlib-resnet', c.embedder];
  if (new Set(recognition).size !== recognition.length) throw new ConfigError(`eval.recognition: duplicate embedder in ${recognition.join(',')}`, { option: 'recognition' });
  return Object.freeze({ ...c, recognition: Object.freeze([...recognition]), methods: [...c.methods], farTargets: [...c.farTargets] });
}
