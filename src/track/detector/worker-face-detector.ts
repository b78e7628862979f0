import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BackendError, FasrError, InputError, type Detection, type Frame } from '../../contracts';
import type { FaceDetector } from './face-detector';
import { validateFrame } from './human-face-detector';

/** The detectors a thread can run, by the name `createProcessDeps` uses. */
export const WORKER_DETECTOR_NAMES = Object.freeze(['human', 'face-api'] as const);
export type WorkerDetectorName = (typeof WORKER_DETECTOR_NAMES)[number];

/** What the detector thread is started with. */
interface DetectWorkerData {
  readonly faceDetectorWorker: true;
  readonly name: WorkerDetectorName;
  readonly config: unknown;
  /** tfjs backend for the thread (`initBackend` choice): the calling thread's, so the detections are the same. */
  readonly backend: string;
  readonly file: string;
  readonly tsNode: string;
}

interface ReadyReply {
  readonly kind: 'ready';
  readonly id?: string;
  readonly error?: string;
}

interface DetectReply {
  readonly kind: 'detected';
  readonly seq: number;
  readonly detections?: Detection[];
  readonly ms?: number;
  readonly error?: string;
}

interface DetectRequest {
  readonly seq: number;
  readonly frame: Frame;
}

/** The thread's side: the backend, the detector, then one frame at a time in arrival order. */
async function serveDetections(): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const wd = workerData as DetectWorkerData;
  let detector: FaceDetector;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { initBackend } = require('../../runtime') as typeof import('../../runtime');
    await initBackend(wd.backend);
    if (wd.name === 'human') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { createHumanFaceDetector } = require('./human-face-detector') as typeof import('./human-face-detector');
      detector = await createHumanFaceDetector(wd.config);
    } else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { createFaceApiFaceDetector } = require('./face-api-face-detector') as typeof import('./face-api-face-detector');
      detector = await createFaceApiFaceDetector(wd.config);
    }
  } catch (err) {
    port.postMessage({ kind: 'ready', error: err instanceof Error ? err.message : String(err) } satisfies ReadyReply);
    return;
  }
  port.postMessage({ kind: 'ready', id: detector.id } satisfies ReadyReply);
  let chain = Promise.resolve();
  port.on('message', (msg: DetectRequest | { readonly close: true }) => {
    chain = chain.then(async () => {
      if ('close' in msg) {
        await detector.close();
        port.close();
        return;
      }
      const t0 = performance.now();
      try {
        const detections = await detector.detect(msg.frame);
        port.postMessage({ kind: 'detected', seq: msg.seq, detections, ms: performance.now() - t0 } satisfies DetectReply);
      } catch (err) {
        port.postMessage({ kind: 'detected', seq: msg.seq, error: err instanceof Error ? err.message : String(err) } satisfies DetectReply);
      }
    });
  });
}

if (!isMainThread && (workerData as { faceDetectorWorker?: boolean } | null)?.faceDetectorWorker === true) void serveDetections();

/**
 * A deep copy of plain data (objects, arrays, numbers) made of this realm's objects: a message's
 * objects are the main context's, and under a vm sandbox (jest) those fail `instanceof Array`.
 */
function thisRealm(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(thisRealm);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, thisRealm(x)]));
  return v;
}

// Under ts-node or jest this file is TypeScript: the thread registers ts-node before requiring it.
const BOOT = `
const { workerData } = require('node:worker_threads');
if (workerData.file.endsWith('.ts')) require(workerData.tsNode).register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } });
require(workerData.file);
`;

/**
 * A {@link FaceDetector} whose model runs in its own worker thread: `detect` copies the frame's
 * pixels to the thread and resolves with its detections, so the calling thread can run another
 * detector on the same frame meanwhile (the small-face pass beside the main detector:
 * `smallFaces.worker`, docs/pipeline.md). The thread runs the same detector on the same tfjs
 * backend as an in-process one, so the detections are the same.
 *
 * Frames are answered in order, one at a time; at most `maxPending` may wait (a bounded queue:
 * `detect` rejects beyond it). Create with {@link createWorkerFaceDetector}; `close` ends the thread.
 */
export class WorkerFaceDetector implements FaceDetector {
  readonly id: string;
  readonly maxPending: number;
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (d: Detection[]) => void; reject: (e: Error) => void }>();
  #seq = 0;
  #computeMs = 0;
  #failure: string | null = null;
  #closed = false;

  /** @internal use {@link createWorkerFaceDetector}. */
  constructor(worker: Worker, id: string, maxPending: number) {
    this.#worker = worker;
    this.id = id;
    this.maxPending = maxPending;
    worker.on('message', (reply: DetectReply | ReadyReply) => {
      if (reply.kind !== 'detected') return;
      const p = this.#pending.get(reply.seq);
      if (p === undefined) return;
      this.#pending.delete(reply.seq);
      if (reply.detections !== undefined) {
        this.#computeMs += reply.ms ?? 0;
        p.resolve(reply.detections.map((d) => thisRealm(d) as Detection));
      } else {
        p.reject(new FasrError('E_DETECT', `${this.id} (worker thread): ${reply.error ?? 'no detections returned'}`));
      }
    });
    worker.on('error', (err) => this.#fail(`the detector thread failed: ${err.message}`));
    worker.on('exit', (code) => this.#fail(`the detector thread exited (code ${code})`));
  }

  /** Milliseconds the thread spent detecting so far (its own clock). */
  get computeMs(): number {
    return this.#computeMs;
  }

  #fail(message: string): void {
    this.#failure ??= message;
    for (const [seq, p] of this.#pending) {
      p.reject(new BackendError(`${this.id}: ${message}`));
      this.#pending.delete(seq);
    }
  }

  detect(frame: Frame): Promise<Detection[]> {
    if (this.#closed) return Promise.reject(new FasrError('E_CLOSED', `${this.id}: detect called after close()`));
    if (this.#failure !== null) return Promise.reject(new BackendError(`${this.id}: ${this.#failure}`));
    try {
      validateFrame(frame);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#pending.size >= this.maxPending) {
      return Promise.reject(new InputError(`${this.id} (worker thread): ${this.#pending.size} frames are waiting, the most allowed is ${this.maxPending}; await one before sending more`, { option: 'maxPending' }));
    }
    const seq = this.#seq++;
    // A copy: the caller's frame stays whole (its main detector reads it at the same time).
    const copy: Frame = { sourceId: frame.sourceId, index: frame.index, ptsMs: frame.ptsMs, width: frame.width, height: frame.height, rgb: frame.rgb.slice() };
    return new Promise<Detection[]>((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      this.#worker.postMessage({ seq, frame: copy } satisfies DetectRequest, [copy.rgb.buffer as ArrayBuffer]);
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
    const timer = setTimeout(() => void this.#worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
    this.#fail('closed');
  }
}

/**
 * Starts a worker thread that creates the detector `name` ('human': `createHumanFaceDetector`,
 * 'face-api': `createFaceApiFaceDetector`) with `config` on the tfjs backend `backend`, and
 * resolves once its models are loaded.
 * @param backend an `initBackend` choice; use the calling thread's backend name so detections match.
 * @param maxPending most frames that may wait at once, integer >= 1. Default 2.
 * @throws InputError for a bad name or maxPending; BackendError (with the thread's reason) when
 *   the thread cannot create the detector (bad config, missing models, backend unavailable).
 */
export async function createWorkerFaceDetector(name: WorkerDetectorName, config: unknown, backend: string, maxPending = 2): Promise<WorkerFaceDetector> {
  if (!(WORKER_DETECTOR_NAMES as readonly string[]).includes(name)) {
    throw new InputError(`createWorkerFaceDetector: name must be one of ${WORKER_DETECTOR_NAMES.join(', ')}, received ${JSON.stringify(name)}`, { option: 'name' });
  }
  if (!Number.isInteger(maxPending) || maxPending < 1) throw new InputError(`createWorkerFaceDetector: maxPending must be an integer >= 1, received ${String(maxPending)}`, { option: 'maxPending' });
  const file = __filename;
  const data: DetectWorkerData = { faceDetectorWorker: true, name, config, backend, file, tsNode: file.endsWith('.ts') ? require.resolve('ts-node') : '' };
  const worker = new Worker(BOOT, { eval: true, workerData: data, execArgv: [] });
  const ready = await new Promise<ReadyReply>((resolve, reject) => {
    const onExit = (code: number): void => reject(new BackendError(`detector thread for ${name} exited (code ${code}) before its models were loaded`));
    worker.once('error', (err) => reject(new BackendError(`detector thread for ${name} failed to start: ${err.message}`)));
    worker.once('exit', onExit);
    worker.once('message', (m: ReadyReply) => {
      worker.off('exit', onExit);
      resolve(m);
    });
  });
  if (ready.error !== undefined || ready.id === undefined) {
    await worker.terminate();
    throw new BackendError(`detector thread could not create ${name} on backend ${backend}: ${ready.error ?? 'no reply'}`, { detector: name, backend });
  }
  return new WorkerFaceDetector(worker, ready.id, maxPending);
}
