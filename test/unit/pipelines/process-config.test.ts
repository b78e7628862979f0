import { DEFAULT_PROCESS_CONFIG, DETECTOR_PRESETS, PIPELINE_TRACKER_OVERRIDES, parseProcessConfig } from '../../../pipelines';
import { ConfigError } from '../../../src/contracts';
import { DEFAULT_FACE_API_FACE_DETECTOR_CONFIG, DEFAULT_HUMAN_FACE_DETECTOR_CONFIG, DEFAULT_QUALITY_CONFIG, DEFAULT_TRACKER_CONFIG } from '../../../src/track';

describe('parseProcessConfig', () => {
  it('fills documented defaults and freezes every level', () => {
    const c = DEFAULT_PROCESS_CONFIG;
    expect(c.decode).toEqual({ fps: 5, analysisMaxWidth: 640, startMs: 0, durationMs: null, maxBufferedFrames: 2, onDamage: 'stop', stallTimeoutMs: 60000, fullFrameFormat: 'yuv420p' });
    expect(c.align).toEqual({ modelSizePx: 128, quadScale: 1, lrScale: 8, exportMaxPx: 512 });
    expect(c.retention).toEqual({ cropsPerTrack: 8 });
    expect(c.embed).toEqual({ topK: 8, worker: true });
    expect(c.fusion).toEqual({ method: 'mean-3sigma', sigmaThreshold: 3 });
    expect(c.embedder).toBe('faceres');
    expect(c.tracker).toEqual({ ...DEFAULT_TRACKER_CONFIG, ...PIPELINE_TRACKER_OVERRIDES });
    expect(c.quality).toEqual(DEFAULT_QUALITY_CONFIG);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.decode)).toBe(true);
    expect(Object.isFrozen(c.quality.weights)).toBe(true);
    expect(() => {
      (c.decode as { fps: number }).fps = 9;
    }).toThrow(TypeError);
  });

  it('takes partial sections and passes stage sections to their own parsers', () => {
    const c = parseProcessConfig({ decode: { fps: 2 }, tracker: { minHits: 2 }, detector: { minConfidence: 0.5 }, quality: { weights: { size: 0 } } });
    expect(c.decode.fps).toBe(2);
    expect(c.decode.analysisMaxWidth).toBe(640);
    expect(c.tracker.minHits).toBe(2);
    expect(c.tracker.reentryMinCosine).toBe(PIPELINE_TRACKER_OVERRIDES.reentryMinCosine);
    expect(c.detector.minConfidence).toBe(0.5);
    expect(c.quality.weights.size).toBe(0);
    expect(c.quality.weights.frontal).toBe(0.35);
    expect(parseProcessConfig({ tracker: { reentryMinCosine: 0.9 } }).tracker.reentryMinCosine).toBe(0.9);
  });

  it('rejects unknown keys at every level, naming them', () => {
    expect(() => parseProcessConfig({ decod: {} })).toThrow('invalid process config: unknown key(s) "decod"');
    expect(() => parseProcessConfig({ decode: { fsp: 3 } })).toThrow('invalid process config: decode: unknown key(s) "fsp"');
    expect(() => parseProcessConfig({ tracker: { minHit: 3 } })).toThrow(/invalid process config: tracker: .*minHit/);
    expect(() => parseProcessConfig({ detector: { tileSize: 3 } })).toThrow(/invalid process config: detector: .*"tileSize"/);
  });

  it('rejects bad values with the key path, what was expected and the valid choices', () => {
    expect(() => parseProcessConfig({ decode: { fps: 0 } })).toThrow(/decode\.fps: Number must be greater than 0/);
    expect(() => parseProcessConfig({ embedder: 'arcface' })).toThrow(/embedder: Invalid enum value. Expected 'faceres' \| 'dlib-resnet' \| 'lbp', received 'arcface'/);
    expect(() => parseProcessConfig({ fusion: { method: 'median' } })).toThrow(/fusion\.method: Invalid enum value. Expected 'mean-3sigma' \| 'mean' \| 'quality-weighted'/);
    expect(() => parseProcessConfig({ align: { lrScale: 3 } })).toThrow('invalid process config: align.lrScale: must divide modelSizePx (128), received 3');
    expect(() => parseProcessConfig({ retention: { cropsPerTrack: 0 } })).toThrow(/retention\.cropsPerTrack/);
    expect(() => parseProcessConfig({ embed: { topK: -1 } })).toThrow('invalid process config: embed.topK: Number must be greater than or equal to 0');
    expect(() => parseProcessConfig({ embed: { topK: 2.5 } })).toThrow('invalid process config: embed.topK: Expected integer, received float');
    expect(() => parseProcessConfig({ embed: { topk: 2 } })).toThrow('invalid process config: embed: unknown key(s) "topk"');
    expect(parseProcessConfig({ embed: { topK: 0 } }).embed.topK).toBe(0);
    expect(parseProcessConfig({ embed: { worker: false } }).embed).toEqual({ topK: 8, worker: false });
    expect(() => parseProcessConfig({ embed: { worker: 'yes' } })).toThrow('invalid process config: embed.worker: Expected boolean, received string');
    expect(parseProcessConfig({}).smallFaces.worker).toBe(false);
    expect(parseProcessConfig({ smallFaces: { worker: true } }).smallFaces.worker).toBe(true);
    expect(() => parseProcessConfig({ smallFaces: { worker: 1 } })).toThrow('invalid process config: smallFaces.worker: Expected boolean, received number');
    expect(() => parseProcessConfig({ tracker: 5 })).toThrow('invalid process config: tracker: expected an object, received 5');
    expect(() => parseProcessConfig({ decode: { fps: 0 } })).toThrow(ConfigError);
    expect(() => parseProcessConfig({ decode: { fullFrameFormat: 'rgb' } })).toThrow(/decode\.fullFrameFormat: Invalid enum value. Expected 'yuv420p' \| 'rgb24', received 'rgb'/);
    expect(parseProcessConfig({ decode: { fullFrameFormat: 'rgb24' } }).decode.fullFrameFormat).toBe('rgb24');
  });

  describe('detector choice', () => {
    it("defaults to Human with its defaults, name 'human'", () => {
      expect(DEFAULT_PROCESS_CONFIG.detector).toEqual({ name: 'human', ...DEFAULT_HUMAN_FACE_DETECTOR_CONFIG });
    });

    it('face-api-ssd / face-api-tiny: face-api settings with the model fixed by the name', () => {
      expect(parseProcessConfig({ detector: { name: 'face-api-ssd', minConfidence: 0.2 } }).detector).toEqual({
        ...DEFAULT_FACE_API_FACE_DETECTOR_CONFIG,
        name: 'face-api-ssd',
        model: 'ssd',
        minConfidence: 0.2,
      });
      expect(parseProcessConfig({ detector: { name: 'face-api-tiny', tinyInputSizePx: 608 } }).detector).toMatchObject({ name: 'face-api-tiny', model: 'tiny', tinyInputSizePx: 608 });
    });

    it("the 'cctv' preset is SSD at minConfidence 0.15, refined by the detector section", () => {
      expect(DETECTOR_PRESETS.cctv).toEqual({ name: 'face-api-ssd', minConfidence: 0.15 });
      expect(parseProcessConfig({ detectorPreset: 'cctv' }).detector).toMatchObject({ name: 'face-api-ssd', model: 'ssd', minConfidence: 0.15, tileSizePx: null });
      expect(parseProcessConfig({ detectorPreset: 'cctv', detector: { tileSizePx: 640 } }).detector).toMatchObject({ name: 'face-api-ssd', minConfidence: 0.15, tileSizePx: 640 });
    });

    it('a parsed config parses again to itself (what a queue worker receives): the default, the cctv preset, a tuned Human', () => {
      for (const input of [{}, { detectorPreset: 'cctv' }, { detector: { name: 'face-api-tiny' } }, { detector: { tileSizePx: 256 }, smallFaces: { enabled: false }, join: { minCosine: 0.75 } }, { decode: { fullFrameFormat: 'rgb24' } }, { embed: { worker: false }, smallFaces: { worker: false } }]) {
        const parsed = parseProcessConfig(input);
        expect(parseProcessConfig(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
      }
    });

    it('rejects an unknown name, a model key, settings of the other detector and an unknown preset', () => {
      expect(() => parseProcessConfig({ detector: { name: 'yolo' } })).toThrow(
        `invalid process config: detector: name: expected one of 'human', 'face-api-ssd', 'face-api-tiny', received "yolo"`,
      );
      expect(() => parseProcessConfig({ detector: { name: 'face-api-ssd', model: 'tiny' } })).toThrow(`detector: model: set by the detector name ('face-api-ssd' runs 'ssd'), remove the key; received "tiny"`);
      expect(() => parseProcessConfig({ detector: { name: 'face-api-ssd', upscale: 2 } })).toThrow(/detector: invalid FaceApiFaceDetector config: unknown key\(s\) "upscale"/);
      expect(() => parseProcessConfig({ detector: { tinyInputSizePx: 608 } })).toThrow(/detector: invalid HumanFaceDetector config: unknown key\(s\) "tinyInputSizePx"/);
      expect(() => parseProcessConfig({ detectorPreset: 'night' })).toThrow(/detectorPreset: Invalid enum value. Expected 'cctv', received 'night'/);
      expect(() => parseProcessConfig({ detector: 'human' })).toThrow('invalid process config: detector: expected an object, received "human"');
    });
  });
});
