import { InputError } from '../../../src/contracts';
import { DEFAULT_DECODE_OPTIONS, resolveDecodeOptions, type DecodeOptions } from '../../../src/ingest';

describe('resolveDecodeOptions', () => {
  it('applies frozen defaults', () => {
    const r = resolveDecodeOptions({ sourceId: 7 });
    expect(r).toEqual({ sourceId: 7, fps: 5, startMs: 0, durationMs: null, analysisMaxWidth: null, maxBufferedFrames: 2, onDamage: 'stop', stallTimeoutMs: 60000, fullFrameFormat: 'yuv420p' });
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(DEFAULT_DECODE_OPTIONS)).toBe(true);
    expect(resolveDecodeOptions({ sourceId: 0, fps: 'source', startMs: 1500, durationMs: 2000, analysisMaxWidth: 320, maxBufferedFrames: 4, onDamage: 'continue' })).toMatchObject({
      fps: 'source',
      startMs: 1500,
      durationMs: 2000,
      analysisMaxWidth: 320,
    });
  });

  it('rejects unknown keys, listing the valid ones', () => {
    const bad = { sourceId: 1, fsp: 5 } as unknown as DecodeOptions;
    expect(() => resolveDecodeOptions(bad)).toThrow(InputError);
    expect(() => resolveDecodeOptions(bad)).toThrow(/DecodeOptions: unknown option "fsp"; valid options: sourceId, fps, startMs/);
  });

  it.each([
    [{ sourceId: -1 }, /DecodeOptions\.sourceId: expected an integer >= 0, received -1/],
    [{ sourceId: 1.5 }, /DecodeOptions\.sourceId: expected an integer >= 0, received 1.5/],
    [{ sourceId: 1, fps: 0 }, /DecodeOptions\.fps: expected a number in \(0, 240\] or "source", received 0/],
    [{ sourceId: 1, fps: 'all' }, /DecodeOptions\.fps: .* received "all"/],
    [{ sourceId: 1, startMs: -5 }, /DecodeOptions\.startMs: expected a finite number >= 0 \(ms\), received -5/],
    [{ sourceId: 1, durationMs: 0 }, /DecodeOptions\.durationMs: expected a finite number > 0 \(ms\), received 0/],
    [{ sourceId: 1, analysisMaxWidth: 8 }, /DecodeOptions\.analysisMaxWidth: expected an integer >= 16 \(px\), received 8/],
    [{ sourceId: 1, maxBufferedFrames: 0 }, /DecodeOptions\.maxBufferedFrames: expected an integer in \[1, 64\], received 0/],
    [{ sourceId: 1, onDamage: 'ignore' }, /DecodeOptions\.onDamage: expected one of "stop", "continue", received "ignore"/],
  ])('rejects %j', (opts, message) => {
    expect(() => resolveDecodeOptions(opts as unknown as DecodeOptions)).toThrow(message);
  });
});
