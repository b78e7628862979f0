import * as path from 'node:path';
import { registerSource, writeSourceResults, type ProcessConfig, type ProcessSummary, type SourceOutcome } from '../../pipelines';
import { InputError } from '../contracts';
import type { FfmpegBinaries } from '../ingest';
import type { JsonValue, Store } from '../store';
import { ingestJobId, srJobId } from './job-ids';
import { sourceComputationFromWire, type IngestJobData } from './ingest-job';
import { QueueJobError, type JobReceipt, type QueueClient } from './queue-client';
import { srJobOutputFromWire, srTrackInput, type SrJobOptions, type SrModelSpec } from './sr-job';
import { encodeWire } from './wire-codec';

/** The SR step of a queued run: which model (as workers load it) and how to sample. */
export interface QueuedSrSpec {
  readonly model: SrModelSpec;
  /** sha256 of the model's weights (the coordinator loaded it once); workers must have the same file. */
  readonly modelSha256: string;
  /** The sampler's canonical label (parseSrSamplingConfig(...).label), as sr_outputs stores it. */
  readonly samplerLabel: string;
  /** Steps fixed by the sampler config; null for adaptive samplers. */
  readonly fixedSteps: number | null;
  readonly options: SrJobOptions;
}

/** Options of {@link processSourcesViaQueue}. */
export interface ProcessViaQueueOptions {
  /** What the run row records as its command. Default 'process --queue'. */
  readonly command?: string;
  /** Component versions for the run row. */
  readonly versions?: Readonly<Record<string, string>>;
  /** Then enhance every 'ok' track of each stored source (one SR job per track). */
  readonly sr?: QueuedSrSpec | null;
  /** Stops waiting: results not yet back stay in Redis, their sources stay 'running'; a re-run picks them up. */
  readonly signal?: AbortSignal;
  /** After each source is written (or failed). Must not throw. */
  readonly onSource?: (index: number, outcome: SourceOutcome, receipt: JobReceipt | null) => void;
  /** After each SR output is stored (or reused, or failed). Must not throw. */
  readonly onSr?: (trackId: number, how: 'enhanced' | 'reused' | 'failed', detail: JobReceipt | string | null) => void;
}

/** What a queued run did: {@link ProcessSummary} plus the SR and job figures. */
export interface ProcessViaQueueSummary extends ProcessSummary {
  readonly srEnhanced: number;
  readonly srReused: number;
  readonly srFailed: readonly { readonly trackId: number; readonly reason: string }[];
  /** Sources whose result was still out when the run was stopped (left 'running'). */
  readonly pending: number;
  readonly stopped: boolean;
  /** Every job this run waited for (ingest and SR), in completion order. */
  readonly receipts: readonly (JobReceipt & { readonly kind: 'ingest' | 'sr'; readonly writeMs: number })[];
}

const OPTION_KEYS = ['command', 'versions', 'sr', 'signal', 'onSource', 'onSr'];

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * `processSources` with the work on queue workers: the coordinator (this process, the only one
 * that opens the store) registers each source (fingerprint, probe, running) in input order,
 * enqueues one ingest job per source under an idempotent id (content sha256 + config), and writes
 * each result as it comes back with the same `writeSourceResults` an in-process run uses (one
 * transaction per source). With `sr`, each stored source's 'ok' tracks then get one SR job each
 * (id: ingest job + track key + model sha256 + sampler + steps + seed + conditioning), whose
 * outputs are stored with `insertSrOutput` (idempotent); tracks already enhanced the same way are
 * not sent.
 *
 * A job that fails for good (after its retries) fails its source with the reason (sources.error)
 * or lands in `srFailed`; the run row is 'failed' with the failed paths and tracks.
 * @throws InputError for an empty path list or unknown options (before any side effect).
 */
export async function processSourcesViaQueue(
  store: Store,
  paths: readonly string[],
  config: Readonly<ProcessConfig>,
  client: QueueClient,
  binaries: FfmpegBinaries,
  opts: ProcessViaQueueOptions = {},
): Promise<ProcessViaQueueSummary> {
  if (!Array.isArray(paths) || paths.length === 0) throw new InputError('processSourcesViaQueue: give at least one video path', { option: 'paths' });
  for (const key of Object.keys(opts)) {
    if (!OPTION_KEYS.includes(key)) throw new InputError(`processSourcesViaQueue: unknown option "${key}"; valid options: ${OPTION_KEYS.join(', ')}`, { option: key });
  }
  const t0 = Date.now();
  const configJson = JSON.parse(JSON.stringify(config)) as JsonValue;
  const run = store.startRun({ command: opts.command ?? 'process --queue', config: configJson, versions: { ...(opts.versions ?? {}), executor: 'bullmq' } });
  const runId = run.id;
  const outcomes: (SourceOutcome | null)[] = paths.map(() => null);
  const receipts: (JobReceipt & { kind: 'ingest' | 'sr'; writeMs: number })[] = [];
  const srFailed: { trackId: number; reason: string }[] = [];
  let srEnhanced = 0;
  let srReused = 0;
  let stopped = false;
  const interval = 1000 / config.decode.fps;

  const enhance = async (trackId: number, jobOfSource: string, sr: QueuedSrSpec): Promise<void> => {
    try {
      const detail = store.getTrack(trackId);
      const o = sr.options;
      const existing = detail.srOutputs.find(
        (x) => x.modelSha256 === sr.modelSha256 && x.sampler === sr.samplerLabel && (sr.fixedSteps === null || x.steps === sr.fixedSteps) && x.seed === o.seed && x.conditioning === o.conditioning,
      );
      if (existing !== undefined) {
        srReused += 1;
        opts.onSr?.(trackId, 'reused', null);
        return;
      }
      const extra: Record<string, string | number> = {};
      if (o.lrScale !== undefined) extra.lrScale = o.lrScale;
      if (o.embedderId !== undefined) extra.embedderId = o.embedderId;
      if (o.snr !== undefined) extra.snr = o.snr;
      const jobId = srJobId({ ingestJobId: jobOfSource, trackKey: detail.track.trackKey, modelSha256: sr.modelSha256, sampler: sr.samplerLabel, steps: sr.fixedSteps, seed: o.seed, conditioning: o.conditioning, extra });
      // One encoding pass over the whole job: the track's crops and F_M become base64 inside it (SrJobData.track).
      const data = encodeWire({ v: 1, model: sr.model, modelSha256: sr.modelSha256, options: o, track: srTrackInput(detail) });
      const receipt = await client.run('sr', jobId, data, opts.signal);
      const w0 = Date.now();
      const out = srJobOutputFromWire(receipt.result);
      const res = store.insertSrOutput({ ...out, trackId, runId });
      receipts.push({ ...receipt, kind: 'sr', writeMs: Date.now() - w0 });
      if (res.inserted) srEnhanced += 1;
      else srReused += 1;
      opts.onSr?.(trackId, res.inserted ? 'enhanced' : 'reused', receipt);
    } catch (err) {
      if (err instanceof QueueJobError && err.code === 'E_QUEUE_STOPPED') {
        stopped = true;
        return;
      }
      srFailed.push({ trackId, reason: messageOf(err) });
      opts.onSr?.(trackId, 'failed', messageOf(err));
    }
  };

  const processOne = async (index: number, p: string, reg: Awaited<ReturnType<typeof registerSource>>): Promise<void> => {
    const s0 = Date.now();
    const sourceId = reg.source.id;
    const base = { path: p, sourceId, frames: 0, faces: 0, tracks: 0, droppedNoPose: 0, droppedDegenerate: 0, videoMs: 0 };
    const done = (o: SourceOutcome, receipt: JobReceipt | null): void => {
      outcomes[index] = o;
      opts.onSource?.(index, o, receipt);
    };
    if (reg.problem !== null || reg.source.sha256 === null) {
      const reason = reg.problem !== null ? messageOf(reg.problem) : `${p}: no content hash`;
      store.markSourceFailed(sourceId, reason);
      done({ ...base, status: 'failed', reason, resultsStored: false, elapsedMs: Date.now() - s0 }, null);
      return;
    }
    const jobId = ingestJobId(reg.source.sha256, configJson);
    const data: IngestJobData = { v: 1, path: reg.source.path, sizeBytes: reg.source.sizeBytes, sourceId, config: configJson };
    let receipt: JobReceipt;
    try {
      receipt = await client.run('ingest', jobId, encodeWire(data), opts.signal);
    } catch (err) {
      if (err instanceof QueueJobError && err.code === 'E_QUEUE_STOPPED') {
        stopped = true; // the source stays 'running'; a re-run finds the job by id
        return;
      }
      const reason = `queue: ${messageOf(err)}`;
      store.markSourceFailed(sourceId, reason);
      done({ ...base, status: 'failed', reason, resultsStored: false, elapsedMs: Date.now() - s0 }, null);
      return;
    }
    const w0 = Date.now();
    let c;
    try {
      c = sourceComputationFromWire(receipt.result);
    } catch (err) {
      const reason = `queue: ${messageOf(err)}`;
      store.markSourceFailed(sourceId, reason);
      done({ ...base, status: 'failed', reason, resultsStored: false, elapsedMs: Date.now() - s0 }, receipt);
      return;
    }
    const w = writeSourceResults(store, sourceId, c, runId);
    receipts.push({ ...receipt, kind: 'ingest', writeMs: Date.now() - w0 });
    const videoMs = c.firstPtsMs === null || c.lastPtsMs === null ? 0 : c.lastPtsMs - c.firstPtsMs + interval;
    done(
      { ...base, status: w.status, reason: w.reason, resultsStored: w.resultsStored, frames: c.frames, faces: c.faces, tracks: w.tracks, droppedNoPose: c.droppedNoPose, droppedDegenerate: c.droppedDegenerate, videoMs, elapsedMs: Date.now() - s0 },
      receipt,
    );
    const sr = opts.sr ?? null;
    if (sr !== null && w.resultsStored) {
      const ok = w.trackIds.filter((id) => store.getTrackItem(id).status === 'ok');
      await Promise.all(ok.map((id) => enhance(id, jobId, sr)));
    }
  };

  const tasks: Promise<void>[] = [];
  try {
    for (const [index, p] of paths.entries()) {
      if (opts.signal?.aborted === true) {
        stopped = true;
        break;
      }
      const reg = await registerSource(store, path.resolve(p), p, binaries, runId);
      tasks.push(processOne(index, p, reg));
    }
    await Promise.all(tasks);
  } catch (err) {
    await Promise.allSettled(tasks);
    store.finishRun(runId, { status: 'failed', error: messageOf(err) });
    throw err;
  }
  const finished = outcomes.filter((o): o is SourceOutcome => o !== null);
  const failed = finished.filter((o) => o.status === 'failed');
  const pending = paths.length - finished.length;
  const problems: string[] = [];
  if (failed.length > 0) problems.push(`${failed.length} of ${paths.length} sources failed: ${failed.map((o) => o.path).join(', ')}`);
  if (srFailed.length > 0) problems.push(`${srFailed.length} tracks could not be enhanced: ${srFailed.map((f) => f.trackId).join(', ')}`);
  if (stopped) problems.push(`stopped with ${pending} sources still out (their jobs stay in Redis)`);
  store.finishRun(runId, problems.length === 0 ? { status: 'done' } : { status: 'failed', error: problems.join('; ') });
  const sum = (f: (o: SourceOutcome) => number): number => finished.reduce((s, o) => s + f(o), 0);
  return Object.freeze({
    runId,
    outcomes: finished,
    ok: finished.length - failed.length,
    failed: failed.length,
    tracks: sum((o) => o.tracks),
    faces: sum((o) => o.faces),
    frames: sum((o) => o.frames),
    videoMs: sum((o) => o.videoMs),
    elapsedMs: Date.now() - t0,
    srEnhanced,
    srReused,
    srFailed: Object.freeze(srFailed),
    pending,
    stopped,
    receipts: Object.freeze(receipts),
  });
}
