import { createHash } from 'node:crypto';
import { InputError } from '../../src/contracts';

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

/**
 * The idempotent BullMQ job id of an SR job: a hash of exactly what the worker receives (model
 * sha256, sampler options, seed, conditioning, the SrRequest's LR_0 and F_M, and the provenance
 * the PNG records: the track's id and source path, the LR_0 crop's kind). The same data gives the same image bit for
 * bit, so a finished job's result is reused; a track rewritten under a new id is new work.
 * @param data the SR job data as it goes on the wire (encodeWire).
 */
export function srJobId(data: unknown): string {
  return `sr-${digest(canonicalJson({ v: JOB_FORMAT_VERSION, data }))}`;
}
