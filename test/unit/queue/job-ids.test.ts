import { canonicalJson, ingestJobId, srJobId, type SrJobKey } from '../../../src/queue';

const SHA = 'a'.repeat(64);

describe('idempotent job ids', () => {
  test('canonicalJson sorts keys at every level and drops undefined fields', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).toBe('{"a":{"d":[2,{"e":0,"f":1}]},"b":1}');
    expect(() => canonicalJson({ x: Infinity })).toThrow('canonicalJson: non-finite number Infinity');
  });

  test('an ingest job id depends on content and config only (not on key order), and differs when either changes', () => {
    const id = ingestJobId(SHA, { decode: { fps: 5, startMs: 0 }, embedder: 'faceres' });
    expect(id).toMatch(/^ingest-[0-9a-f]{64}$/);
    expect(ingestJobId(SHA, { embedder: 'faceres', decode: { startMs: 0, fps: 5 } })).toBe(id);
    expect(ingestJobId('b'.repeat(64), { decode: { fps: 5, startMs: 0 }, embedder: 'faceres' })).not.toBe(id);
    expect(ingestJobId(SHA, { decode: { fps: 4, startMs: 0 }, embedder: 'faceres' })).not.toBe(id);
    expect(() => ingestJobId('ABC', {})).toThrow('ingestJobId: expected a lower-case hex sha256, received "ABC"');
  });

  test('an SR job id changes with every part of the sr_outputs key', () => {
    const key: SrJobKey = { ingestJobId: `ingest-${SHA}`, trackKey: 3, modelSha256: SHA, sampler: 'pc(snr=0.16)', steps: 20, seed: 0, conditioning: 'fm', extra: {} };
    const id = srJobId(key);
    expect(id).toMatch(/^sr-[0-9a-f]{64}$/);
    expect(srJobId({ ...key })).toBe(id);
    const variants: Partial<SrJobKey>[] = [{ trackKey: 4 }, { modelSha256: 'c'.repeat(64) }, { sampler: 'heun' }, { steps: 21 }, { steps: null }, { seed: 1 }, { conditioning: 'zero' }, { extra: { lrScale: 4 } }];
    const ids = variants.map((v) => srJobId({ ...key, ...v }));
    expect(new Set([id, ...ids]).size).toBe(variants.length + 1);
    expect(() => srJobId({ ...key, modelSha256: 'x' })).toThrow('srJobId: expected a lower-case hex model sha256, received "x"');
  });
});
