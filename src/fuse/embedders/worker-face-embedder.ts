import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BackendError, FasrError, InputError, type FaceCrop } from '../../contracts';
import { validateCrop } from './crops-to-tensor';
import type { FaceEmbedder } from './face-embedder';

/** What the embedder thread is started with. */
interface EmbedWorkerData {
  readonly faceEmbedderWorker: true;
  /** Embedder name (`createFaceEmbedder`) and its config. */
  readonly name: string;
  readonly config: unknown;
  /** tfjs backend for the thread (`initBackend` choice): the main thread's, so the vectors are the same. */
  readonly backend: string;
  readonly file: string;
  readonly tsNode: string;
}

/** The thread's first message: the embedder it made, or why it could not. */
interface ReadyReply {
  readonly kind: 'ready';
  readonly id?: string;
  readonly dim?: number;
  readonly inputSizePx?: number;
  readonly error?: string;
}

/** One request's answer: the vectors (buffers transferred) and the thread's compute time. */
interface EmbedReply {
  readonly kind: 'embedded';
  readonly seq: number;
  readonly vectors?: Float32Array[];
  readonly ms?: number;
  readonly error?: string;
}

interface EmbedRequest {
  readonly seq: number;
  readonly crops: readonly FaceCrop[];
}

/** The thread's side: the backend, the embedder, then one request at a time in arrival order. */
async function serveEmbeddings(): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const wd = workerData as EmbedWorkerData;
  let embedder: FaceEmbedder;
  try {
    // Required here, not at the top: the main thread's module needs none of tfjs to start a thread.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { initBackend } = require('../../runtime') as typeof import('../../runtime');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createFaceEmbedder } = require('./create-face-embedder') as typeof import('./create-face-embedder');
    await initBackend(wd.backend);
    embedder = await createFaceEmbedder(wd.name, wd.config);
  } catch (err) {
    port.postMessage({ kind: 'ready', error: err instanceof Error ? err.message : String(err) } satisfies ReadyReply);
    return;
  }
  port.postMessage({ kind: 'ready', id: embedder.id, dim: embedder.dim, inputSizePx: embedder.inputSizePx } satisfies ReadyReply);
  let chain = Promise.resolve();
  port.on('message', (msg: EmbedRequest | { readonly close: true }) => {
    chain = chain.then(async () => {
      if ('close' in msg) {
        await embedder.close();
        port.close();
        return;
      }
      const t0 = performance.now();
      try {
        const vectors = await embedder.embed(msg.crops);
        // Own buffers, so they can be transferred (an embedder may return views of one buffer).
        const own = vectors.map((v) => (v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v : v.slice()));
        port.postMessage({ kind: 'embedded', seq: msg.seq, vectors: own, ms: performance.now() - t0 } satisfies EmbedReply, own.map((v) => v.buffer as ArrayBuffer));
      } catch (err) {
        port.postMessage({ kind: 'embedded', seq: msg.seq, error: err instanceof Error ? err.message : String(err) } satisfies EmbedReply);
      }
    });
  });
}

if (!isMainThread && (workerData as { faceEmbedderWorker?: boolean } | null)?.faceEmbedderWorker === true) void serveEmbeddings();

// Under ts-node or jest this file is TypeScript: the thread registers ts-node before requiring it.
const BOOT = `
const { workerData } = require('node:worker_threads');
if (workerData.file.endsWith('.ts')) require(workerData.tsNode).register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } });
require(workerData.file);
`;

/**
 * A {@link FaceEmbedder} whose model runs in its own worker thread (docs/pipeline.md, "Embeddings
 * in a worker thread"): `embed` copies the crops to the thread and resolves with its vectors, so the
 * calling thread can detect the next frame meanwhile, on the second core. The thread runs the same
 * embedder on the same tfjs backend as an in-process one, so the vectors are the same.
 *
 * Requests are answered in order, one at a time; at most `maxPending` may wait (a bounded queue:
 * `embed` rejects beyond it rather than hold crops without limit). Create with
 * {@link createWorkerFaceEmbedder}; `close` ends the thread.
 */
export class WorkerFaceEmbedder implements FaceEmbedder {
  readonly id: string;
  readonly dim: number;
  readonly inputSizePx: number;
  readonly maxPending: number;
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (v: Float32Array[]) => void; reject: (e: Error) => void; count: number }>();
  #seq = 0;
  #computeMs = 0;
  #failure: string | null = null;
  #closed = false;

  /** @internal use {@link createWorkerFaceEmbedder}. */
  constructor(worker: Worker, ready: Required<Omit<ReadyReply, 'kind' | 'error'>>, maxPending: number) {
    this.#worker = worker;
    this.id = ready.id;
    this.dim = ready.dim;
    this.inputSizePx = ready.inputSizePx;
    this.maxPending = maxPending;
    worker.on('message', (reply: EmbedReply | ReadyReply) => {
      if (reply.kind !== 'embedded') return;
      const p = this.#pending.get(reply.seq);
      if (p === undefined) return;
      this.#pending.delete(reply.seq);
      if (reply.vectors !== undefined && reply.vectors.length === p.count) {
        this.#computeMs += reply.ms ?? 0;
        // Arrays of this realm: a message's typed arrays are the main context's, and under a vm
        // sandbox (jest) those fail `instanceof Float32Array` in the code that checks them.
        p.resolve(reply.vectors.map((v) => new Float32Array(v)));
      } else {
        p.reject(new FasrError('E_EMBED', `${this.id} (worker thread): ${reply.error ?? `returned ${reply.vectors?.length ?? 0} vectors for ${p.count} crops`}`));
      }
    });
    worker.on('error', (err) => this.#fail(`the embedder thread failed: ${err.message}`));
    worker.on('exit', (code) => this.#fail(`the embedder thread exited (code ${code})`));
  }

  /** Milliseconds the thread spent embedding so far (its own clock: the work the calling thread did not do). */
  get computeMs(): number {
    return this.#computeMs;
  }

  /** Requests sent and not yet answered. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  #fail(message: string): void {
    this.#failure ??= message;
    for (const [seq, p] of this.#pending) {
      p.reject(new BackendError(`${this.id}: ${message}`));
      this.#pending.delete(seq);
    }
  }

  embed(crops: readonly FaceCrop[]): Promise<Float32Array[]> {
    if (this.#closed) return Promise.reject(new FasrError('E_CLOSED', `${this.id}: embed called after close()`));
    if (this.#failure !== null) return Promise.reject(new BackendError(`${this.id}: ${this.#failure}`));
    try {
      crops.forEach(validateCrop);
    } catch (err) {
      return Promise.reject(err);
    }
    if (crops.length === 0) return Promise.resolve([]);
    if (this.#pending.size >= this.maxPending) {
      return Promise.reject(new InputError(`${this.id} (worker thread): ${this.#pending.size} requests are waiting, the most allowed is ${this.maxPending}; await one before sending more`, { option: 'maxPending' }));
    }
    const seq = this.#seq++;
    // Copies: the caller keeps its crops (the crop keeper holds them), so nothing is transferred away.
    const copies = crops.map((c) => ({ width: c.width, height: c.height, rgb: c.rgb.slice() }));
    return new Promise<Float32Array[]>((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject, count: crops.length });
      this.#worker.postMessage({ seq, crops: copies } satisfies EmbedRequest, copies.map((c) => c.rgb.buffer as ArrayBuffer));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#failure !== null) {
      await this.#worker.terminate();
      return;
    }
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.postMessage({ close: true });
    // The thread closes its port after the requests before it; terminate if it does not end by itself.
    const timer = setTimeout(() => void this.#worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
    this.#fail('closed');
  }
}

/**
 * Starts a worker thread that creates the embedder `name` (`createFaceEmbedder`) with `config` on
 * the tfjs backend `backend`, and resolves once its model is loaded.
 * @param backend an `initBackend` choice; use the calling thread's backend name so vectors match.
 * @param maxPending most requests that may wait at once, integer >= 1. Default 2.
 * @throws InputError for a bad maxPending; BackendError (with the thread's reason) when the thread
 *   cannot create the embedder (bad name or config, missing weights, backend unavailable).
 */
export async function createWorkerFaceEmbedder(name: string, config: unknown, backend: string, maxPending = 2): Promise<WorkerFaceEmbedder> {
  if (!Number.isInteger(maxPending) || maxPending < 1) throw new InputError(`createWorkerFaceEmbedder: maxPending must be an integer >= 1, received ${String(maxPending)}`, { option: 'maxPending' });
  const file = __filename;
  const data: EmbedWorkerData = { faceEmbedderWorker: true, name, config, backend, file, tsNode: file.endsWith('.ts') ? require.resolve('ts-node') : '' };
  const worker = new Worker(BOOT, { eval: true, workerData: data, execArgv: [] });
  const ready = await new Promise<ReadyReply>((resolve, reject) => {
    const onExit = (code: number): void => reject(new BackendError(`embedder thread for ${JSON.stringify(name)} exited (code ${code}) before its model was loaded`));
    worker.once('error', (err) => reject(new BackendError(`embedder thread for ${JSON.stringify(name)} failed to start: ${err.message}`)));
    worker.once('exit', onExit);
    worker.once('message', (m: ReadyReply) => {
      worker.off('exit', onExit);
      resolve(m);
    });
  });
  if (ready.error !== undefined || ready.id === undefined || ready.dim === undefined || ready.inputSizePx === undefined) {
    await worker.terminate();
    throw new BackendError(`embedder thread could not create ${JSON.stringify(name)} on backend ${backend}: ${ready.error ?? 'no reply'}`, { embedder: name, backend });
  }
  return new WorkerFaceEmbedder(worker, { id: ready.id, dim: ready.dim, inputSizePx: ready.inputSizePx }, maxPending);
}
