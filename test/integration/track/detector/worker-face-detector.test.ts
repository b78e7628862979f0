import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { Frame } from '../../../../src/contracts';
import { BackendError, FasrError, InputError } from '../../../../src/contracts';
import { initBackend } from '../../../../src/runtime/backend';
import { createFaceApiFaceDetector, createWorkerFaceDetector, type FaceApiFaceDetector, type WorkerFaceDetector } from '../../../../src/track/detector';

const OPENPOSE = path.resolve(__dirname, '../../../../../shared/data/videos/openpose/video.avi');

jest.setTimeout(180000); // a thread loads its own tfjs backend and models on a loaded 2-core machine

/** One 1280x720 frame of the openpose street clip, decoded by the system ffmpeg. */
function openposeFrame(atSeconds: number): Frame {
  const rgb = execFileSync('ffmpeg', ['-v', 'error', '-ss', String(atSeconds), '-i', OPENPOSE, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1280 * 720 * 3 + 1024 });
  expect(rgb.length).toBe(1280 * 720 * 3);
  return { sourceId: 2, index: Math.round(atSeconds * 50), ptsMs: atSeconds * 1000, width: 1280, height: 720, rgb: new Uint8Array(rgb) };
}

/**
 * The small-face pass's SSD in a worker thread (`smallFaces.worker`) finds exactly what the same
 * detector finds in the calling thread, on the same backend, and leaves the caller's frame whole.
 */
describe('WorkerFaceDetector: face-api SSD on an openpose frame (wasm)', () => {
  let inline: FaceApiFaceDetector;
  let worker: WorkerFaceDetector;

  beforeAll(async () => {
    await initBackend('wasm');
    inline = await createFaceApiFaceDetector({ minConfidence: 0.15 });
    worker = await createWorkerFaceDetector('face-api', { minConfidence: 0.15 }, 'wasm');
  }, 180000);

  afterAll(async () => {
    await Promise.all([inline?.close(), worker?.close()]);
  });

  it('gives the same detections as the in-thread detector, and leaves the frame as it was', async () => {
    const frame = openposeFrame(1);
    const before = Buffer.from(frame.rgb);
    const a = await inline.detect(frame);
    const b = await worker.detect(frame);
    expect(worker.id).toBe(inline.id);
    expect(a.length).toBeGreaterThanOrEqual(10);
    expect(b).toEqual(a);
    // The same numbers to the bit (toEqual would pass NaN = NaN, and -0 vs 0 is checked by Object.is).
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(Buffer.from(frame.rgb).equals(before)).toBe(true);
    expect(worker.computeMs).toBeGreaterThan(0);
  });

  it('answers frames in order and refuses more than maxPending waiting at once', async () => {
    const f1 = openposeFrame(1);
    const f2 = { ...openposeFrame(2), index: 100 };
    const one = worker.detect(f1);
    const two = worker.detect(f2);
    await expect(worker.detect(f1)).rejects.toThrow(/2 frames are waiting, the most allowed is 2/);
    const [r1, r2] = await Promise.all([one, two]);
    expect(r1.every((d) => d.frameIndex === f1.index)).toBe(true);
    expect(r2.every((d) => d.frameIndex === 100)).toBe(true);
  });

  it('refuses a malformed frame in the calling thread', async () => {
    await expect(worker.detect({ sourceId: 1, index: 0, ptsMs: 0, width: 4, height: 4, rgb: new Uint8Array(5) })).rejects.toThrow(InputError);
  });
});

describe('createWorkerFaceDetector failures', () => {
  it('reports why the thread could not create the detector', async () => {
    await expect(createWorkerFaceDetector('face-api', { minConfidence: 2 }, 'wasm')).rejects.toThrow(BackendError);
    await expect(createWorkerFaceDetector('face-api', { minConfidence: 2 }, 'wasm')).rejects.toThrow(/detector thread could not create face-api on backend wasm: .*minConfidence/);
  });

  it('refuses an unknown name before starting a thread', async () => {
    await expect(createWorkerFaceDetector('yolo' as 'human', {}, 'wasm')).rejects.toThrow(/name must be one of human, face-api, received "yolo"/);
  });

  it('detects nothing after close', async () => {
    const w = await createWorkerFaceDetector('face-api', {}, 'cpu');
    await w.close();
    await expect(w.detect(openposeFrame(1))).rejects.toThrow(FasrError);
    await expect(w.detect(openposeFrame(1))).rejects.toThrow(/detect called after close\(\)/);
  });
});
