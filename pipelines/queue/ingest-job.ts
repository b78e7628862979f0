import { promises as fs } from 'node:fs';
import { z } from 'zod';
import { computeSourceResults, parseProcessConfig, type ProcessConfig, type ProcessDeps, type SourceComputation } from '..';
import { InputError } from '../../src/contracts';
import type { JsonValue, TrackResultInput } from '../../src/store';
import type { PathMap } from './path-map';
import { mapPath } from './path-map';
import { decodeJobData } from './job-codec';
import { decodeWire, encodeWire, type WireValue } from './wire-codec';

/** What an ingest job carries: which file, its size (checked by the worker) and the process config. */
export interface IngestJobData {
  readonly v: 1;
  /** The file as the coordinator sees it (absolute); workers map it with their --path-map. */
  readonly path: string;
  /** Its size in bytes when the coordinator hashed it: a worker seeing another size has another file. */
  readonly sizeBytes: number;
  /** The coordinator's source id (frames carry it; not part of the results). */
  readonly sourceId: number;
  /** The parsed ProcessConfig, as JSON. */
  readonly config: JsonValue;
}

const dataSchema = z
  .object({
    v: z.literal(1),
    path: z.string().min(1),
    sizeBytes: z.number().int().min(1),
    sourceId: z.number().int().min(1),
    config: z.record(z.unknown()),
  })
  .strict();

/**
 * Checks an ingest job's data as it comes out of Redis.
 * @throws InputError naming what is wrong.
 */
export function parseIngestJobData(data: unknown): IngestJobData {
  return decodeJobData('ingest', dataSchema, data) as IngestJobData;
}

/** Gives the detector and embedder for a config (created once per distinct config by the worker). */
export type ProcessDepsProvider = (config: Readonly<ProcessConfig>) => Promise<ProcessDeps>;

/**
 * The worker's half of an ingest job: the same `computeSourceResults` an in-process run uses,
 * on the worker's copy of the file, returned as wire data for the coordinator to write.
 * @throws InputError when the file is missing or has another size on this worker (a path-mapping
 *   problem: retried, then recorded as the source's failure reason by the coordinator).
 */
export async function runIngestJob(data: IngestJobData, getDeps: ProcessDepsProvider, pathMap: PathMap = []): Promise<WireValue> {
  const config = parseProcessConfig(data.config);
  const local = mapPath(data.path, pathMap);
  let size: number;
  try {
    size = (await fs.stat(local)).size;
  } catch (err) {
    throw new InputError(`ingest worker: cannot see ${local}${local === data.path ? '' : ` (mapped from ${data.path})`}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; is the footage mounted and --path-map right?`, { path: local, reason: 'missing' });
  }
  if (size !== data.sizeBytes) {
    throw new InputError(`ingest worker: ${local} has ${size} bytes here but ${data.sizeBytes} on the coordinator (another file, or still being written)`, { path: local, reason: 'size mismatch' });
  }
  const deps = await getDeps(config);
  const computed = await computeSourceResults(local, data.sourceId, config, deps);
  return encodeWire(computed, 'computation');
}

const num = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown): boolean => v === null || num(v);

/**
 * The coordinator's view of a worker's result: wire data back to a {@link SourceComputation}.
 * Checks the envelope here; the track contents are checked by `replaceSourceResults` on write.
 * @throws InputError for a result that is not a source computation.
 */
export function sourceComputationFromWire(value: unknown): SourceComputation {
  const c = decodeWire(value, 'computation') as Record<string, unknown> | null;
  const bad = (what: string): never => {
    throw new InputError(`ingest job result: ${what}`, { option: 'result' });
  };
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return bad('expected an object');
  for (const k of ['frames', 'faces', 'confirmedTracks', 'droppedNoPose', 'droppedDegenerate']) if (!num(c[k])) bad(`${k} must be a number`);
  for (const k of ['firstPtsMs', 'lastPtsMs']) if (!numOrNull(c[k])) bad(`${k} must be a number or null`);
  if (!Array.isArray(c.tracks)) bad('tracks must be an array');
  if (c.analysisError !== null && typeof c.analysisError !== 'string') bad('analysisError must be a string or null');
  const de = c.decodeError as Record<string, unknown> | null;
  if (de !== null && (typeof de !== 'object' || typeof de.message !== 'string' || typeof de.damaged !== 'boolean')) bad('decodeError must be null or { message, damaged }');
  return {
    frames: c.frames as number,
    faces: c.faces as number,
    confirmedTracks: c.confirmedTracks as number,
    droppedNoPose: c.droppedNoPose as number,
    droppedDegenerate: c.droppedDegenerate as number,
    firstPtsMs: c.firstPtsMs as number | null,
    lastPtsMs: c.lastPtsMs as number | null,
    tracks: c.tracks as TrackResultInput[],
    decodeError: de === null ? null : { message: de.message as string, damaged: de.damaged as boolean },
    analysisError: c.analysisError as string | null,
  };
}
