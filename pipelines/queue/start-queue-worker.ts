import * as os from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { closeProcessDeps, createProcessDeps, type ProcessConfig, type ProcessDeps } from '..';
import { FasrError, InputError } from '../../src/contracts';
import { initBackend } from '../../src/runtime';
import { loadSrModel, type SrModel } from '../../src/sr';
import { parseIngestJobData, runIngestJob } from './ingest-job';
import type { PathMap } from './path-map';
import { QUEUE_NAMES, WORKER_ROLES, redactRedisUrl, type QueueSettings, type WorkerRole } from './queue-settings';
import { parseSrJobData, runSrJob, type SrModelSpec } from './sr-job';
import { canonicalJson } from './job-ids';

/** One thing a worker did, for its log. */
export interface WorkerEvent {
  readonly kind: 'active' | 'completed' | 'failed';
  readonly queue: 'ingest' | 'sr';
  readonly jobId: string;
  /** Which try this is (1 = first). */
  readonly attempt: number;
  /** Time spent on the job, ms (completed / failed). */
  readonly ms: number | null;
  /** Why it failed (failed only). */
  readonly error: string | null;
  /** Size of the result sent back, bytes of JSON (completed only). */
  readonly resultBytes: number | null;
}

/** Options of {@link startQueueWorker}. */
export interface QueueWorkerOptions {
  /** Which queues to take jobs from. Default 'all'. */
  readonly role?: WorkerRole;
  /** Jobs run at once per queue in this process, 1..64. Default 1 (one process per core is the better scale-out on tfjs-wasm). */
  readonly concurrency?: number;
  /** Compute backend for detector, embedder and the tfjs SR engine ('auto' | 'wasm' | 'cpu' | 'tensorflow'). Default 'auto'. */
  readonly backend?: string;
  /** Coordinator path → this machine's path rewrites. Default none. */
  readonly pathMap?: PathMap;
  /**
   * How long a job's lock lasts without renewal, ms (renewed every half of it while the job runs).
   * A worker that dies loses its job after at most lock + stalled interval; another worker then
   * takes it. 1000..600000, default 30000.
   */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (of dead workers), ms, 500..600000. Default 30000. */
  readonly stalledIntervalMs?: number;
  /** Worker name in BullMQ (shown as the job's processedBy). Default host:pid. */
  readonly name?: string;
  /** Receives what the worker does. Must not throw. */
  readonly onEvent?: (e: WorkerEvent) => void;
}

/** A running worker. */
export interface QueueWorkerHandle {
  readonly name: string;
  readonly role: WorkerRole;
  /**
   * Stops taking jobs; waits for the running ones to finish (their results go back) unless
   * `force`, which drops them at once: their locks lapse and other workers take them up.
   * Frees the models. Idempotent.
   */
  close(force?: boolean): Promise<void>;
}

const OPTION_KEYS = ['role', 'concurrency', 'backend', 'pathMap', 'lockDurationMs', 'stalledIntervalMs', 'name', 'onEvent'];

function intIn(name: string, v: unknown, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InputError(`startQueueWorker: ${name} must be an integer in [${min}, ${max}], received ${JSON.stringify(v)}`, { option: name });
  }
  return v;
}

/**
 * A stateless fasr worker: takes ingest and/or SR jobs from Redis (BullMQ), runs the same
 * compute functions an in-process run uses (`computeSourceResults`, `enhanceSrRequests` on the
 * SrRequest the coordinator built), and returns the results; it never opens the store. Detector/embedder (per process config) and SR models
 * (per model file) are created on first use and kept for the worker's life. Failed jobs are
 * retried by BullMQ with exponential backoff (attempts and backoff are set by the coordinator per
 * job); a model whose sha256 differs from the coordinator's fails the job at once.
 * @throws InputError for invalid options (before connecting).
 */
export async function startQueueWorker(settings: Readonly<QueueSettings>, opts: QueueWorkerOptions = {}): Promise<QueueWorkerHandle> {
  for (const key of Object.keys(opts)) {
    if (!OPTION_KEYS.includes(key)) throw new InputError(`startQueueWorker: unknown option "${key}"; valid options: ${OPTION_KEYS.join(', ')}`, { option: key });
  }
  const role = opts.role ?? 'all';
  if (!WORKER_ROLES.includes(role)) throw new InputError(`startQueueWorker: role must be one of ${WORKER_ROLES.join(', ')}, received ${JSON.stringify(role)}`, { option: 'role' });
  const concurrency = intIn('concurrency', opts.concurrency, 1, 64, 1);
  const lockDuration = intIn('lockDurationMs', opts.lockDurationMs, 1000, 600_000, 30_000);
  const stalledInterval = intIn('stalledIntervalMs', opts.stalledIntervalMs, 500, 600_000, 30_000);
  const backend = opts.backend ?? 'auto';
  const name = opts.name ?? `${os.hostname()}:${process.pid}`;
  const pathMap = opts.pathMap ?? [];
  await initBackend(backend);

  // Per-worker caches (not module state): created on first use, closed with the worker.
  const depsByConfig = new Map<string, Promise<ProcessDeps>>();
  const modelsBySpec = new Map<string, Promise<SrModel>>();
  const getDeps = (config: Readonly<ProcessConfig>): Promise<ProcessDeps> => {
    const key = canonicalJson({ detector: config.detector, smallFaces: config.smallFaces, embedder: config.embedder });
    let d = depsByConfig.get(key);
    if (d === undefined) {
      d = createProcessDeps(config, backend);
      depsByConfig.set(key, d);
      d.catch(() => depsByConfig.delete(key));
    }
    return d;
  };
  const getModel = (spec: SrModelSpec): Promise<SrModel> => {
    const key = canonicalJson(spec);
    let m = modelsBySpec.get(key);
    if (m === undefined) {
      m = loadSrModel({ ...(spec.model === null ? {} : { model: spec.model }), ...(spec.config === null ? {} : { config: spec.config }), engine: spec.engine });
      modelsBySpec.set(key, m);
      m.catch(() => modelsBySpec.delete(key));
    }
    return m;
  };

  const processor = (queue: 'ingest' | 'sr') => async (job: Job): Promise<unknown> => {
    const t0 = Date.now();
    const attempt = job.attemptsMade + 1;
    const jobId = job.id ?? '(no id)';
    opts.onEvent?.({ kind: 'active', queue, jobId, attempt, ms: null, error: null, resultBytes: null });
    try {
      let result: unknown;
      if (queue === 'ingest') {
        result = await runIngestJob(parseIngestJobData(job.data), getDeps, pathMap);
      } else {
        const data = parseSrJobData(job.data);
        result = await runSrJob(data, await getModel(data.model));
      }
      opts.onEvent?.({ kind: 'completed', queue, jobId, attempt, ms: Date.now() - t0, error: null, resultBytes: JSON.stringify(result).length });
      return result;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      opts.onEvent?.({ kind: 'failed', queue, jobId, attempt, ms: Date.now() - t0, error: message, resultBytes: null });
      // Bad job data or another model file will not get better with a retry.
      if (err instanceof FasrError && (err.code === 'E_QUEUE_MODEL_MISMATCH' || (err instanceof InputError && err.context.option === 'data'))) {
        throw new UnrecoverableError(message);
      }
      throw err;
    }
  };

  const connection = { url: settings.redisUrl };
  const queues: ('ingest' | 'sr')[] = role === 'all' ? ['ingest', 'sr'] : [role];
  const workers = queues.map(
    (q) =>
      new Worker(QUEUE_NAMES[q], processor(q), {
        connection,
        prefix: settings.prefix,
        concurrency,
        lockDuration,
        stalledInterval,
        // A job whose worker died is put back for others up to twice, then failed with BullMQ's stalled reason.
        maxStalledCount: 2,
        name,
        autorun: false,
      }),
  );
  const connectionProblem = (queue: 'ingest' | 'sr') => (err: Error): void =>
    opts.onEvent?.({ kind: 'failed', queue, jobId: '(worker)', attempt: 0, ms: null, error: `redis ${redactRedisUrl(settings.redisUrl)}: ${err.message}`, resultBytes: null });
  workers.forEach((w, i) => w.on('error', connectionProblem(queues[i] ?? 'ingest')));
  try {
    await Promise.all(workers.map((w) => w.waitUntilReady()));
  } catch (err) {
    await Promise.allSettled(workers.map((w) => w.close(true)));
    throw new FasrError('E_QUEUE_CONNECT', `cannot reach Redis at ${redactRedisUrl(settings.redisUrl)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  workers.forEach((w, i) => {
    w.run().catch(connectionProblem(queues[i] ?? 'ingest'));
  });

  let closing: Promise<void> | null = null;
  return {
    name,
    role,
    close(force = false): Promise<void> {
      if (closing !== null && !force) return closing;
      closing = (async () => {
        await Promise.allSettled(workers.map((w) => w.close(force)));
        const deps = await Promise.allSettled([...depsByConfig.values()]);
        const models = await Promise.allSettled([...modelsBySpec.values()]);
        depsByConfig.clear();
        modelsBySpec.clear();
        for (const d of deps) if (d.status === 'fulfilled') await closeProcessDeps(d.value).catch(() => undefined);
        for (const m of models) if (m.status === 'fulfilled') await m.value.dispose().catch(() => undefined);
      })();
      return closing;
    },
  };
}
