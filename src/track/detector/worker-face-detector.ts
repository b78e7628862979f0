import { InputError, type Detection, type Frame } from '../../contracts';
import { ModelThread, serveModelThread } from '../../runtime';
import type { FaceDetector } from './face-detector';
import { validateFrame } from './human-face-detector';

/** The detectors a thread can run, by the name `createProcessDeps` uses. */
export const WORKER_DETECTOR_NAMES = Object.freeze(['human', 'face-api'] as const);
export type WorkerDetectorName = (typeof WORKER_DETECTOR_NAMES)[number];

const KIND = 'face-detector';

// The thread's side: the detector of that name, one frame at a time.
serveModelThread<Frame, Detection[]>(KIND, async (name, config) => {
  let detector: FaceDetector;
  if (name === 'human') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createHumanFaceDetector } = require('./human-face-detector') as typeof import('./human-face-detector');
    detector = await createHumanFaceDetector(config);
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createFaceApiFaceDetector } = require('./face-api-face-detector') as typeof import('./face-api-face-detector');
    detector = await createFaceApiFaceDetector(config);
  }
  return { info: { id: detector.id }, run: async (frame) => ({ result: await detector.detect(frame) }), close: () => detector.close() };
});

/**
 * A deep copy of plain data (objects, arrays, numbers) made of this realm's objects: a message's
 * objects are the main context's, and under a vm sandbox (jest) those fail `instanceof Array`.
 */
function thisRealm(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(thisRealm);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, thisRealm(x)]));
  return v;
}

/**
 * A {@link FaceDetector} whose model runs in its own worker thread: `detect` copies the frame's
 * pixels to the thread and resolves with its detections, so the calling thread can run another
 * detector on the same frame meanwhile (the small-face pass beside the main detector:
 * `smallFaces.worker`, docs/pipeline.md). The thread runs the same detector on the same tfjs
 * backend as an in-process one, so the detections are the same.
 *
 * Frames are answered in order, one at a time; at most `maxPending` may wait (a bounded queue:
 * `detect` rejects beyond it). Create with {@link createWorkerFaceDetector}; `close` ends the
 * thread. The thread itself is a {@link ModelThread}.
 */
export class WorkerFaceDetector implements FaceDetector {
  readonly id: string;
  readonly #thread: ModelThread<Frame, Detection[]>;

  /** @internal use {@link createWorkerFaceDetector}. */
  constructor(thread: ModelThread<Frame, Detection[]>) {
    this.#thread = thread;
    this.id = thread.info.id;
  }

  get maxPending(): number {
    return this.#thread.maxPending;
  }

  /** Milliseconds the thread spent detecting so far (its own clock). */
  get computeMs(): number {
    return this.#thread.computeMs;
  }

  async detect(frame: Frame): Promise<Detection[]> {
    const refused = this.#thread.refusal('detect');
    if (refused !== null) throw refused;
    validateFrame(frame);
    // A copy: the caller's frame stays whole (its main detector reads it at the same time).
    const copy: Frame = { sourceId: frame.sourceId, index: frame.index, ptsMs: frame.ptsMs, width: frame.width, height: frame.height, rgb: frame.rgb.slice() };
    const detections = await this.#thread.request(copy, [copy.rgb.buffer as ArrayBuffer], 'frames');
    return detections.map((d) => thisRealm(d) as Detection);
  }

  close(): Promise<void> {
    return this.#thread.close();
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
  const thread = await ModelThread.start<Frame, Detection[]>(
    'createWorkerFaceDetector',
    __filename,
    KIND,
    { name, config, backend, maxPending },
    { what: 'detector', shownName: name, errorCode: 'E_DETECT', details: { detector: name } },
  );
  return new WorkerFaceDetector(thread);
}
