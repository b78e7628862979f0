import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import { BackendError } from '../../contracts';
import { startModuleThread } from '../../runtime';
import { loadIdentityData } from './prepare-identity-data';
import type { IdentityData } from './prepare-identity-data';
import { makeRecipeBatch, recipeSplit } from './residual-recipe';
import type { RecipeBatch, RecipeSplit, ResidualRecipeConfig } from './residual-recipe';

/** What the batch worker needs: the caches, the recipe, the seed and the batch size. */
export interface RecipeWorkerData {
  readonly dataDirs: readonly string[];
  readonly recipe: ResidualRecipeConfig;
  readonly seed: number;
  readonly batchSize: number;
}

interface BatchReply {
  readonly step: number;
  readonly batch?: RecipeBatch;
  readonly error?: string;
}

/** The worker side: loads the caches once, then answers `{ step }` with that step's batch (buffers transferred). */
function serveBatches(): void {
  const port = parentPort;
  if (port === null) return;
  const wd = workerData as RecipeWorkerData;
  let datas: IdentityData[];
  let split: RecipeSplit;
  try {
    datas = wd.dataDirs.map((d) => loadIdentityData(d));
    split = recipeSplit(datas, 'train');
  } catch (err) {
    port.postMessage({ step: -1, error: (err as Error).message } satisfies BatchReply);
    return;
  }
  // One batch at a time, in request order (the queue in the main thread bounds how far ahead).
  let chain = Promise.resolve();
  port.on('message', (msg: { step: number }) => {
    chain = chain.then(async () => {
      try {
        const batch = await makeRecipeBatch(datas, split, wd.recipe, wd.seed, msg.step, wd.batchSize);
        port.postMessage({ step: msg.step, batch } satisfies BatchReply, [batch.hr.buffer, batch.y.buffer, batch.feat.buffer, batch.sigma.buffer, batch.noise.buffer, batch.signal.buffer] as ArrayBuffer[]);
      } catch (err) {
        port.postMessage({ step: msg.step, error: (err as Error).message } satisfies BatchReply);
      }
    });
  });
}

if (!isMainThread && (workerData as { recipeBatchWorker?: boolean } | null)?.recipeBatchWorker === true) serveBatches();

/**
 * Makes the recipe's batches in a worker thread, `depth` steps ahead of the trainer, so that
 * decoding, degradation (JPEG through sharp) and F_M fusion never hold up a training step. The
 * batches are those of {@link makeRecipeBatch} for (seed, step): the same with or without the worker.
 */
export class RecipeBatchPrefetcher {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (b: RecipeBatch) => void; reject: (e: Error) => void; promise: Promise<RecipeBatch> }>();
  readonly #depth: number;
  #failure: string | null = null;

  constructor(data: RecipeWorkerData, depth = 3) {
    this.#depth = depth;
    this.#worker = startModuleThread(__filename, { ...data, recipeBatchWorker: true });
    this.#worker.on('message', (reply: BatchReply) => {
      if (reply.step < 0) {
        this.#fail(`the batch worker could not load the training data: ${reply.error ?? 'unknown error'}`);
        return;
      }
      const p = this.#pending.get(reply.step);
      if (p === undefined) return;
      if (reply.batch !== undefined) p.resolve(reply.batch);
      else p.reject(new BackendError(`batch worker, step ${reply.step}: ${reply.error ?? 'unknown error'}`));
    });
    this.#worker.on('error', (err) => this.#fail(`the batch worker failed: ${err.message}`));
    this.#worker.on('exit', (code) => this.#fail(`the batch worker exited (code ${code})`));
  }

  #fail(message: string): void {
    this.#failure ??= message;
    for (const [step, p] of this.#pending) {
      p.reject(new BackendError(message));
      this.#pending.delete(step);
    }
  }

  #request(step: number): Promise<RecipeBatch> {
    const existing = this.#pending.get(step);
    if (existing !== undefined) return existing.promise;
    if (this.#failure !== null) return Promise.reject(new BackendError(this.#failure));
    let resolve!: (b: RecipeBatch) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<RecipeBatch>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined); // rejections are observed by next()
    this.#pending.set(step, { resolve, reject, promise });
    this.#worker.postMessage({ step });
    return promise;
  }

  /** The batch of `step`; asks for the next `depth` steps' batches before waiting. */
  async next(step: number): Promise<RecipeBatch> {
    for (let k = 0; k <= this.#depth; k++) void this.#request(step + k);
    const batch = await this.#request(step);
    this.#pending.delete(step);
    return batch;
  }

  /** Stops the worker. Idempotent. */
  async close(): Promise<void> {
    this.#failure ??= 'closed';
    this.#pending.clear();
    await this.#worker.terminate();
  }
}
