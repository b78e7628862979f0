import type { SrOutputInput } from '../src/store';
import { encodeSrPng, enhanceFaces, type EnhanceProgress, type EnhancedFace, type SrModel, type SrSamplingConfig } from '../src/sr';
import { srProvenanceText, type TrackSrRequest } from './track-sr-request';

/** An SR output as computed, before it is stored: everything of the row but the track and run it is stored under. */
export type SrOutputFields = Omit<SrOutputInput, 'trackId' | 'runId'>;

/** One enhanced request: the face src/sr computed and the output to store. */
export interface EnhancedSrRequest {
  readonly face: EnhancedFace;
  readonly output: SrOutputFields;
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
 * worker: {@link enhanceFaces} on the requests (several per network call as `sampling.batchSize`
 * allows), then each face as a PNG labelled synthesized with its provenance in text chunks, and
 * the output fields (model id and sha256, sampler, steps, NFE, seed, conditioning, engine, backend,
 * timings). Knows nothing of the store it goes to.
 * @returns one result per request, in order.
 * @throws as enhanceFaces (InputError for a request that does not fit the model).
 */
export async function enhanceSrRequests(requests: readonly TrackSrRequest[], opts: EnhanceSrRequestsOptions): Promise<EnhancedSrRequest[]> {
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
