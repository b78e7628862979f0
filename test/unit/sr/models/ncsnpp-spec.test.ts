import * as fs from 'node:fs';
import * as path from 'node:path';
import { NCSNPP_PRESETS, parseNcsnppConfig } from '../../../../src/sr/model-config';
import { buildNcsnppSpec, countNcsnppParameters } from '../../../../src/sr/models';

const FIXTURES = path.resolve(__dirname, '../../../../../shared/fixtures/fasr-reference');

interface KeyEntry {
  readonly key: string;
  readonly shape: number[];
  readonly dtype: string;
}

function authorsKeys(file: string): KeyEntry[] {
  const json = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as { model_state_dict: KeyEntry[] };
  return json.model_state_dict;
}

const dtypeOf = (torch: string): string => torch.replace('torch.', '');

describe('buildNcsnppSpec', () => {
  it('reproduces the paper state_dict: 720 keys in order, shapes, dtypes, 71,122,435 parameters', () => {
    const spec = buildNcsnppSpec(NCSNPP_PRESETS.paper);
    const ref = authorsKeys('paper/keys.json');
    expect(spec.params).toHaveLength(720);
    expect(spec.params.map((p) => [`module.${p.name}`, p.shape, p.dtype])).toEqual(ref.map((k) => [k.key, k.shape, dtypeOf(k.dtype)]));
    expect(countNcsnppParameters(spec)).toBe(71_122_435);
    const trainable = spec.params.filter((p) => p.trainable).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    expect(trainable).toBe(71_122_307);
    expect(spec.modules).toHaveLength(65);
  });

  it('reproduces the tiny state_dict (248 keys, 346,547 parameters, 26 modules)', () => {
    const spec = buildNcsnppSpec(NCSNPP_PRESETS.tiny);
    const ref = authorsKeys('tiny/keys.json');
    expect(spec.params.map((p) => [`module.${p.name}`, p.shape, p.dtype])).toEqual(ref.map((k) => [k.key, k.shape, dtypeOf(k.dtype)]));
    expect(countNcsnppParameters(spec)).toBe(346_547);
    expect(spec.modules.map((m) => m.className).slice(0, 8)).toEqual([
      'GaussianFourierProjection',
      'Linear',
      'Linear',
      'Conv2d',
      'ResnetBlockBigGANpp',
      'ResnetBlockBigGANpp',
      'Combine',
      'ResnetBlockBigGANpp',
    ]);
  });

  it('adds a named feature projection only when featDim != 4*nf', () => {
    const spec = buildNcsnppSpec(parseNcsnppConfig({ ...NCSNPP_PRESETS.tiny, featDim: 40 }));
    const proj = spec.params.filter((p) => p.name.startsWith('feature_proj.'));
    expect(proj.map((p) => [p.name, p.shape])).toEqual([
      ['feature_proj.weight', [64, 40]],
      ['feature_proj.bias', [64]],
    ]);
    expect(countNcsnppParameters(spec)).toBe(346_547 + 64 * 40 + 64);
    expect(buildNcsnppSpec(NCSNPP_PRESETS.tiny).params.some((p) => p.name.startsWith('feature_proj'))).toBe(false);
  });
});
