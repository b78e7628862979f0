import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeProcessDeps, createProcessDeps, parseProcessConfig, processSource, type ComputeStats, type CreatedProcessDeps, type ProcessDeps } from '../../../pipelines';
import type { Frame } from '../../../src/contracts';
import { openStore, type Store } from '../../../src/store';

const VIDEOS = path.resolve(__dirname, '../../../../shared/data/videos');
// An empty room (no one in view at 0 s): the static camera view.
const ROOM = path.join(VIDEOS, 'intel-sample-videos/one-by-one-person-detection.mp4');
const TALKER = path.join(VIDEOS, 'sadtalker-hdtf/WDA_KatieHill_000.mp4');

// The clip: 24 s at 10 fps, 640x360: the room with temporal sensor noise; from 20 s a talking head
// (200x200 at x 380, y 100) appears for the rest of the clip: an event after a 20-s static stretch.
const EVENT_MS = 20000;
const EVENT_BOX = { x: 380, y: 100, w: 200, h: 200 };

jest.setTimeout(240000); // loaded 2-core machines

/** The same deps with the real detector behind a counter: the pts of every frame it was called on. */
function countingDeps(deps: ProcessDeps, calls: number[]): ProcessDeps {
  const real = deps.detector;
  return { ...deps, detector: { id: real.id, close: () => real.close(), detect: (f: Frame) => (calls.push(f.ptsMs), real.detect(f)) } };
}

describe('motion gate on a static camera view with one event (real ffmpeg, Human on wasm)', () => {
  let deps: CreatedProcessDeps;
  let dir = '';
  let store: Store;
  let clip = '';

  beforeAll(async () => {
    deps = await createProcessDeps(parseProcessConfig({}), 'wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-gate-'));
    store = openStore(path.join(dir, 'gate.sqlite'));
    const room = path.join(dir, 'room.png');
    clip = path.join(dir, 'room-event.mp4');
    const ff = deps.binaries.ffmpeg.path;
    execFileSync(ff, ['-v', 'error', '-y', '-i', ROOM, '-frames:v', '1', '-vf', 'scale=640:360', room]);
    const graph = `[0:v]noise=alls=3:allf=t[bg];[1:v]scale=${EVENT_BOX.w}:${EVENT_BOX.h},setpts=PTS-STARTPTS+${EVENT_MS / 1000}/TB[fg];[bg][fg]overlay=x=${EVENT_BOX.x}:y=${EVENT_BOX.y}:eof_action=pass,format=yuv420p[v]`;
    execFileSync(ff, ['-v', 'error', '-y', '-loop', '1', '-framerate', '10', '-t', '24', '-i', room, '-i', TALKER, '-filter_complex', graph, '-map', '[v]', '-an', '-r', '10', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', clip]);
  }, 120000);

  afterAll(async () => {
    store.close();
    await closeProcessDeps(deps);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a static stretch is kept from the detector (one full detection per interval); switched off, every frame is detected', async () => {
    const range = { startMs: 0, durationMs: 10000 }; // 50 frames at 5 fps, nothing moves but noise
    const calls: number[] = [];
    let stats: ComputeStats | null = null;
    const on = await processSource(store, clip, parseProcessConfig({ decode: range }), countingDeps(deps, calls), { onStats: (s) => (stats = s) });
    expect(on).toMatchObject({ status: 'done', frames: 50, faces: 0, tracks: 0 });
    // The first frame, then one every fullDetectionIntervalMs (2000): 0, 2, 4, 6, 8 s. Noise never counts as change.
    expect(calls).toEqual([0, 2000, 4000, 6000, 8000]);
    expect(stats).toMatchObject({ framesDetected: 5, framesGated: 45, gateReasons: { first: 1, interval: 4, change: 0, track: 0, static: 45 } });

    const offCalls: number[] = [];
    const off = await processSource(store, clip, parseProcessConfig({ decode: { startMs: 0, durationMs: 2000 }, motionGate: { enabled: false } }), countingDeps(deps, offCalls));
    expect(off).toMatchObject({ status: 'done', frames: 10 });
    expect(offCalls).toHaveLength(10);
  });

  it('an event after the 20-s static stretch is found at once and tracked while it lasts', async () => {
    const calls: number[] = [];
    const o = await processSource(store, clip, parseProcessConfig({}), countingDeps(deps, calls));
    expect(o).toMatchObject({ status: 'done', frames: 120, tracks: 1 });
    // Static part: 10 interval detections in 100 frames; from 20 s on every frame (change, then a live track).
    expect(calls.filter((p) => p < EVENT_MS)).toHaveLength(10);
    expect(calls.filter((p) => p >= EVENT_MS)).toHaveLength(20);
    const [t] = store.listTracks({ sourceId: o.sourceId!, limit: 10 }).items.map((x) => store.getTrack(x.id));
    expect(t!.track.firstPtsMs).toBe(EVENT_MS); // the first frame of the event was detected
    expect(t!.detections.length).toBeGreaterThanOrEqual(15);
    for (const d of t!.detections) {
      const [x, y, w, h] = d.bboxXYWH;
      expect(x + w / 2).toBeGreaterThan(EVENT_BOX.x);
      expect(x + w / 2).toBeLessThan(EVENT_BOX.x + EVENT_BOX.w);
      expect(y + h / 2).toBeGreaterThan(EVENT_BOX.y);
      expect(y + h / 2).toBeLessThan(EVENT_BOX.y + EVENT_BOX.h);
    }
  });
});
