import type { NcsnppConfig } from '../model-config';
import { ncsnppResolutions } from '../model-config';

/**
 * How a parameter is stored in the authors' state_dict, which fixes the tfjs layout conversion:
 * `conv` OIHW (-> HWIO), `linear` (out,in) (-> (in,out)), `nin` (in,out) as is, `vector` 1-D.
 */
export type ParamLayout = 'conv' | 'linear' | 'nin' | 'vector';

/** How random initialisation fills a tensor (the authors' `default_init` = DDPM variance scaling). */
export type ParamInit =
  | { readonly kind: 'zeros' }
  | { readonly kind: 'ones' }
  /** randn * scale (GaussianFourierProjection.W). */
  | { readonly kind: 'normal'; readonly scale: number }
  /** Uniform(-1,1) * sqrt(3 * scale / fanAvg), scale 0 meaning 1e-10. */
  | { readonly kind: 'defaultInit'; readonly scale: number };

/** One tensor of the state_dict (names exactly as the authors', without `module.`). */
export interface NcsnppParamSpec {
  readonly name: string;
  /** Shape in the authors' (PyTorch) layout. */
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'float64';
  /** False for the frozen Fourier weights `all_modules.0.W` and the `sigmas` buffer. */
  readonly trainable: boolean;
  /** True only for the float64 `sigmas` buffer (not a parameter; excluded from parameter counts). */
  readonly buffer: boolean;
  readonly layout: ParamLayout;
  readonly init: ParamInit;
}

/** One entry of `all_modules`, in index order. */
export type NcsnppModuleSpec =
  | { readonly index: number; readonly className: 'GaussianFourierProjection' }
  | { readonly index: number; readonly className: 'Linear'; readonly inDim: number; readonly outDim: number }
  | { readonly index: number; readonly className: 'Conv2d'; readonly inCh: number; readonly outCh: number; readonly outputLayer: boolean }
  | { readonly index: number; readonly className: 'GroupNorm'; readonly channels: number; readonly groups: number }
  | { readonly index: number; readonly className: 'Combine'; readonly inCh: number; readonly outCh: number }
  | { readonly index: number; readonly className: 'AttnBlockpp'; readonly channels: number }
  | {
      readonly index: number;
      readonly className: 'ResnetBlockBigGANpp';
      readonly inCh: number;
      readonly outCh: number;
      readonly up: boolean;
      readonly down: boolean;
    };

/** The module list and the state_dict layout of one config. */
export interface NcsnppSpec {
  readonly modules: readonly NcsnppModuleSpec[];
  /** In state_dict order: `sigmas`, `all_modules.*`, then `feature_proj.*` when featDim != 4*nf. */
  readonly params: readonly NcsnppParamSpec[];
}

/** GroupNorm group count used everywhere in NCSN++: min(C // 4, 32). */
export function groupNormGroups(channels: number): number {
  return Math.min(Math.floor(channels / 4), 32);
}

/**
 * Builds the module list and the parameter table of NCSN++ for a config, mirroring
 * `NCSNpp.__init__` of the authors' models/ncsnpp.py (biggan, input_skip, progressive none).
 */
export function buildNcsnppSpec(config: NcsnppConfig): NcsnppSpec {
  const { nf, chMult, numResBlocks, attnResolutions } = config;
  const resolutions = ncsnppResolutions(config);
  const modules: NcsnppModuleSpec[] = [];
  const params: NcsnppParamSpec[] = [
    { name: 'sigmas', shape: [config.numScales], dtype: 'float64', trainable: false, buffer: true, layout: 'vector', init: { kind: 'zeros' } },
  ];
  const p = (name: string, shape: number[], layout: ParamLayout, init: ParamInit, trainable = true): void => {
    params.push({ name, shape, dtype: 'float32', trainable, buffer: false, layout, init });
  };
  const lastScale = { kind: 'defaultInit', scale: config.initScale } as const;
  const unitScale = { kind: 'defaultInit', scale: 1 } as const;
  const zeros = { kind: 'zeros' } as const;
  const ones = { kind: 'ones' } as const;
  const tembDim = 4 * nf;

  const add = (m: NcsnppModuleSpec): void => {
    const pre = `all_modules.${m.index}`;
    switch (m.className) {
      case 'GaussianFourierProjection':
        p(`${pre}.W`, [nf], 'vector', { kind: 'normal', scale: config.fourierScale }, false);
        break;
      case 'Linear':
        p(`${pre}.weight`, [m.outDim, m.inDim], 'linear', unitScale);
        p(`${pre}.bias`, [m.outDim], 'vector', zeros);
        break;
      case 'Conv2d': {
        p(`${pre}.weight`, [m.outCh, m.inCh, 3, 3], 'conv', m.outputLayer ? lastScale : unitScale);
        p(`${pre}.bias`, [m.outCh], 'vector', zeros);
        break;
      }
      case 'GroupNorm':
        p(`${pre}.weight`, [m.channels], 'vector', ones);
        p(`${pre}.bias`, [m.channels], 'vector', zeros);
        break;
      case 'Combine':
        p(`${pre}.Conv_0.weight`, [m.outCh, m.inCh, 1, 1], 'conv', unitScale);
        p(`${pre}.Conv_0.bias`, [m.outCh], 'vector', zeros);
        break;
      case 'AttnBlockpp':
        p(`${pre}.GroupNorm_0.weight`, [m.channels], 'vector', ones);
        p(`${pre}.GroupNorm_0.bias`, [m.channels], 'vector', zeros);
        for (let i = 0; i < 4; i++) {
          p(`${pre}.NIN_${i}.W`, [m.channels, m.channels], 'nin', i === 3 ? lastScale : unitScale);
          p(`${pre}.NIN_${i}.b`, [m.channels], 'vector', zeros);
        }
        break;
      case 'ResnetBlockBigGANpp':
        p(`${pre}.GroupNorm_0.weight`, [m.inCh], 'vector', ones);
        p(`${pre}.GroupNorm_0.bias`, [m.inCh], 'vector', zeros);
        p(`${pre}.Conv_0.weight`, [m.outCh, m.inCh, 3, 3], 'conv', unitScale);
        p(`${pre}.Conv_0.bias`, [m.outCh], 'vector', zeros);
        p(`${pre}.Dense_0.weight`, [m.outCh, tembDim], 'linear', unitScale);
        p(`${pre}.Dense_0.bias`, [m.outCh], 'vector', zeros);
        p(`${pre}.Dense_1.weight`, [m.outCh, tembDim], 'linear', unitScale);
        p(`${pre}.Dense_1.bias`, [m.outCh], 'vector', zeros);
        p(`${pre}.GroupNorm_1.weight`, [m.outCh], 'vector', ones);
        p(`${pre}.GroupNorm_1.bias`, [m.outCh], 'vector', zeros);
        p(`${pre}.Conv_1.weight`, [m.outCh, m.outCh, 3, 3], 'conv', lastScale);
        p(`${pre}.Conv_1.bias`, [m.outCh], 'vector', zeros);
        if (m.inCh !== m.outCh || m.up || m.down) {
          p(`${pre}.Conv_2.weight`, [m.outCh, m.inCh, 1, 1], 'conv', unitScale);
          p(`${pre}.Conv_2.bias`, [m.outCh], 'vector', zeros);
        }
        break;
    }
    modules.push(m);
  };
  const next = (): number => modules.length;
  const res = (inCh: number, outCh = inCh, up = false, down = false): NcsnppModuleSpec => ({
    index: next(),
    className: 'ResnetBlockBigGANpp',
    inCh,
    outCh,
    up,
    down,
  });

  add({ index: next(), className: 'GaussianFourierProjection' });
  add({ index: next(), className: 'Linear', inDim: 2 * nf, outDim: tembDim });
  add({ index: next(), className: 'Linear', inDim: tembDim, outDim: tembDim });
  add({ index: next(), className: 'Conv2d', inCh: config.numChannels, outCh: nf, outputLayer: false });
  const hsC: number[] = [nf];
  let inCh = nf;
  chMult.forEach((mult, level) => {
    for (let b = 0; b < numResBlocks; b++) {
      const outCh = nf * mult;
      add(res(inCh, outCh));
      inCh = outCh;
      if (attnResolutions.includes(resolutions[level] ?? -1)) add({ index: next(), className: 'AttnBlockpp', channels: inCh });
      hsC.push(inCh);
    }
    if (level !== chMult.length - 1) {
      add(res(inCh, inCh, false, true));
      add({ index: next(), className: 'Combine', inCh: config.numChannels, outCh: inCh });
      hsC.push(inCh);
    }
  });
  inCh = hsC[hsC.length - 1] ?? nf;
  add(res(inCh));
  add({ index: next(), className: 'AttnBlockpp', channels: inCh });
  add(res(inCh));
  for (let level = chMult.length - 1; level >= 0; level--) {
    for (let b = 0; b <= numResBlocks; b++) {
      const outCh = nf * (chMult[level] ?? 1);
      const skip = hsC.pop() ?? 0;
      add(res(inCh + skip, outCh));
      inCh = outCh;
    }
    if (attnResolutions.includes(resolutions[level] ?? -1)) add({ index: next(), className: 'AttnBlockpp', channels: inCh });
    if (level !== 0) add(res(inCh, inCh, true, false));
  }
  add({ index: next(), className: 'GroupNorm', channels: inCh, groups: groupNormGroups(inCh) });
  add({ index: next(), className: 'Conv2d', inCh, outCh: config.numChannels / 2, outputLayer: true });

  if (config.featDim !== tembDim) {
    p('feature_proj.weight', [tembDim, config.featDim], 'linear', unitScale);
    p('feature_proj.bias', [tembDim], 'vector', zeros);
  }
  return { modules, params };
}

/** Number of parameters (every float32 tensor, trainable or not; the `sigmas` buffer excluded). */
export function countNcsnppParameters(spec: NcsnppSpec): number {
  return spec.params.filter((s) => !s.buffer).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}
