import { z } from 'zod';
import { FasrError, InputError, StoreError } from '../../src/contracts';
import { SR_CONDITIONINGS, SR_ENGINE_NAMES, parseSrSamplingConfig, type SrConditioning, type SrEngineName, type SrModel } from '../../src/sr';
import type { CropRow, FusedIdentityRow, InsertSrOutputResult, SrOutputInput, SrOutputRow, TrackDetail, TrackListItem } from '../../src/store';
import { decodeWire, encodeWire, type WireValue } from './wire-codec';
import { enhanceTrack, type SrTrackStore } from '../enhance-track';

/** Which model an SR worker loads (`loadSrModel` options; the path must be visible on the worker). */
export interface SrModelSpec {
  /** Model file or directory; null: the bundled model. */
  readonly model: string | null;
  /** Config of a .pth checkpoint (preset or file); null: the loader's default. */
  readonly config: string | null;
  readonly engine: SrEngineName;
}

/** enhanceTrack's options that travel with an SR job (everything that changes the image). */
export interface SrJobOptions {
  readonly sampler?: string;
  readonly steps?: number;
  readonly snr?: number;
  readonly samplerOptions?: Readonly<Record<string, string | number | boolean>>;
  readonly seed: number;
  readonly conditioning: SrConditioning;
  readonly lrScale?: number;
  readonly embedderId?: string;
}

/** What an SR job carries: the model, the options, and the track's LR_0 crops and F_M rows from the coordinator's store. */
export interface SrJobData {
  readonly v: 1;
  readonly model: SrModelSpec;
  /** sha256 the worker's model must have (the coordinator's): another file fails the job, never a silent mix. */
  readonly modelSha256: string;
  readonly options: SrJobOptions;
  /** Wire form of {@link SrTrackInput}. */
  readonly track: WireValue;
}

/** The part of a stored track enhanceTrack reads: the track, its LR_0 detection's crops, its F_M rows. */
export interface SrTrackInput {
  readonly track: TrackListItem;
  readonly crops: readonly CropRow[];
  readonly fused: readonly FusedIdentityRow[];
}

/** What an SR worker returns: the sr_outputs row to write, without the coordinator's track and run ids. */
export type SrJobOutput = Omit<SrOutputInput, 'trackId' | 'runId'>;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const dataSchema = z
  .object({
    v: z.literal(1),
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
        lrScale: z.number().int().min(1).optional(),
        embedderId: z.string().min(1).optional(),
      })
      .strict(),
    track: z.record(z.unknown()),
  })
  .strict();

/** @throws InputError naming what is wrong with an SR job's data. */
export function parseSrJobData(data: unknown): SrJobData {
  const r = dataSchema.safeParse(data);
  if (!r.success) throw new InputError(`sr job: invalid data: ${r.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ')}`, { option: 'data' });
  return r.data as SrJobData;
}

/** The coordinator's half: what of a stored track an SR job needs (LR_0 detection's crops and the F_M rows only). */
export function srTrackInput(detail: TrackDetail): SrTrackInput {
  return { track: detail.track, crops: detail.crops.filter((c) => c.detectionId === detail.track.lr0DetectionId), fused: detail.fused };
}

/**
 * A store that holds one track and records the one SR output written to it: the worker runs the
 * very `enhanceTrack` an in-process run uses against it, and returns what was recorded.
 */
function captureStore(input: SrTrackInput): { store: SrTrackStore; written: () => SrOutputInput | null } {
  let written: SrOutputInput | null = null;
  const detail: TrackDetail = { track: input.track, detections: [], crops: input.crops, embeddings: [], fused: input.fused, srOutputs: [] };
  const store: SrTrackStore = {
    getTrack: (trackId: number): TrackDetail => {
      if (trackId !== input.track.id) throw new StoreError(`sr worker: track ${trackId} was not sent with the job (it holds track ${input.track.id})`);
      return detail;
    },
    insertSrOutput: (out: SrOutputInput): InsertSrOutputResult => {
      written = out;
      return { id: 1, inserted: true };
    },
    getSrOutput: (id: number): SrOutputRow => {
      const w = written;
      if (id !== 1 || w === null) throw new StoreError(`sr worker: no SR output ${id} recorded`);
      return { ...w, id: 1, runId: null, conditioning: w.conditioning ?? 'fm', createdAtMs: 0 };
    },
  };
  return { store, written: () => written };
}

/**
 * The worker's half of an SR job: `enhanceTrack` (the in-process code path: LR_0 from the track's
 * crops, F_M, sampler, seeded noise, PNG with provenance) on the track sent with the job; returns
 * the SR output row for the coordinator to store.
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
  const input = decodeWire(data.track, 'track') as SrTrackInput;
  if (typeof input?.track?.id !== 'number' || !Array.isArray(input.crops) || !Array.isArray(input.fused)) {
    throw new InputError('sr job: track must hold { track, crops, fused }', { option: 'track' });
  }
  const { store, written } = captureStore(input);
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
  await enhanceTrack(store, input.track.id, {
    model,
    seed: o.seed,
    conditioning: o.conditioning,
    sampling,
    ...(o.lrScale === undefined ? {} : { lrScale: o.lrScale }),
    ...(o.embedderId === undefined ? {} : { embedderId: o.embedderId }),
  });
  const out = written();
  if (out === null) throw new FasrError('E_QUEUE', `sr worker: enhanceTrack stored no output for track ${input.track.id}`);
  const { trackId: _t, runId: _r, ...rest } = out;
  return encodeWire(rest, 'srOutput');
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
