import { DEFAULT_BATCH_OPTIONS, parseBatchOptions } from '../../../pipelines/batch';
import { ConfigError } from '../../../src/contracts';

describe('parseBatchOptions', () => {
  it('fills the defaults and freezes', () => {
    const o = parseBatchOptions({});
    expect(o).toEqual(DEFAULT_BATCH_OPTIONS);
    expect(Object.isFrozen(o)).toBe(true);
    expect(parseBatchOptions({ force: true, videoExtensions: ['mp4'] })).toMatchObject({ force: true, videoExtensions: ['mp4'] });
  });

  it('rejects unknown keys naming the valid ones, and wrong types naming the key', () => {
    expect(() => parseBatchOptions({ forse: true })).toThrow(ConfigError);
    expect(() => parseBatchOptions({ forse: true })).toThrow('invalid batch options: unknown option(s) "forse"; valid: force, videoExtensions, includeHidden, command');
    expect(() => parseBatchOptions({ force: 'yes' })).toThrow(/^invalid batch options: force: Expected boolean, received string$/);
    expect(() => parseBatchOptions({ videoExtensions: [] })).toThrow(/videoExtensions: Array must contain at least 1 element/);
  });
});
