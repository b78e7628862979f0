import { writeSourceResults, type ProcessConfig, type RegisteredSource, type SourceOutcome } from '..';
import type { JsonValue, Store } from '../../src/store';
import { sourceComputationFromWire, type IngestJobData } from './ingest-job';
import { enhanceTrackViaQueue, type QueuedSrSpec } from './enhance-track-via-queue';
import { ingestJobId } from './job-ids';
import { QueueJobError, type JobReceipt, type QueueClient } from './queue-client';
import { encodeWire } from './wire-codec';

/** A job receipt plus the coordinator's time to decode and write its result, ms. */
export interface TimedReceipt extends JobReceipt {
  readonly writeMs: number;
}

/** What a coordinator shares between its sources. */
export interface QueuedSourceContext {
  readonly store: Store;
  readonly client: QueueClient;
  readonly config: Readonly<ProcessConfig>;
  /** `config` as JSON (what the jobs carry and their ids hash). */
  readonly configJson: JsonValue;
  readonly runId: number;
  /** Enhance each stored 'ok' track; null: no SR. */
  readonly sr: QueuedSrSpec | null;
  readonly signal?: AbortSignal;
  /** After each track's SR: the receipt when computed or collected, the reason when failed, null when the store had it. */
  readonly onSr?: (trackId: number, how: 'enhanced' | 'kept-native' | 'reused' | 'failed', detail: TimedReceipt | string | null) => void;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isStop(err: unknown): boolean {
  return err instanceof QueueJobError && err.code === 'E_QUEUE_STOPPED';
}

/** One track through {@link enhanceTrackViaQueue}, reported through `onSr`; false when stopped. */
async function enhanceViaQueue(ctx: QueuedSourceContext, trackId: number, sr: QueuedSrSpec): Promise<boolean> {
  try {
    const r = await enhanceTrackViaQueue(ctx.store, ctx.client, trackId, sr, ctx.runId, ctx.signal);
    ctx.onSr?.(trackId, !r.inserted ? 'reused' : r.keptNative ? 'kept-native' : 'enhanced', r.receipt === null ? null : { ...r.receipt, writeMs: r.writeMs });
    return true;
  } catch (err) {
    if (isStop(err)) return false;
    ctx.onSr?.(trackId, 'failed', messageOf(err));
    return true;
  }
}

/**
 * The coordinator's part of one registered source (registerSource: fingerprint, probe, running):
 * enqueue its ingest job under the idempotent id (content sha256 + config), wait for the result,
 * write it with `writeSourceResults` (the in-process writer: one transaction), then, with SR, one
 * job per stored 'ok' track. A job that failed for good fails the source with the reason.
 * @returns null when stopped before the result came back (the source stays 'running' and its job
 *   in Redis); else the outcome, the ingest receipt (null when nothing was enqueued) and whether
 *   SR was stopped part-way.
 */
export async function finishSourceViaQueue(
  ctx: QueuedSourceContext,
  filePath: string,
  reg: RegisteredSource,
): Promise<{ outcome: SourceOutcome; receipt: TimedReceipt | null; srStopped: boolean } | null> {
  const s0 = Date.now();
  const { store } = ctx;
  const sourceId = reg.source.id;
  const base = { path: filePath, sourceId, frames: 0, faces: 0, tracks: 0, droppedNoPose: 0, droppedDegenerate: 0, videoMs: 0 };
  const failed = (reason: string, receipt: TimedReceipt | null): { outcome: SourceOutcome; receipt: TimedReceipt | null; srStopped: boolean } => {
    store.markSourceFailed(sourceId, reason);
    return { outcome: { ...base, status: 'failed', reason, resultsStored: false, elapsedMs: Date.now() - s0 }, receipt, srStopped: false };
  };
  if (reg.problem !== null) return failed(messageOf(reg.problem), null);
  if (reg.source.sha256 === null) return failed(`${filePath}: no content hash`, null);
  const jobId = ingestJobId(reg.source.sha256, ctx.configJson);
  const data: IngestJobData = { v: 1, path: reg.source.path, sizeBytes: reg.source.sizeBytes, sourceId, config: ctx.configJson };
  let receipt: JobReceipt;
  try {
    receipt = await ctx.client.run('ingest', jobId, encodeWire(data), ctx.signal);
  } catch (err) {
    if (isStop(err)) return null;
    return failed(`queue: ${messageOf(err)}`, null);
  }
  const w0 = Date.now();
  let c;
  try {
    c = sourceComputationFromWire(receipt.result);
  } catch (err) {
    return failed(`queue: ${messageOf(err)}`, { ...receipt, writeMs: Date.now() - w0 });
  }
  const w = writeSourceResults(store, sourceId, c, ctx.runId);
  const timed = { ...receipt, writeMs: Date.now() - w0 };
  const interval = 1000 / ctx.config.decode.fps;
  const videoMs = c.firstPtsMs === null || c.lastPtsMs === null ? 0 : c.lastPtsMs - c.firstPtsMs + interval;
  const outcome: SourceOutcome = {
    ...base,
    status: w.status,
    reason: w.reason,
    resultsStored: w.resultsStored,
    frames: c.frames,
    faces: c.faces,
    tracks: w.tracks,
    droppedNoPose: c.droppedNoPose,
    droppedDegenerate: c.droppedDegenerate,
    videoMs,
    elapsedMs: Date.now() - s0,
  };
  let srStopped = false;
  const sr = ctx.sr;
  if (sr !== null && w.resultsStored) {
    const ok = w.trackIds.filter((id) => store.getTrackItem(id).status === 'ok');
    const went = await Promise.all(ok.map((id) => enhanceViaQueue(ctx, id, sr)));
    srStopped = went.includes(false);
  }
  return { outcome, receipt: timed, srStopped };
}
