import { ConfigError } from '../../../../src/contracts';
import { DEFAULT_FACE_API_FACE_DETECTOR_CONFIG, parseFaceApiFaceDetectorConfig } from '../../../../src/track/detector';

describe('parseFaceApiFaceDetectorConfig', () => {
  it('fills the documented defaults and freezes the result', () => {
    const c = parseFaceApiFaceDetectorConfig({});
    expect(c).toEqual({
      model: 'ssd',
      landmarks: '68',
      minConfidence: 0.3,
      tinyInputSizePx: 416,
      maxFaces: 50,
      minFaceSizePx: 0,
      iouThreshold: 0.3,
      tileSizePx: null,
      tileOverlapPx: 64,
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(DEFAULT_FACE_API_FACE_DETECTOR_CONFIG).toEqual(c);
  });

  it('keeps given values', () => {
    const c = parseFaceApiFaceDetectorConfig({ model: 'tiny', landmarks: '68-tiny', tinyInputSizePx: 608, minConfidence: 0.15, tileSizePx: 640, tileOverlapPx: 96 });
    expect(c).toMatchObject({ model: 'tiny', landmarks: '68-tiny', tinyInputSizePx: 608, minConfidence: 0.15, tileSizePx: 640, tileOverlapPx: 96 });
  });

  it('rejects an unknown key, listing the valid ones', () => {
    expect(() => parseFaceApiFaceDetectorConfig({ minConfidnce: 0.5 })).toThrow(ConfigError);
    expect(() => parseFaceApiFaceDetectorConfig({ minConfidnce: 0.5 })).toThrow(/unknown key\(s\) "minConfidnce" \(valid keys: model, landmarks, minConfidence, tinyInputSizePx,/);
  });

  it('rejects bad values with the key, the expectation and the choices', () => {
    expect(() => parseFaceApiFaceDetectorConfig({ model: 'mtcnn' })).toThrow(/model: Invalid enum value. Expected 'ssd' \| 'tiny', received 'mtcnn'/);
    expect(() => parseFaceApiFaceDetectorConfig({ landmarks: '5' })).toThrow(/landmarks: Invalid enum value. Expected '68' \| '68-tiny'/);
    expect(() => parseFaceApiFaceDetectorConfig({ tinyInputSizePx: 400 })).toThrow('invalid FaceApiFaceDetector config: tinyInputSizePx: must be a multiple of 32');
    expect(() => parseFaceApiFaceDetectorConfig({ tinyInputSizePx: 640 })).toThrow(/tinyInputSizePx: Number must be less than or equal to 608/);
    expect(() => parseFaceApiFaceDetectorConfig({ minConfidence: 1.5 })).toThrow(/minConfidence: Number must be less than or equal to 1/);
    expect(() => parseFaceApiFaceDetectorConfig({ tileSizePx: 256, tileOverlapPx: 256 })).toThrow('invalid FaceApiFaceDetector config: tileOverlapPx: must be less than tileSizePx (256), received 256');
    expect(() => parseFaceApiFaceDetectorConfig({ tileSizePx: 32 })).toThrow(/tileSizePx: Number must be greater than or equal to 64/);
  });
});
