import { DEFAULT_PROCESS_CONFIG, DetectionGate, parseProcessConfig } from '../../../pipelines';
import type { DecodedFrame } from '../../../src/ingest';
import type { Detection } from '../../../src/contracts';
import type { TrackEvent } from '../../../src/track';

const W = 160;
const H = 90;

/** A grey 160x90 frame, with a bright 20x20 square at x when given. */
function frame(index: number, ptsMs: number, squareX?: number): DecodedFrame {
  const rgb = new Uint8Array(W * H * 3).fill(90);
  if (squareX !== undefined) {
    for (let y = 30; y < 50; y++) for (let x = squareX; x < squareX + 20; x++) rgb.set([240, 240, 240], (y * W + x) * 3);
  }
  return { sourceId: 1, index, ptsMs, width: W, height: H, rgb, analysis: null, yuv: null };
}

const gateConfig = parseProcessConfig({ motionGate: { thumbnailWidthPx: 16, fullDetectionIntervalMs: 1000 } }).motionGate;

/** Runs frames at 5 fps through a gate; `detectionsAt(i)` is the detection count the detector "found" on frame i. */
function run(gate: DetectionGate, frames: readonly DecodedFrame[], detectionsAt: (i: number) => number = () => 0, eventsAt: (i: number) => TrackEvent<Detection>[] = () => []): string[] {
  return frames.map((f, i) => {
    const d = gate.decide(f);
    gate.recordFrame(f, d, d.detect ? detectionsAt(i) : 0, eventsAt(i));
    return d.reason;
  });
}

describe('DetectionGate', () => {
  it('is on by default with documented settings', () => {
    expect(DEFAULT_PROCESS_CONFIG.motionGate).toEqual({ enabled: true, thumbnailWidthPx: 64, minGreyDelta: 8, minChangedFraction: 0.001, fullDetectionIntervalMs: 2000 });
  });

  it('a static view: the first frame, then one full detection per interval; the rest gated', () => {
    const frames = Array.from({ length: 11 }, (_, i) => frame(i, i * 200));
    expect(run(new DetectionGate(gateConfig), frames)).toEqual(['first', 'static', 'static', 'static', 'static', 'interval', 'static', 'static', 'static', 'static', 'interval']);
  });

  it('a change against the last detected frame is detected; the next static frame is compared with it', () => {
    const frames = [frame(0, 0), frame(1, 200), frame(2, 400, 40), frame(3, 600, 40), frame(4, 800, 80)];
    expect(run(new DetectionGate(gateConfig), frames)).toEqual(['first', 'static', 'change', 'static', 'change']);
  });

  it('never gates while a track is alive: detections in the last frame, or a confirmed track until it is finished', () => {
    const frames = Array.from({ length: 8 }, (_, i) => frame(i, i * 200));
    const confirmed: TrackEvent<Detection> = { kind: 'confirmed', trackKey: 1, frameIndex: 1, ptsMs: 200, detections: [] };
    const finished: TrackEvent<Detection> = { kind: 'finished', track: { trackKey: 1, detections: [], embeddings: [], firstPtsMs: 0, lastPtsMs: 200, reentries: 0 } };
    const reasons = run(
      new DetectionGate(gateConfig),
      frames,
      (i) => (i <= 1 ? 1 : 0),
      (i) => (i === 1 ? [confirmed] : i === 4 ? [finished] : []),
    );
    // Frames 2–4: track alive (frame 1 had a face, track 1 confirmed until finished at frame 4); then static.
    expect(reasons).toEqual(['first', 'track', 'track', 'track', 'track', 'static', 'static', 'static']);
  });

  it('switched off: every frame goes to the detector', () => {
    const off = parseProcessConfig({ motionGate: { enabled: false } }).motionGate;
    const gate = new DetectionGate(off);
    expect(run(gate, Array.from({ length: 4 }, (_, i) => frame(i, i * 200)))).toEqual(['off', 'off', 'off', 'off']);
    expect(gate.reasonCounts()).toMatchObject({ off: 4, static: 0 });
  });

  it('refuses bad or unknown settings, naming them', () => {
    expect(() => parseProcessConfig({ motionGate: { enable: false } })).toThrow('invalid process config: motionGate: unknown key(s) "enable"');
    expect(() => parseProcessConfig({ motionGate: { minChangedFraction: 0 } })).toThrow(/motionGate.minChangedFraction/);
    expect(() => parseProcessConfig({ motionGate: { fullDetectionIntervalMs: -1 } })).toThrow(/motionGate.fullDetectionIntervalMs/);
  });
});
