import * as path from 'node:path';
import { registerSource, type ProcessConfig, type ProcessSummary, type RegisteredSource, type SourceOutcome } from '..';
import { InputError } from '../../src/contracts';
import type { FfmpegBinaries } from '../../src/ingest';
import type { JsonValue, Store } from '../../src/store';
import type { QueuedSrSpec } from './enhance-track-via-queue';
import { finishSourceViaQueue, type QueuedSourceContext, type TimedReceipt } from './finish-source-via-queue';
import type { JobReceipt, QueueClient } from './queue-client';
import { failedSourcesProblem, failedTracksProblem, sumOutcomes, withRun } from '../with-run';

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
  readonly onSr?: (trackId: number, how: 'enhanced' | 'kept-native' | 'reused' | 'failed', detail: JobReceipt | string | null) => void;
}

/** What a queued run did: {@link ProcessSummary} plus the SR and job figures. */
export interface ProcessViaQueueSummary extends ProcessSummary {
  readonly srEnhanced: number;
  /** Tracks whose native crop was stored as their output (keep-native rule), no job sent. */
  readonly srKeptNative: number;
  readonly srReused: number;
  readonly srFailed: readonly { readonly trackId: number; readonly reason: string }[];
  /** Sources whose result was still out when the run was stopped (left 'running'). */
  readonly pending: number;
  readonly stopped: boolean;
  /** Every job this run waited for (ingest and SR), in completion order. */
  readonly receipts: readonly (TimedReceipt & { readonly kind: 'ingest' | 'sr' })[];
}

const OPTION_KEYS = ['command', 'versions', 'sr', 'signal', 'onSource', 'onSr'];

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
  const start = { command: opts.command ?? 'process --queue', config: configJson, versions: { ...(opts.versions ?? {}), executor: 'bullmq' } };
  return withRun(store, start, async (runId) => {
    const outcomes: (SourceOutcome | null)[] = paths.map(() => null);
    const receipts: (TimedReceipt & { kind: 'ingest' | 'sr' })[] = [];
    const srFailed: { trackId: number; reason: string }[] = [];
    let srEnhanced = 0;
    let srKeptNative = 0;
    let srReused = 0;
    let stopped = false;

    const ctx: QueuedSourceContext = {
      store,
      client,
      config,
      configJson,
      runId,
      sr: opts.sr ?? null,
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      onSr: (trackId, how, detail) => {
        if (how === 'enhanced') srEnhanced += 1;
        else if (how === 'kept-native') srKeptNative += 1;
        else if (how === 'reused') srReused += 1;
        else srFailed.push({ trackId, reason: typeof detail === 'string' ? detail : 'unknown reason' });
        if (typeof detail === 'object' && detail !== null) receipts.push({ ...detail, kind: 'sr' });
        opts.onSr?.(trackId, how, detail);
      },
    };
    const processOne = async (index: number, p: string, reg: RegisteredSource): Promise<void> => {
      const r = await finishSourceViaQueue(ctx, p, reg);
      if (r === null) {
        stopped = true; // the source stays 'running'; a re-run finds its job by id
        return;
      }
      if (r.receipt !== null) receipts.push({ ...r.receipt, kind: 'ingest' });
      outcomes[index] = r.outcome;
      opts.onSource?.(index, r.outcome, r.receipt);
      if (r.srStopped) stopped = true;
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
      throw err;
    }
    const finished = outcomes.filter((o): o is SourceOutcome => o !== null);
    const failed = finished.filter((o) => o.status === 'failed');
    const pending = paths.length - finished.length;
    const problems = [
      ...failedSourcesProblem(failed.map((o) => o.path), paths.length),
      ...failedTracksProblem(srFailed),
      ...(stopped ? [`stopped with ${pending} sources still out (their jobs stay in Redis)`] : []),
    ];
    const result = Object.freeze({
      runId,
      outcomes: finished,
      ok: finished.length - failed.length,
      failed: failed.length,
      ...sumOutcomes(finished),
      elapsedMs: Date.now() - t0,
      srEnhanced,
      srKeptNative,
      srReused,
      srFailed: Object.freeze(srFailed),
      pending,
      stopped,
      receipts: Object.freeze(receipts),
    });
    return { result, problems };
  });
}
