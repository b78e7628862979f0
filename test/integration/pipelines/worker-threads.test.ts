import * as path from 'node:path';
import { closeProcessDeps, computeSourceResults, createProcessDeps, parseProcessConfig, type ComputeStats, type CreatedProcessDeps } from '../../../pipelines';
import { WorkerFaceEmbedder } from '../../../src/fuse';
import { WorkerFaceDetector } from '../../../src/track';

const VIDEOS = path.resolve(__dirname, '../../../../shared/data/videos');
const HAMILTON = path.join(VIDEOS, 'face_recognition/short_hamilton_clip.mp4');
const OPENPOSE = path.join(VIDEOS, 'openpose/video.avi');

jest.setTimeout(300000); // loaded 2-core machines: each clip is processed twice

/** Every model in the pipeline's thread: the pipeline before the worker threads. */
const SERIAL = { embed: { worker: false }, smallFaces: { worker: false } };
/** Both threads: the embedder (the default) and the small-face SSD (off by default). */
const THREADS = { embed: { worker: true }, smallFaces: { worker: true } };

/**
 * Both threads (`embed.worker`, the default: the embedder in its own thread, frame N+1 detected
 * while frame N is embedded; `smallFaces.worker`: the small-face SSD in its own thread, beside the
 * main detector) against both false (every model in the pipeline's thread, one frame at a time): the same footage
 * gives exactly the same results (detections, quality, crops, embeddings, tracks, F_M, joins), and
 * the switches act (threads embed and detect, frames overlap; or neither).
 */
describe('embed.worker and smallFaces.worker keep every track of the shared clips', () => {
  let onDeps: CreatedProcessDeps;
  let offDeps: CreatedProcessDeps;

  beforeAll(async () => {
    onDeps = await createProcessDeps(parseProcessConfig(THREADS), 'wasm');
    offDeps = await createProcessDeps(parseProcessConfig(SERIAL), 'wasm');
  }, 180000);

  afterAll(async () => {
    await Promise.all([onDeps && closeProcessDeps(onDeps), offDeps && closeProcessDeps(offDeps)]);
  });

  it('the switches pick where the embedder and the small-face SSD run', () => {
    expect(onDeps.embedder).toBeInstanceOf(WorkerFaceEmbedder);
    expect(offDeps.embedder).not.toBeInstanceOf(WorkerFaceEmbedder);
    expect(onDeps.embedder.id).toBe(offDeps.embedder.id);
    expect(onDeps.smallFaceDetector).toBeInstanceOf(WorkerFaceDetector);
    expect(offDeps.smallFaceDetector).not.toBeInstanceOf(WorkerFaceDetector);
    expect(onDeps.smallFaceDetector?.id).toBe(offDeps.smallFaceDetector?.id);
  });

  it.each([
    // 640x360, faces in most frames: nearly every frame is detected while the one before is embedded.
    ['hamilton 640x360', HAMILTON, {}],
    // 1280x720 street, faces of 15–30 px: the small-face pass, many tracks, contested associations.
    ['openpose 1280x720', OPENPOSE, {}],
  ] as const)('%s: the same results with the worker threads as in the pipeline thread alone', async (_name, file, decode) => {
    let onStats: ComputeStats | null = null;
    let offStats: ComputeStats | null = null;
    const ssdMsStart = (onDeps.smallFaceDetector as WorkerFaceDetector).computeMs;
    const on = await computeSourceResults(file, 1, parseProcessConfig({ decode, ...THREADS }), onDeps, { onStats: (s) => (onStats = s) });
    const ssdMsBefore = (onDeps.smallFaceDetector as WorkerFaceDetector).computeMs;
    const off = await computeSourceResults(file, 1, parseProcessConfig({ decode, ...SERIAL }), offDeps, { onStats: (s) => (offStats = s) });
    expect(on.analysisError).toBeNull();
    expect(on.decodeError).toBeNull();
    expect(on.frames).toBeGreaterThan(15);
    expect(on.tracks.length).toBeGreaterThan(0);
    expect(on).toEqual(off);
    const s1 = onStats as unknown as ComputeStats;
    const s0 = offStats as unknown as ComputeStats;
    // The same decisions: embedded crops by reason, gate and small-face counts.
    expect(s1.embedReasons).toEqual(s0.embedReasons);
    expect(s1.gateReasons).toEqual(s0.gateReasons);
    expect(s1.smallFaceReasons).toEqual(s0.smallFaceReasons);
    expect(s1.cropsEmbedded).toBeGreaterThan(0);
    // On: a thread embedded them, beside detection of the next frame.
    expect(s1.embedThreadMs).toBeGreaterThan(0);
    expect(s1.framesOverlapped).toBeGreaterThan(0);
    // The small-face SSD ran in its thread where the pass ran (openpose; Hamilton's 640x360 frames are below its minimum).
    const passRuns = s1.smallFaceReasons.probe + s1.smallFaceReasons.found;
    expect(ssdMsBefore - ssdMsStart > 0).toBe(passRuns > 0);
    // Off: nothing beside the pipeline's thread.
    expect(s0.embedThreadMs).toBeNull();
    expect(s0.framesOverlapped).toBe(0);
  });
});
