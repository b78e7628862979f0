import { ConfigError } from '../../../src/contracts';
import type { CropRow, SrOutputRow } from '../../../src/store';
import { DEFAULT_KEEP_NATIVE_MIN_SIDE_PX, decideKeepNative, findStoredSrOutput, keepNativeReason, parseKeepNativeMinSidePx, parsePipeline } from '../../../pipelines';

const LR0 = 10;

function crop(id: number, detectionId: number, kind: string, widthPx: number, heightPx = widthPx): CropRow {
  return { id, detectionId, kind, format: 'png', widthPx, heightPx, image: new Uint8Array([1]) };
}

function track(crops: CropRow[]): { track: { lr0DetectionId: number }; crops: CropRow[] } {
  return { track: { lr0DetectionId: LR0 }, crops };
}

describe('parseKeepNativeMinSidePx: the keep-native threshold as a config gives it', () => {
  it('defaults to 128; null and 0 turn the rule off; an integer in [1, 4096] is taken', () => {
    expect(DEFAULT_KEEP_NATIVE_MIN_SIDE_PX).toBe(128);
    expect(parseKeepNativeMinSidePx('$.sr', undefined)).toBe(128);
    expect(parseKeepNativeMinSidePx('$.sr', null)).toBeNull();
    expect(parseKeepNativeMinSidePx('$.sr', 0)).toBeNull();
    expect(parseKeepNativeMinSidePx('$.sr', 96)).toBe(96);
    expect(parseKeepNativeMinSidePx('$.sr', 4096)).toBe(4096);
  });

  it('rejects anything else with a ConfigError naming the key', () => {
    expect(() => parseKeepNativeMinSidePx('$.sr', -1)).toThrow(new ConfigError('$.sr.keepNativeMinSidePx: expected an integer in [1, 4096], received -1'));
    expect(() => parseKeepNativeMinSidePx('enhanceTracks', 127.5)).toThrow('enhanceTracks.keepNativeMinSidePx: expected an integer in [1, 4096], received 127.5');
    expect(() => parseKeepNativeMinSidePx('$.sr', '128')).toThrow('$.sr.keepNativeMinSidePx: expected an integer in [1, 4096], received "128"');
    expect(() => parseKeepNativeMinSidePx('$.sr', 4097)).toThrow('$.sr.keepNativeMinSidePx: expected an integer in [1, 4096], received 4097');
  });

  it('is a key of the pipeline file\'s sr section (default 128, null off, bad values named with the file)', () => {
    const doc = (sr: Record<string, unknown>): unknown => ({ kind: 'batch', inputs: ['a.mp4'], sr });
    const sr = (d: unknown): number | null => {
      const p = parsePipeline(d, 'job.json', '/base');
      if (p.kind !== 'batch' || p.sr === null) throw new Error('expected a batch with SR');
      return p.sr.keepNativeMinSidePx;
    };
    expect(sr(doc({}))).toBe(128);
    expect(sr(doc({ keepNativeMinSidePx: null }))).toBeNull();
    expect(sr(doc({ keepNativeMinSidePx: 0 }))).toBeNull();
    expect(sr(doc({ keepNativeMinSidePx: 200 }))).toBe(200);
    expect(() => parsePipeline(doc({ keepNativeMinSidePx: 'big' }), 'job.json', '/base')).toThrow(
      'invalid pipeline file: job.json: $.sr.keepNativeMinSidePx: expected an integer in [1, 4096], received "big"',
    );
  });
});

describe('decideKeepNative: the rule on a stored track', () => {
  it('keeps a track whose LR_0 native crop is at least the threshold, with the reason and the native side', () => {
    const big = crop(1, LR0, 'aligned-full', 161);
    const d = decideKeepNative(track([crop(2, LR0, 'aligned128', 128), big]), 128);
    expect(d).toEqual({ crop: big, nativeSidePx: 161, minSidePx: 128, reason: 'native-crop-at-least-128px' });
    expect(decideKeepNative(track([crop(1, LR0, 'aligned-full', 128)]), 128)?.nativeSidePx).toBe(128);
    expect(keepNativeReason(96)).toBe('native-crop-at-least-96px');
  });

  it('synthesizes a smaller face, a track without a native crop of its LR_0 detection, and any track when the rule is off', () => {
    expect(decideKeepNative(track([crop(1, LR0, 'aligned-full', 127)]), 128)).toBeNull();
    expect(decideKeepNative(track([crop(1, LR0, 'aligned-full', 52)]), 128)).toBeNull();
    // another detection's big crop is not LR_0's
    expect(decideKeepNative(track([crop(1, LR0 + 1, 'aligned-full', 300), crop(2, LR0, 'aligned-full', 52)]), 128)).toBeNull();
    // a model-size crop says nothing of the face's own size
    expect(decideKeepNative(track([crop(1, LR0, 'aligned128', 128), crop(2, LR0, 'lr0-model', 128)]), 128)).toBeNull();
    expect(decideKeepNative(track([crop(1, LR0, 'aligned-full', 200, 180)]), 128)).toBeNull();
    expect(decideKeepNative(track([crop(1, LR0, 'aligned-full', 400)]), null)).toBeNull();
    expect(decideKeepNative(track([crop(1, LR0, 'aligned-full', 100)]), 96)?.reason).toBe('native-crop-at-least-96px');
  });
});

describe('findStoredSrOutput: the idempotency rule for kept-native and synthesized outputs', () => {
  const SHA = 'b'.repeat(64);
  const row = (id: number, over: Partial<SrOutputRow>): SrOutputRow => ({
    id,
    trackId: 1,
    runId: null,
    method: 'synthesized',
    keptNative: null,
    modelId: 'm',
    modelSha256: SHA,
    sampler: 'heun',
    steps: 8,
    networkEvaluations: 15,
    seed: 0,
    conditioning: 'fm',
    engine: 'onnx',
    backend: 'cpu',
    png: new Uint8Array([1]),
    widthPx: 128,
    heightPx: 128,
    timingsMs: {},
    createdAtMs: 1,
    ...over,
  });
  const kept = row(2, { method: 'kept-native', keptNative: { reason: 'native-crop-at-least-128px', nativeSidePx: 161 }, steps: 0, networkEvaluations: 0, backend: 'none', widthPx: 161, heightPx: 161 });
  const synth = row(1, {});
  const q = { modelSha256: SHA, samplerLabel: 'heun', fixedSteps: 8, seed: 0, conditioning: 'fm' as const, engine: 'onnx', backend: 'cpu' };

  it('answers a kept-native track only with its kept-native output for the same request (any backend: none ran)', () => {
    expect(findStoredSrOutput({ srOutputs: [synth, kept] }, { ...q, keptNative: true })).toBe(kept);
    expect(findStoredSrOutput({ srOutputs: [synth] }, { ...q, keptNative: true })).toBeUndefined();
    expect(findStoredSrOutput({ srOutputs: [kept] }, { ...q, seed: 1, keptNative: true })).toBeUndefined();
    expect(findStoredSrOutput({ srOutputs: [kept] }, { ...q, engine: 'tfjs', keptNative: true })).toBeUndefined();
    expect(findStoredSrOutput({ srOutputs: [kept] }, { ...q, samplerLabel: 'euler', keptNative: true })).toBeUndefined();
  });

  it('answers a track to synthesize only with a synthesized output: turning the rule off computes the face', () => {
    expect(findStoredSrOutput({ srOutputs: [kept] }, { ...q, keptNative: false })).toBeUndefined();
    expect(findStoredSrOutput({ srOutputs: [kept, synth] }, { ...q, keptNative: false })).toBe(synth);
    expect(findStoredSrOutput({ srOutputs: [kept, synth] }, { ...q, fixedSteps: 0, keptNative: false })).toBeUndefined();
  });
});
