import { FasrError, type FaceCrop } from '../../contracts';
import { ModelThread, serveModelThread } from '../../runtime';
import { validateCrop } from './crops-to-tensor';
import type { FaceEmbedder } from './face-embedder';

const KIND = 'face-embedder';

// The thread's side: the embedder `createFaceEmbedder` makes; vectors go back in own buffers.
serveModelThread<readonly FaceCrop[], Float32Array[]>(KIND, async (name, config) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createFaceEmbedder } = require('./create-face-embedder') as typeof import('./create-face-embedder');
  const embedder = await createFaceEmbedder(name, config);
  return {
    info: { id: embedder.id, dim: embedder.dim, inputSizePx: embedder.inputSizePx },
    run: async (crops) => {
      const vectors = await embedder.embed(crops);
      // Own buffers, so they can be transferred (an embedder may return views of one buffer).
      const own = vectors.map((v) => (v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v : v.slice()));
      return { result: own, transfer: own.map((v) => v.buffer as ArrayBuffer) };
    },
    close: () => embedder.close(),
  };
});

/**
 * A {@link FaceEmbedder} whose model runs in its own worker thread (docs/pipeline.md, "Embeddings
 * in a worker thread"): `embed` copies the crops to the thread and resolves with its vectors, so the
 * calling thread can detect the next frame meanwhile, on the second core. The thread runs the same
 * embedder on the same tfjs backend as an in-process one, so the vectors are the same.
 *
 * Requests are answered in order, one at a time; at most `maxPending` may wait (a bounded queue:
 * `embed` rejects beyond it rather than hold crops without limit). Create with
 * {@link createWorkerFaceEmbedder}; `close` ends the thread. The thread itself is a {@link ModelThread}.
 */
export class WorkerFaceEmbedder implements FaceEmbedder {
  readonly id: string;
  readonly dim: number;
  readonly inputSizePx: number;
  readonly #thread: ModelThread<readonly FaceCrop[], Float32Array[]>;

  /** @internal use {@link createWorkerFaceEmbedder}. */
  constructor(thread: ModelThread<readonly FaceCrop[], Float32Array[]>) {
    this.#thread = thread;
    this.id = thread.info.id;
    this.dim = thread.info.dim as number;
    this.inputSizePx = thread.info.inputSizePx as number;
  }

  get maxPending(): number {
    return this.#thread.maxPending;
  }

  /** Milliseconds the thread spent embedding so far (its own clock: the work the calling thread did not do). */
  get computeMs(): number {
    return this.#thread.computeMs;
  }

  /** Requests sent and not yet answered. */
  get pendingCount(): number {
    return this.#thread.pendingCount;
  }

  async embed(crops: readonly FaceCrop[]): Promise<Float32Array[]> {
    const refused = this.#thread.refusal('embed');
    if (refused !== null) throw refused;
    crops.forEach(validateCrop);
    if (crops.length === 0) return [];
    // Copies: the caller keeps its crops (the crop keeper holds them), so nothing is transferred away.
    const copies = crops.map((c) => ({ width: c.width, height: c.height, rgb: c.rgb.slice() }));
    const vectors = await this.#thread.request(copies, copies.map((c) => c.rgb.buffer as ArrayBuffer), 'requests');
    if (vectors.length !== crops.length) throw new FasrError('E_EMBED', `${this.id} (worker thread): returned ${vectors.length} vectors for ${crops.length} crops`);
    // Arrays of this realm: a message's typed arrays are the main context's, and under a vm
    // sandbox (jest) those fail `instanceof Float32Array` in the code that checks them.
    return vectors.map((v) => new Float32Array(v));
  }

  close(): Promise<void> {
    return this.#thread.close();
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
  const thread = await ModelThread.start<readonly FaceCrop[], Float32Array[]>(
    'createWorkerFaceEmbedder',
    __filename,
    KIND,
    { name, config, backend, maxPending },
    { what: 'embedder', shownName: JSON.stringify(name), errorCode: 'E_EMBED', details: { embedder: name } },
  );
  return new WorkerFaceEmbedder(thread);
}
