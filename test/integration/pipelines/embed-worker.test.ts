import * as path from 'node:path';
import { closeProcessDeps, computeSourceResults, createProcessDeps, parseProcessConfig, type ComputeStats, type CreatedProcessDeps } from '../../../pipelines';
import { WorkerFaceEmbedder } from '../../../src/fuse';

const VIDEOS = path.resolve(__dirname, '../../../../shared/data/videos');
const HAMILTON = path.join(VIDEOS, 'face_recognition/short_hamilton_clip.mp4');
const OPENPOSE = path.join(VIDEOS, 'openpose/video.avi');

jest.setTimeout(300000); // loaded 2-core machines: each clip is processed twice

/**
 * `embed.worker` (the default: the embedder in its own thread, frame N+1 detected while frame N is
 * embedded) against `embed.worker: false` (the embedder in the pipeline's thread, one frame at a
 * time): the same footage gives exactly the same results (detections, quality, crops, embeddings,
 * tracks, F_M, joins), and the switch acts (a thread embeds, frames overlap; or neither).
 */
describe('embed.worker keeps every track of the shared clips', () => {
  let onDeps: CreatedProcessDeps;
  let offDeps: CreatedProcessDeps;

  beforeAll(async () => {
    onDeps = await createProcessDeps(parseProcessConfig({}), 'wasm');
    offDeps = await createProcessDeps(parseProcessConfig({ embed: { worker: false } }), 'wasm');
  }, 180000);

  afterAll(async () => {
    await Promise.all([onDeps && closeProcessDeps(onDeps), offDeps && closeProcessDeps(offDeps)]);
  });

  it('the switch picks where the embedder runs', () => {
    expect(onDeps.embedder).toBeInstanceOf(WorkerFaceEmbedder);
    expect(offDeps.embedder).not.toBeInstanceOf(WorkerFaceEmbedder);
    expect(onDeps.embedder.id).toBe(offDeps.embedder.id);
  });

  it.each([
    // 640x360, faces in most frames: nearly every frame is detected while the one before is embedded.
    ['hamilton 640x360', HAMILTON, {}],
    // 1280x720 street, faces of 15–30 px: the small-face pass, many tracks, contested associations.
    ['openpose 1280x720', OPENPOSE, {}],
  ] as const)('%s: the same results with the embedder in its own thread as in the pipeline thread', async (_name, file, decode) => {
    let onStats: ComputeStats | null = null;
    let offStats: ComputeStats | null = null;
    const on = await computeSourceResults(file, 1, parseProcessConfig({ decode }), onDeps, { onStats: (s) => (onStats = s) });
    const off = await computeSourceResults(file, 1, parseProcessConfig({ decode, embed: { worker: false } }), offDeps, { onStats: (s) => (offStats = s) });
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
    // Off: nothing beside the pipeline's thread.
    expect(s0.embedThreadMs).toBeNull();
    expect(s0.framesOverlapped).toBe(0);
  });
});
