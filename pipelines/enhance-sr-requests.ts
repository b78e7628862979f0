import { encodePng } from '../src/image';
import type { SrOutputInput } from '../src/store';
import { encodeSrPng, enhanceFaces, type EnhanceProgress, type EnhancedFace, type SrModel, type SrSamplingConfig } from '../src/sr';
import { isKeptNative, srProvenanceText, type KeptNativeRequest, type TrackSrRequest, type TrackSrWork } from './track-sr-request';

/** An SR output as computed, before it is stored: everything of the row but the track and run it is stored under. */
export type SrOutputFields = Omit<SrOutputInput, 'trackId' | 'runId'>;

/** One enhanced request: the face src/sr computed (null for a track kept native) and the output to store. */
export interface EnhancedSrRequest {
  readonly face: EnhancedFace | null;
  readonly output: SrOutputFields;
}

/** The request a kept-native output answers: recorded with it (and matched by findStoredSrOutput) although nothing of it ran. */
export interface KeptNativeAnswer {
  readonly modelId: string;
  readonly modelSha256: string;
  /** The sampler's canonical label (SrSamplingConfig.label). */
  readonly samplerLabel: string;
  readonly seed: number;
  readonly conditioning: string;
  readonly engine: string;
}

/** The backend a kept-native output records: no network ran on any. */
export const KEPT_NATIVE_BACKEND = 'none';

/** The PNG Description of a kept-native output (the counterpart of src/sr's SYNTHESIZED_LABEL). */
export const KEPT_NATIVE_LABEL = 'fasr: the face as cut from the footage (native crop), NOT synthesized';

/**
 * The SR output of a track the keep-native rule answers: its native crop as a PNG, at the crop's
 * own size (not resized: it is at least the threshold, and the output keeps its real pixels),
 * labelled not synthesized, with the reason, the native side and the provenance in its text
 * chunks; steps and NFE 0 (no sampler, no network), backend {@link KEPT_NATIVE_BACKEND}.
 */
export async function keptNativeOutput(r: KeptNativeRequest, answer: KeptNativeAnswer): Promise<SrOutputFields> {
  const t0 = performance.now();
  const k = r.keptNative;
  const png = await encodePng(k.crop, {
    text: {
      Description: `${KEPT_NATIVE_LABEL} (${k.reason}: ${k.nativeSidePx} px native)`,
      Software: 'fasr',
      'fasr:synthesized': 'false',
      'fasr:method': 'kept-native',
      'fasr:kept-native-reason': k.reason,
      'fasr:native-side-px': String(k.nativeSidePx),
      ...srProvenanceText(r.provenance),
    },
  });
  return {
    method: 'kept-native',
    keptNative: { reason: k.reason, nativeSidePx: k.nativeSidePx },
    modelId: answer.modelId,
    modelSha256: answer.modelSha256,
    sampler: answer.samplerLabel,
    steps: 0,
    networkEvaluations: 0,
    seed: answer.seed,
    conditioning: answer.conditioning,
    engine: answer.engine,
    backend: KEPT_NATIVE_BACKEND,
    png,
    widthPx: k.crop.width,
    heightPx: k.crop.height,
    timingsMs: { encodeMs: performance.now() - t0 },
  };
}

/** Options of {@link enhanceSrRequests}; checked by the caller's edge. */
export interface EnhanceSrRequestsOptions {
  readonly model: SrModel;
  /** Sampling settings parsed at the edge. */
  readonly sampling: Readonly<SrSamplingConfig>;
  /** Time spent building each request, ms, recorded as timingsMs.prepareMs. Default: not recorded. */
  readonly prepareMsPerFace?: number;
  readonly onProgress?: (progress: EnhanceProgress) => void;
  readonly signal?: AbortSignal;
}

/**
 * The compute half of the store-facing SR step, shared by an in-process run and the queue's SR
 * worker: a track the keep-native rule answered ({@link KeptNativeRequest}) gets its native crop
 * ({@link keptNativeOutput}, nothing computed); {@link enhanceFaces} on the other requests (several per network call as `sampling.batchSize`
 * allows), then each face as a PNG labelled synthesized with its provenance in text chunks, and
 * the output fields (model id and sha256, sampler, steps, NFE, seed, conditioning, engine, backend,
 * timings). Knows nothing of the store it goes to.
 * @returns one result per request, in order.
 * @throws as enhanceFaces (InputError for a request that does not fit the model).
 */
export async function enhanceSrRequests(work: readonly TrackSrWork[], opts: EnhanceSrRequestsOptions): Promise<EnhancedSrRequest[]> {
  const requests: TrackSrRequest[] = [];
  const out: (EnhancedSrRequest | null)[] = [];
  for (const w of work) {
    if (!isKeptNative(w)) {
      requests.push(w);
      out.push(null);
      continue;
    }
    const answer = { modelId: opts.model.id, modelSha256: opts.model.sha256, samplerLabel: opts.sampling.label, seed: w.seed, conditioning: w.conditioning, engine: opts.model.engine };
    out.push({ face: null, output: await keptNativeOutput(w, answer) });
  }
  const synthesized = requests.length === 0 ? [] : await synthesize(requests, opts);
  let next = 0;
  return out.map((o) => {
    if (o !== null) return o;
    const s = synthesized[next++];
    if (s === undefined) throw new Error(`enhanceSrRequests: internal error: ${synthesized.length} synthesized results for ${requests.length} requests`);
    return s;
  });
}

async function synthesize(requests: readonly TrackSrRequest[], opts: EnhanceSrRequestsOptions): Promise<EnhancedSrRequest[]> {
  const faces = await enhanceFaces(
    requests.map((r) => r.request),
    {
      model: opts.model,
      sampling: opts.sampling,
      ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    },
  );
  const out: EnhancedSrRequest[] = [];
  for (const [i, r] of requests.entries()) {
    const face = faces[i];
    if (face === undefined) throw new Error(`enhanceSrRequests: internal error: enhanceFaces returned ${faces.length} faces for ${requests.length} requests`);
    const encodeStart = performance.now();
    const png = await encodeSrPng(face, srProvenanceText(r.provenance));
    const timingsMs = { ...face.timingsMs, ...(opts.prepareMsPerFace === undefined ? {} : { prepareMs: opts.prepareMsPerFace }), encodeMs: performance.now() - encodeStart };
    out.push({
      face,
      output: {
        modelId: face.modelId,
        modelSha256: face.modelSha256,
        sampler: face.sampler,
        steps: face.steps,
        networkEvaluations: face.networkEvaluations,
        seed: face.seed,
        conditioning: face.conditioning,
        engine: face.engine,
        backend: face.backend,
        png,
        widthPx: face.size,
        heightPx: face.size,
        timingsMs,
      },
    });
  }
  return out;
}
