import * as path from 'node:path';
import { closeProcessDeps, computeSourceResults, createProcessDeps, parseProcessConfig, type CreatedProcessDeps } from '../../../pipelines';

const VIDEOS = path.resolve(__dirname, '../../../../shared/data/videos');
const PORTRAIT = path.join(VIDEOS, 'single-face-tracking-demo/my_video.mp4');
const OPENPOSE = path.join(VIDEOS, 'openpose/video.avi');

jest.setTimeout(240000); // loaded 2-core machines: each clip is processed twice

/**
 * decode.fullFrameFormat 'yuv420p' (the default) against 'rgb24' (ffmpeg converts every frame, the
 * behaviour before): the same footage gives exactly the same tracks (detections, quality, crops,
 * embeddings, F_M), since the crops are cut from bytes equal to ffmpeg's rgb24 frame. Exact
 * equality holds with this project's ffmpeg (5.1, x86: the conversion is bit-exact,
 * test/integration/ingest/yuv420-full-frames.test.ts).
 */
describe('decode.fullFrameFormat yuv420p keeps every track of the shared clips', () => {
  let deps: CreatedProcessDeps;

  beforeAll(async () => {
    deps = await createProcessDeps(parseProcessConfig({}), 'wasm');
  }, 120000);

  afterAll(async () => {
    await closeProcessDeps(deps);
  });

  it.each([
    // 1080x1920 portrait, BT.601 (smpte170m), one face in most frames: big crops, shrunk.
    ['single-face 1080x1920', PORTRAIT, { startMs: 0, durationMs: 4000 }],
    // 1280x720 street, BT.709, faces of 15–30 px (the small-face pass, on the full frame when it found faces).
    ['openpose 1280x720', OPENPOSE, {}],
  ] as const)('%s: the same tracks as with rgb24 frames', async (_name, file, range) => {
    const yuv = await computeSourceResults(file, 1, parseProcessConfig({ decode: range }), deps);
    const rgb = await computeSourceResults(file, 1, parseProcessConfig({ decode: { ...range, fullFrameFormat: 'rgb24' } }), deps);
    expect(yuv.analysisError).toBeNull();
    expect(yuv.decodeError).toBeNull();
    expect(yuv.frames).toBeGreaterThan(15);
    expect(yuv.faces).toBeGreaterThan(0);
    expect(yuv.tracks.length).toBeGreaterThan(0);
    expect(yuv).toEqual(rgb);
  });
});
