import { encodeWire, parseIngestJobData, parseSrJobData, sourceComputationFromWire, srJobOutputFromWire } from '../../../pipelines/queue';

const computation = {
  frames: 3,
  faces: 2,
  confirmedTracks: 1,
  droppedNoPose: 0,
  droppedDegenerate: 0,
  firstPtsMs: 0,
  lastPtsMs: 400,
  tracks: [{ trackKey: 0, lr0Index: 0, detections: [{ crops: [{ kind: 'lr0-model', image: new Uint8Array([137, 80]) }], embeddings: [{ vector: new Float32Array([0.5]) }] }] }],
  decodeError: { message: 'damaged at 1.2 s', damaged: true },
  analysisError: null,
};

describe('job data and results across the wire', () => {
  test('a source computation comes back with its typed arrays', () => {
    const back = sourceComputationFromWire(JSON.parse(JSON.stringify(encodeWire(computation))));
    expect(back.decodeError).toEqual({ message: 'damaged at 1.2 s', damaged: true });
    const det = back.tracks[0]?.detections[0];
    expect(det?.crops?.[0]?.image).toBeInstanceOf(Uint8Array);
    expect(det?.embeddings?.[0]?.vector).toEqual(new Float32Array([0.5]));
  });

  test('a result of another shape is refused with what is wrong', () => {
    expect(() => sourceComputationFromWire({ ...computation, frames: 'x', tracks: [] })).toThrow('ingest job result: frames must be a number');
    expect(() => sourceComputationFromWire({ ...computation, tracks: {} })).toThrow('ingest job result: tracks must be an array');
    expect(() => sourceComputationFromWire({ ...computation, tracks: [], decodeError: 'x' })).toThrow('ingest job result: decodeError must be null or { message, damaged }');
    expect(() => srJobOutputFromWire({ png: 'x' })).toThrow('sr job result: expected an SR output (png, modelSha256, sampler, seed, ...)');
  });

  test('job data is checked strictly as it comes out of Redis', () => {
    const ok = { v: 1, path: '/srv/a.mp4', sizeBytes: 10, sourceId: 1, config: {} };
    expect(parseIngestJobData(ok)).toEqual(ok);
    expect(() => parseIngestJobData({ ...ok, v: 2 })).toThrow('ingest job: invalid data: v: Invalid literal value, expected 1');
    expect(() => parseIngestJobData({ ...ok, extra: 1 })).toThrow("ingest job: invalid data: (data): Unrecognized key(s) in object: 'extra'");
    const sr = {
      v: 2,
      model: { model: null, config: null, engine: 'tfjs' },
      modelSha256: 'a'.repeat(64),
      options: { seed: 0, conditioning: 'fm' },
      request: { lrImageHWC: new Float32Array(2 * 2 * 3), size: 2, featureVector: new Float32Array([0.5, -0.5]), seed: 0 },
      provenance: { trackId: 1, sourcePath: '/srv/a.mp4', lr0CropKind: 'lr0-model', lr0Input: 'lr0-model, as stored', embedderId: 'faceres' },
    };
    expect(parseSrJobData(sr)).toEqual(sr);
    expect(() => parseSrJobData({ ...sr, options: { seed: -1, conditioning: 'fm' } })).toThrow('sr job: invalid data: options.seed: Number must be greater than or equal to 0');
    expect(() => parseSrJobData({ ...sr, model: { model: null, config: null, engine: 'cuda' } })).toThrow("sr job: invalid data: model.engine: Invalid enum value. Expected 'onnx' | 'tfjs', received 'cuda'");
  });
});

describe('an SR job carries an SrRequest', () => {
  const sr = {
    v: 2,
    model: { model: null, config: null, engine: 'tfjs' },
    modelSha256: 'a'.repeat(64),
    options: { seed: 4, conditioning: 'zero' },
    request: { lrImageHWC: new Float32Array([0.25, 0.5, 0.75]), size: 1, featureVector: null, seed: 4 },
    provenance: { trackId: 9, sourcePath: '/srv/a.mp4', lr0CropKind: 'aligned-full', lr0Input: 'aligned-full, 16 px native', embedderId: null },
  };

  test('its float32 data comes back from the wire bit for bit', () => {
    const back = parseSrJobData(JSON.parse(JSON.stringify(encodeWire(sr))));
    expect(back.request.lrImageHWC).toEqual(new Float32Array([0.25, 0.5, 0.75]));
    expect(back).toEqual(sr);
  });

  test('a request that disagrees with its options, or store rows in its place, is refused', () => {
    expect(() => parseSrJobData({ ...sr, request: { ...sr.request, seed: 5 } })).toThrow("sr job: invalid data: request.seed: expected the options' seed 4, received 5");
    expect(() => parseSrJobData({ ...sr, request: { ...sr.request, featureVector: new Float32Array([1]) } })).toThrow("sr job: invalid data: request.featureVector: conditioning 'zero' takes no F_M");
    expect(() => parseSrJobData({ ...sr, request: { ...sr.request, lrImageHWC: [0.25] } })).toThrow('sr job: invalid data: request.lrImageHWC: expected float32 data');
    expect(() => parseSrJobData({ ...sr, v: 1, track: {} })).toThrow("sr job: invalid data: v: Invalid literal value, expected 2; (data): Unrecognized key(s) in object: 'track'");
  });
});
