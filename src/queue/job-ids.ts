import { createHash } from 'node:crypto';
import { InputError } from '../contracts';

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new InputError(`canonicalJson: non-finite number ${String(value)}`);
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v: unknown) => canonicalJson(v)).join(',')}]`;
  const rec = value as Record<string, unknown>;
  const keys = Object.keys(rec).filter((k) => rec[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(rec[k])}`).join(',')}}`;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Version of the job formats: part of every id, so a format change never reuses old results. */
export const JOB_FORMAT_VERSION = 1;

/**
 * The idempotent BullMQ job id of an ingest job: the same content (sha256) with the same process
 * config is the same work, whatever the path, so it is computed once (BullMQ keeps one job per id).
 * @throws InputError for a malformed sha256.
 */
export function ingestJobId(sha256: string, config: unknown): string {
  if (typeof sha256 !== 'string' || !SHA256.test(sha256)) throw new InputError(`ingestJobId: expected a lower-case hex sha256, received ${JSON.stringify(sha256)}`, { option: 'sha256' });
  return `ingest-${digest(canonicalJson({ v: JOB_FORMAT_VERSION, sha256, config }))}`;
}

/** What makes two SR jobs the same work. */
export interface SrJobKey {
  /** The ingest job whose results hold the track (content + config), so the id survives re-writes that renumber tracks. */
  readonly ingestJobId: string;
  readonly trackKey: number;
  /** sha256 of the model's weights file. */
  readonly modelSha256: string;
  /** The sampler's canonical label (parseSrSamplingConfig(...).label). */
  readonly sampler: string;
  /** Fixed steps, or null for adaptive samplers. */
  readonly steps: number | null;
  readonly seed: number;
  readonly conditioning: string;
  /** Other enhanceTrack options that change the image (lrScale, embedderId). */
  readonly extra: Readonly<Record<string, string | number>>;
}

/** The idempotent BullMQ job id of an SR job (the store's sr_outputs key plus the track's content identity). */
export function srJobId(key: SrJobKey): string {
  if (!SHA256.test(key.modelSha256)) throw new InputError(`srJobId: expected a lower-case hex model sha256, received ${JSON.stringify(key.modelSha256)}`, { option: 'modelSha256' });
  return `sr-${digest(canonicalJson({ v: JOB_FORMAT_VERSION, ...key }))}`;
}
