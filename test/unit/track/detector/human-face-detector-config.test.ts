import { ConfigError } from '../../../../src/contracts';
import { DEFAULT_HUMAN_FACE_DETECTOR_CONFIG, parseHumanFaceDetectorConfig } from '../../../../src/track/detector';

describe('parseHumanFaceDetectorConfig', () => {
  it('fills the documented defaults and freezes the result', () => {
    const c = parseHumanFaceDetectorConfig({});
    expect(c).toEqual({
      minConfidence: 0.3,
      maxFaces: 50,
      minFaceSizePx: 0,
      iouThreshold: 0.3,
      tileSizePx: null,
      tileOverlapPx: 64,
      upscale: 1,
      rotationCorrection: false,
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(DEFAULT_HUMAN_FACE_DETECTOR_CONFIG)).toBe(true);
  });

  it('keeps given values', () => {
    const c = parseHumanFaceDetectorConfig({ minConfidence: 0.5, tileSizePx: 320, tileOverlapPx: 80, upscale: 2 });
    expect(c.minConfidence).toBe(0.5);
    expect(c.tileSizePx).toBe(320);
    expect(c.tileOverlapPx).toBe(80);
    expect(c.upscale).toBe(2);
  });

  it('rejects an unknown (misspelled) key and lists the valid ones', () => {
    expect(() => parseHumanFaceDetectorConfig({ minConfidnce: 0.5 })).toThrow(ConfigError);
    expect(() => parseHumanFaceDetectorConfig({ minConfidnce: 0.5 })).toThrow(/unknown key\(s\) "minConfidnce" \(valid keys: minConfidence, maxFaces,/);
  });

  it('names the field and the received value for out-of-range numbers', () => {
    expect(() => parseHumanFaceDetectorConfig({ minConfidence: 1.5 })).toThrow(/minConfidence: Number must be less than or equal to 1/);
    expect(() => parseHumanFaceDetectorConfig({ maxFaces: 2.5 })).toThrow(/maxFaces: Expected integer/);
    expect(() => parseHumanFaceDetectorConfig({ upscale: 8 })).toThrow(/upscale/);
    expect(() => parseHumanFaceDetectorConfig({ tileSizePx: 32 })).toThrow(/tileSizePx/);
  });

  it('rejects an overlap not smaller than the tile', () => {
    expect(() => parseHumanFaceDetectorConfig({ tileSizePx: 128, tileOverlapPx: 128 })).toThrow(/tileOverlapPx: must be less than tileSizePx \(128\), received 128/);
  });

  it('has a ConfigError code', () => {
    try {
      parseHumanFaceDetectorConfig({ iouThreshold: 0 });
      throw new Error('expected a throw');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe('E_CONFIG');
    }
  });
});
