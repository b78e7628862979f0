import { z } from 'zod';
import { FasrError, InputError } from '../../src/contracts';
import { SR_CONDITIONINGS, SR_ENGINE_NAMES, parseSrSamplingConfig, type SrConditioning, type SrEngineName, type SrModel } from '../../src/sr';
import { enhanceSrRequests, type SrOutputFields } from '../enhance-sr-requests';
import type { TrackSrRequest } from '../track-sr-request';
import { decodeJobData } from './job-codec';
import { decodeWire, encodeWire, type WireValue } from './wire-codec';

/** Which model an SR worker loads (`loadSrModel` options; the path must be visible on the worker). */
export interface SrModelSpec {
  /** Model file or directory; null: the bundled model. */
  readonly model: string | null;
  /** Config of a .pth checkpoint (preset or file); null: the loader's default. */
  readonly config: string | null;
  readonly engine: SrEngineName;
}

/** The sampling choice that travels with an SR job, with the request's seed and conditioning (what the coordinator's reuse lookup keys on). */
export interface SrJobOptions {
  readonly sampler?: string;
  readonly steps?: number;
  readonly snr?: number;
  readonly samplerOptions?: Readonly<Record<string, string | number | boolean>>;
  /** The request's seed. */
  readonly seed: number;
  /** 'zero' exactly when the request has no featureVector. */
  readonly conditioning: SrConditioning;
}

/**
 * What an SR job carries: the model, the sampling options, and the SR stage's own request (src/sr's
 * SrRequest: LR_0 at the model size, F_M, seed) with the provenance its PNG records, built by the
 * coordinator from its store (trackSrRequest). The worker knows nothing of store rows.
 */
export interface SrJobData extends TrackSrRequest {
  /** 2: the job carries an SrRequest (1 carried the track's store rows). */
  readonly v: 2;
  readonly model: SrModelSpec;
  /** sha256 the worker's model must have (the coordinator's): another file fails the job, never a silent mix. */
  readonly modelSha256: string;
  readonly options: SrJobOptions;
}

/** What an SR worker returns: the sr_outputs row to write, without the coordinator's track and run ids. */
export type SrJobOutput = SrOutputFields;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const f32 = z.instanceof(Float32Array, { message: 'expected float32 data' });
const dataSchema: z.ZodType<SrJobData, z.ZodTypeDef, unknown> = z
  .object({
    v: z.literal(2),
    model: z.object({ model: z.string().min(1).nullable(), config: z.string().min(1).nullable(), engine: z.enum(SR_ENGINE_NAMES) }).strict(),
    modelSha256: z.string().regex(/^[0-9a-f]{64}$/),
    options: z
      .object({
        sampler: z.string().optional(),
        steps: z.number().int().min(1).optional(),
        snr: z.number().positive().optional(),
        samplerOptions: z.record(scalar).optional(),
        seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
        conditioning: z.enum(SR_CONDITIONINGS),
      })
      .strict(),
    // src/sr's SrRequest; its size and lengths are checked against the model by enhanceFaces
    request: z
      .object({
        lrImageHWC: f32,
        size: z.number().int().min(1),
        featureVector: f32.nullable(),
        seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      })
      .strict(),
    provenance: z
      .object({
        trackId: z.number().int().min(1),
        sourcePath: z.string().min(1),
        lr0CropKind: z.string().min(1),
        lr0Input: z.string().min(1),
        embedderId: z.string().min(1).nullable(),
      })
      .strict(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.request.seed !== d.options.seed) ctx.addIssue({ code: 'custom', path: ['request', 'seed'], message: `expected the options' seed ${d.options.seed}, received ${d.request.seed}` });
    if ((d.request.featureVector === null) !== (d.options.conditioning === 'zero')) {
      ctx.addIssue({ code: 'custom', path: ['request', 'featureVector'], message: `conditioning '${d.options.conditioning}' ${d.options.conditioning === 'zero' ? 'takes no' : 'needs an'} F_M` });
    }
  });

/**
 * An SR job's data as it comes out of Redis (wire form, or already decoded), checked.
 * @throws InputError naming what is wrong with it.
 */
export function parseSrJobData(data: unknown): SrJobData {
  return decodeJobData('sr', dataSchema, data);
}

/**
 * The worker's half of an SR job: src/sr on the job's request (enhanceSrRequests, the code an
 * in-process run uses: sampler, seeded noise, PNG with provenance); returns the SR output row for
 * the coordinator to store.
 * @throws FasrError E_QUEUE_MODEL_MISMATCH (not retried by the worker) when this worker's model file has another sha256.
 */
export async function runSrJob(data: SrJobData, model: SrModel): Promise<WireValue> {
  if (model.sha256 !== data.modelSha256) {
    throw new FasrError(
      'E_QUEUE_MODEL_MISMATCH',
      `sr worker: model ${data.model.model ?? '(bundled)'} has sha256 ${model.sha256} here but ${data.modelSha256} on the coordinator; give every SR worker the same model file`,
      { expected: data.modelSha256, actual: model.sha256 },
    );
  }
  const o = data.options;
  // The job decoder's edge: the job's sampling, parsed once (messages as enhanceTracks words them).
  const sampling = parseSrSamplingConfig(
    {
      ...(o.sampler === undefined ? {} : { sampler: o.sampler }),
      ...(o.steps === undefined ? {} : { steps: o.steps }),
      ...(o.snr === undefined ? {} : { snr: o.snr }),
      ...(o.samplerOptions === undefined ? {} : { samplerOptions: o.samplerOptions }),
    },
    'enhanceTracks',
    model.formulation,
  );
  const [done] = await enhanceSrRequests([{ request: data.request, provenance: data.provenance }], { model, sampling });
  if (done === undefined) throw new FasrError('E_QUEUE', `sr worker: no SR output for track ${data.provenance.trackId}`);
  return encodeWire(done.output, 'srOutput');
}

/**
 * The coordinator's view of an SR worker's result.
 * @throws InputError for a result without the fields of an SR output (values are checked by insertSrOutput).
 */
export function srJobOutputFromWire(value: unknown): SrJobOutput {
  const o = decodeWire(value, 'srOutput') as Record<string, unknown> | null;
  if (o === null || typeof o !== 'object' || !(o.png instanceof Uint8Array) || typeof o.modelSha256 !== 'string' || typeof o.sampler !== 'string' || typeof o.seed !== 'number') {
    throw new InputError('sr job result: expected an SR output (png, modelSha256, sampler, seed, ...)', { option: 'result' });
  }
  return o as unknown as SrJobOutput;
}
