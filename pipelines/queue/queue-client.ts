import { Queue, QueueEvents } from 'bullmq';
import { FasrError } from '../../src/contracts';
import { QUEUE_NAMES, redactRedisUrl, type QueueSettings } from './queue-settings';
import type { WireValue } from './wire-codec';

/** How one job went, as the coordinator saw it. */
export interface JobReceipt {
  readonly jobId: string;
  /** The worker's result (wire data). */
  readonly result: unknown;
  /** True when Redis already held the finished job (same id): nothing was computed for this call. */
  readonly reused: boolean;
  /** Tries the job took. */
  readonly attempts: number;
  /** Worker compute time, ms (processedOn → finishedOn); null when unknown. */
  readonly computeMs: number | null;
  /** Enqueue (or lookup) → result here, ms. */
  readonly waitMs: number;
}

/** The queue failed a job for good (after its attempts) or the wait was stopped. */
export class QueueJobError extends FasrError {}

/**
 * The coordinator's connection to the two BullMQ queues: adds jobs under idempotent ids and waits
 * for their results. Jobs live in Redis, not here: a coordinator that stops leaves them queued or
 * running; one that starts again with the same work finds them (finished or not) by id.
 */
export class QueueClient {
  private constructor(
    readonly settings: Readonly<QueueSettings>,
    private readonly queues: Readonly<Record<'ingest' | 'sr', Queue>>,
    private readonly events: Readonly<Record<'ingest' | 'sr', QueueEvents>>,
  ) {}

  /**
   * Connects (and sets the global per-role concurrency limits of `settings`).
   * @throws FasrError E_QUEUE_CONNECT when Redis cannot be reached.
   */
  static async open(settings: Readonly<QueueSettings>): Promise<QueueClient> {
    const connection = { url: settings.redisUrl };
    const mk = (name: string): [Queue, QueueEvents] => [new Queue(name, { connection, prefix: settings.prefix }), new QueueEvents(name, { connection, prefix: settings.prefix })];
    const [iq, ie] = mk(QUEUE_NAMES.ingest);
    const [sq, se] = mk(QUEUE_NAMES.sr);
    // Many jobs may be awaited at once; each wait holds two listeners on its QueueEvents.
    ie.setMaxListeners(0);
    se.setMaxListeners(0);
    const all = [iq, ie, sq, se];
    try {
      await Promise.all(all.map((x) => x.waitUntilReady()));
      if (settings.ingestSlots !== null) await iq.setGlobalConcurrency(settings.ingestSlots);
      if (settings.srSlots !== null) await sq.setGlobalConcurrency(settings.srSlots);
    } catch (err) {
      await Promise.allSettled(all.map((x) => x.close()));
      throw new FasrError('E_QUEUE_CONNECT', `cannot reach Redis at ${redactRedisUrl(settings.redisUrl)}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return new QueueClient(settings, { ingest: iq, sr: sq }, { ingest: ie, sr: se });
  }

  /**
   * Runs one job and resolves to its result: adds it under `jobId` (BullMQ keeps one job per id, so
   * the same work is never queued twice), takes the stored result of a job already completed,
   * re-queues a job that had failed for good (a new coordinator run is a new chance), else waits
   * until a worker finishes it (retries with exponential backoff happen in between).
   * @throws QueueJobError with the failure reason and tries, or 'stopped' when `signal` aborts (the job stays in Redis).
   */
  async run(kind: 'ingest' | 'sr', jobId: string, data: WireValue, signal?: AbortSignal): Promise<JobReceipt> {
    const t0 = Date.now();
    const queue = this.queues[kind];
    const s = this.settings;
    await queue.add(kind, data, {
      jobId,
      attempts: s.attempts,
      backoff: { type: 'exponential', delay: s.backoffMs },
      removeOnComplete: { age: s.keepCompletedS },
      removeOnFail: { age: s.keepFailedS },
    });
    const job = await queue.getJob(jobId);
    if (job === undefined) throw new QueueJobError('E_QUEUE_JOB_LOST', `${kind} job ${jobId} vanished from Redis right after it was added`, { jobId });
    const state = await job.getState();
    let reused = state === 'completed';
    if (state === 'failed') {
      await job.retry('failed');
      reused = false;
    }
    let result: unknown;
    if (state === 'completed') {
      result = job.returnvalue;
    } else {
      const stop = new Promise<never>((_resolve, reject) => {
        const onAbort = (): void => reject(new QueueJobError('E_QUEUE_STOPPED', `stopped waiting for ${kind} job ${jobId} (it stays in Redis)`, { jobId }));
        if (signal?.aborted === true) onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      stop.catch(() => undefined); // only raced below
      try {
        result = await Promise.race([job.waitUntilFinished(this.events[kind]), stop]);
      } catch (err) {
        if (err instanceof QueueJobError) throw err;
        const failed = await queue.getJob(jobId);
        throw new QueueJobError(
          'E_QUEUE_JOB_FAILED',
          `${kind} job failed after ${failed?.attemptsMade ?? '?'} tries: ${failed?.failedReason ?? (err instanceof Error ? err.message : String(err))}`,
          { jobId },
        );
      }
    }
    const done = await queue.getJob(jobId);
    const computeMs = done?.processedOn !== undefined && done.finishedOn !== undefined ? done.finishedOn - done.processedOn : null;
    return { jobId, result, reused, attempts: done?.attemptsMade ?? 1, computeMs, waitMs: Date.now() - t0 };
  }

  /** Job counts per state of one queue (for progress and tests). */
  async counts(kind: 'ingest' | 'sr'): Promise<Record<string, number>> {
    return this.queues[kind].getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
  }

  /** Disconnects; jobs stay in Redis. */
  async close(): Promise<void> {
    await Promise.allSettled([...Object.values(this.events), ...Object.values(this.queues)].map((x) => x.close()));
  }
}
