import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../../../src/contracts';
import { NCSNPP_PRESETS, ncsnppConfigFromAuthors, parseNcsnppConfig } from '../../../src/sr/model-config';

const FIXTURES = path.resolve(__dirname, '../../../../shared/fixtures/fasr-reference');
const authors = (file: string): Record<string, unknown> =>
  (JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as { config: Record<string, unknown> }).config;

const tiny = { ...NCSNPP_PRESETS.tiny } as Record<string, unknown>;

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseNcsnppConfig', () => {
  it('accepts the presets and freezes the result with defaults filled in', () => {
    const { featDim, initScale, ...rest } = NCSNPP_PRESETS.paper;
    const parsed = parseNcsnppConfig(rest);
    expect(parsed.featDim).toBe(512); // 4 * nf
    expect(parsed.initScale).toBe(0);
    expect(featDim).toBe(512);
    expect(initScale).toBe(0);
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(Object.isFrozen(parsed.chMult)).toBe(true);
    expect(NCSNPP_PRESETS.tiny.featDim).toBe(64);
  });

  it.each([
    ['an unknown key', { ...tiny, nff: 3 }, 'invalid NCSN++ config: unknown key(s) "nff"; valid keys: imageSize, numChannels, nf, chMult, numResBlocks, attnResolutions, firKernel, fourierScale, progressiveInput, progressiveCombine, skipRescale, scaleBySigma, conditional, centered, sigmaMin, sigmaMax, numScales, featDim, dropout, initScale'],
    ['nf = 0', { ...tiny, nf: 0 }, 'invalid NCSN++ config: nf: expected a positive integer, received 0'],
    ['nf not an integer', { ...tiny, nf: 1.5 }, 'invalid NCSN++ config: nf: expected a positive integer, received 1.5'],
    ['nf as a string', { ...tiny, nf: '16' }, 'invalid NCSN++ config: nf: expected number, received "16"'],
    ['an unimplemented progressive input', { ...tiny, progressiveInput: 'residual' }, `invalid NCSN++ config: progressiveInput: expected 'input_skip' (the only one implemented), received "residual"`],
    ['an unimplemented combine', { ...tiny, progressiveCombine: 'cat' }, `invalid NCSN++ config: progressiveCombine: expected 'sum' (the only one implemented), received "cat"`],
    ['dropout', { ...tiny, dropout: 0.1 }, 'invalid NCSN++ config: dropout: expected 0 (dropout is not implemented), received 0.1'],
    ['3 channels', { ...tiny, numChannels: 3 }, 'invalid NCSN++ config: numChannels: expected 6 (3 channels of x + 3 of y), received 3'],
    ['an unconditional model', { ...tiny, conditional: false }, 'invalid NCSN++ config: conditional: expected true (the descriptor conditioning needs the time embedding), received false'],
    ['a size that does not halve', { ...tiny, imageSize: 30 }, 'invalid NCSN++ config: imageSize: expected a multiple of 4 (2^(chMult.length-1)), received 30'],
    ['an attention resolution the network lacks', { ...tiny, attnResolutions: [12] }, "invalid NCSN++ config: attnResolutions: 12 is not one of the network's resolutions [32,16,8]"],
    ['sigmaMin above sigmaMax', { ...tiny, sigmaMin: 400 }, 'invalid NCSN++ config: sigmaMin: expected < sigmaMax (348), received 400'],
    ['channels GroupNorm cannot split', { ...tiny, nf: 6 }, 'invalid NCSN++ config: nf/chMult: GroupNorm of up level 1 block 1 (input 12+6) has 18 channels, not divisible into min(C/4, 32) = 4 groups'],
    ['a 1-tap FIR kernel', { ...tiny, firKernel: [1] }, 'invalid NCSN++ config: firKernel: expected at least 2 taps, received [1]'],
    ['no levels', { ...tiny, chMult: [] }, 'invalid NCSN++ config: chMult: expected at least one level, received []'],
    ['a number', 42, 'invalid NCSN++ config: (root): expected object, received 42'],
  ])('rejects %s with a clear message', (_label, input, message) => {
    expect(messageOf(() => parseNcsnppConfig(input))).toBe(message);
  });

  it('reports a missing field and several problems at once', () => {
    const { imageSize: _drop, ...noSize } = tiny;
    expect(messageOf(() => parseNcsnppConfig({ ...noSize, nf: -1 }))).toBe(
      'invalid NCSN++ config: imageSize: required, received nothing; nf: expected a positive integer, received -1',
    );
  });
});

describe('ncsnppConfigFromAuthors', () => {
  it('converts the fixtures configs into the presets', () => {
    expect(ncsnppConfigFromAuthors(authors('tiny/config.json'))).toEqual(NCSNPP_PRESETS.tiny);
    expect(ncsnppConfigFromAuthors(authors('paper/config.json'))).toEqual(NCSNPP_PRESETS.paper);
    expect(ncsnppConfigFromAuthors(authors('paper/config.json'), 256).featDim).toBe(256);
  });

  it('rejects unknown model keys and unimplemented architecture options', () => {
    const cfg = authors('tiny/config.json');
    const model = cfg.model as Record<string, unknown>;
    expect(messageOf(() => ncsnppConfigFromAuthors({ ...cfg, model: { ...model, foo: 1 } }))).toMatch(
      /^invalid authors' NCSN\+\+ config: model: unknown key\(s\) "foo"; valid keys: num_scales, beta_min, /,
    );
    expect(messageOf(() => ncsnppConfigFromAuthors({ ...cfg, model: { ...model, resblock_type: 'ddpm' } }))).toBe(
      `invalid authors' NCSN++ config: model.resblock_type: expected 'biggan' (the only resblock type implemented), received "ddpm"`,
    );
    expect(messageOf(() => ncsnppConfigFromAuthors({ ...cfg, model: { ...model, progressive_input: 'residual' } }))).toBe(
      `invalid authors' NCSN++ config: model.progressive_input: expected 'input_skip' (the only one implemented), received "residual"`,
    );
    expect(messageOf(() => ncsnppConfigFromAuthors({ model }))).toBe("invalid authors' NCSN++ config: data: required, received nothing");
  });
});
