import { canonicalJson, ingestJobId, srJobId } from '../../../pipelines/queue';

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

  test('an SR job id is a hash of exactly the data the worker receives', () => {
    const data = { v: 1, modelSha256: SHA, options: { seed: 0, conditioning: 'fm', steps: 20 }, track: { track: { id: 3, sourcePath: '/a.mp4' }, crops: [{ image: { $bytes: 'iVBO' } }] } };
    const id = srJobId(data);
    expect(id).toMatch(/^sr-[0-9a-f]{64}$/);
    expect(srJobId(JSON.parse(JSON.stringify(data)))).toBe(id);
    const variants = [
      { ...data, modelSha256: 'c'.repeat(64) },
      { ...data, options: { ...data.options, seed: 1 } },
      { ...data, options: { ...data.options, steps: 21 } },
      { ...data, options: { ...data.options, conditioning: 'zero' } },
      { ...data, track: { ...data.track, track: { id: 4, sourcePath: '/a.mp4' } } },
      { ...data, track: { ...data.track, crops: [{ image: { $bytes: 'iVBP' } }] } },
    ];
    expect(new Set([id, ...variants.map((v) => srJobId(v))]).size).toBe(variants.length + 1);
  });
});
