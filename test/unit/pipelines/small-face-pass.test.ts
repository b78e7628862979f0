import { parseProcessConfig, SmallFacePass, type GateReason } from '../../../pipelines';

const HD = { width: 1280, height: 720 };

/** Runs the pass's decisions over frames at `ptsMs` (motion gate reason `gate`, default 'change'), recording `added[i]` faces after each run; returns the reasons. */
function reasons(pass: SmallFacePass, frame: { width: number; height: number }, ptsMs: readonly number[], added: readonly number[], gate: readonly GateReason[] = []): string[] {
  return ptsMs.map((pts, i) => {
    const d = pass.decide({ ...frame, ptsMs: pts }, gate[i] ?? 'change');
    if (d.run) pass.record(pts, added[i] ?? 0);
    return d.reason;
  });
}

describe('SmallFacePass', () => {
  it('probes every probeIntervalMs while it finds nothing, and runs on every frame while it finds small faces', () => {
    const pass = new SmallFacePass(parseProcessConfig({}).smallFaces);
    const pts = [0, 200, 400, 1800, 2000, 2200, 2400, 2600, 2800, 4600, 4800];
    const found = [0, 0, 0, 0, 3, 2, 0, 0, 0, 0, 0];
    expect(reasons(pass, HD, pts, found)).toEqual(['probe', 'idle', 'idle', 'idle', 'probe', 'found', 'found', 'idle', 'idle', 'probe', 'idle']);
    expect(pass.reasonCounts()).toEqual({ off: 0, 'frame-too-small': 0, probe: 3, found: 2, idle: 6 });
  });

  it("on frames the motion gate let through only for its interval (nothing changed), probes every idleProbeIntervalMs", () => {
    const pass = new SmallFacePass(parseProcessConfig({}).smallFaces);
    // A static view: the gate detects every 2 s ('interval'); a change at 26 s probes at once (>= 2 s since the last probe).
    const pts = [0, 2000, 4000, 18000, 20000, 22000, 26000, 26200, 28000];
    const gate: GateReason[] = ['first', 'interval', 'interval', 'interval', 'interval', 'interval', 'change', 'change', 'track'];
    expect(reasons(pass, HD, pts, [], gate)).toEqual(['probe', 'idle', 'idle', 'idle', 'probe', 'idle', 'probe', 'idle', 'probe']);
    const every = new SmallFacePass(parseProcessConfig({ smallFaces: { idleProbeIntervalMs: 2000 } }).smallFaces);
    expect(reasons(every, HD, [0, 2000, 4000], [], ['first', 'interval', 'interval'])).toEqual(['probe', 'probe', 'probe']);
  });

  it('never runs on frames below minFrameSidePx (shorter side), nor when off; probeIntervalMs 0 runs on every frame', () => {
    const small = new SmallFacePass(parseProcessConfig({}).smallFaces);
    expect(reasons(small, { width: 640, height: 360 }, [0, 200], [5, 5])).toEqual(['frame-too-small', 'frame-too-small']);
    // A 1080x1920 portrait frame is 720p and up by its shorter side.
    expect(reasons(new SmallFacePass(parseProcessConfig({}).smallFaces), { width: 1080, height: 1920 }, [0, 200], [0, 0])).toEqual(['probe', 'idle']);
    const off = new SmallFacePass(parseProcessConfig({ smallFaces: { enabled: false } }).smallFaces);
    expect(reasons(off, HD, [0, 5000], [0, 0])).toEqual(['off', 'off']);
    const every = new SmallFacePass(parseProcessConfig({ smallFaces: { probeIntervalMs: 0 } }).smallFaces);
    expect(reasons(every, HD, [0, 200, 400], [0, 0, 0])).toEqual(['probe', 'probe', 'probe']);
    const low = new SmallFacePass(parseProcessConfig({ smallFaces: { minFrameSidePx: 360 } }).smallFaces);
    expect(reasons(low, { width: 640, height: 360 }, [0], [0])).toEqual(['probe']);
  });
});

describe('the smallFaces section of the process config', () => {
  it('is on by default with SSD at 0.15; off when the config names a detector or a preset; an explicit value wins', () => {
    const d = parseProcessConfig({}).smallFaces;
    expect(d).toMatchObject({ enabled: true, minFrameSidePx: 720, maxFacePx: 96, probeIntervalMs: 2000, idleProbeIntervalMs: 20000 });
    expect(d.detector).toMatchObject({ model: 'ssd', minConfidence: 0.15, tileSizePx: null });
    expect(Object.isFrozen(d.detector)).toBe(true);
    expect(parseProcessConfig({ detector: { minConfidence: 0.5 } }).smallFaces.enabled).toBe(true);
    expect(parseProcessConfig({ detector: { name: 'human' } }).smallFaces.enabled).toBe(false);
    expect(parseProcessConfig({ detectorPreset: 'cctv' }).smallFaces.enabled).toBe(false);
    expect(parseProcessConfig({ detectorPreset: 'cctv', smallFaces: { enabled: true } }).smallFaces.enabled).toBe(true);
    expect(parseProcessConfig({ smallFaces: { enabled: false } }).smallFaces.enabled).toBe(false);
    expect(parseProcessConfig({ smallFaces: { detector: { minConfidence: 0.3, tileSizePx: 640, tileOverlapPx: 96 } } }).smallFaces.detector).toMatchObject({ minConfidence: 0.3, tileSizePx: 640 });
  });

  it('rejects bad values and unknown keys, naming them', () => {
    expect(() => parseProcessConfig({ smallFaces: { enable: true } })).toThrow('invalid process config: smallFaces: unknown key(s) "enable"');
    expect(() => parseProcessConfig({ smallFaces: { maxFacePx: 0 } })).toThrow(/smallFaces\.maxFacePx: Number must be greater than 0/);
    expect(() => parseProcessConfig({ smallFaces: { probeIntervalMs: 1.5 } })).toThrow(/smallFaces\.probeIntervalMs: Expected integer/);
    expect(() => parseProcessConfig({ smallFaces: { idleProbeIntervalMs: -1 } })).toThrow(/smallFaces\.idleProbeIntervalMs: Number must be greater than or equal to 0/);
    expect(() => parseProcessConfig({ smallFaces: { detector: { model: 'tiny' } } })).toThrow(`smallFaces.detector: model: the small-face pass runs 'ssd', remove the key; received "tiny"`);
    expect(() => parseProcessConfig({ smallFaces: { detector: { minConfidence: 2 } } })).toThrow(/smallFaces\.detector: invalid FaceApiFaceDetector config: minConfidence/);
    expect(() => parseProcessConfig({ smallFaces: { detector: 'ssd' } })).toThrow('smallFaces.detector: expected an object, received "ssd"');
  });
});
