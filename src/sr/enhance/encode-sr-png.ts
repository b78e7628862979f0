import { encodePng, floatToUint8 } from '../../image';
import type { EnhancedFace } from './enhance-faces';

/** The label every enhanced face carries in its PNG text (`Description`). */
export const SYNTHESIZED_LABEL =
  'SYNTHESIZED by fasr (FASR score-based face super-resolution): a generated estimate, not a photograph of the person';

/**
 * The enhanced face as an 8-bit PNG (quantised once, as floatToUint8) with its provenance in iTXt
 * chunks: `Description` = {@link SYNTHESIZED_LABEL}, `fasr:synthesized` = 'true', model id and
 * sha256, sampler, steps, NFE, seed, conditioning, engine, backend, plus `extra` (e.g. the track).
 */
export async function encodeSrPng(face: EnhancedFace, extra: Readonly<Record<string, string>> = {}): Promise<Buffer> {
  const text: Record<string, string> = {
    Description: SYNTHESIZED_LABEL,
    Software: 'fasr',
    'fasr:synthesized': 'true',
    'fasr:model': face.modelId,
    'fasr:modelSha256': face.modelSha256,
    'fasr:sampler': face.sampler,
    'fasr:steps': String(face.steps),
    'fasr:nfe': String(face.networkEvaluations),
    'fasr:seed': String(face.seed),
    'fasr:conditioning': face.conditioning,
    'fasr:engine': face.engine,
    'fasr:backend': face.backend,
    ...extra,
  };
  return encodePng({ width: face.size, height: face.size, rgb: floatToUint8(face.imageHWC) }, { text });
}
