import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../../../src/contracts';
import { TRAIN_PRESETS, parsePrepareDataConfig, parseTrainConfig, resolveTrainPreset, trainingNetworkConfig } from '../../../../src/sr/train';

describe('training presets', () => {
  it('bundled is a valid training and preparation config (nf 16, 4 levels, 64 px patches, faceres 1024-d)', () => {
    const p = resolveTrainPreset('bundled');
    expect(p).toBe(TRAIN_PRESETS.bundled);
    const c = parseTrainConfig({ ...p.train, dataDir: 'd', outDir: 'o' });
    expect([c.model.nf, c.model.chMult.length, c.model.featDim, c.patchSize, c.batchSize]).toEqual([16, 4, 1024, 64, 4]);
    expect(trainingNetworkConfig(c).attnResolutions).toEqual([8]);
    expect(parsePrepareDataConfig({ ...p.prepare, sourceDir: 's', outDir: 'o' }).embedder).toBe('faceres');
  });

  it('residual is the residual-EDM recipe on whole faces with a raw-output network; recipe-dsm is its paper-objective twin', () => {
    const r = parseTrainConfig({ ...resolveTrainPreset('residual').train, dataDir: 'd', outDir: 'o' });
    expect([r.model.nf, r.model.scaleBySigma, r.model.sigmaMin, r.model.sigmaMax, r.patchSize, r.batchSize]).toEqual([16, false, 0.002, 1, null, 8]);
    expect(r.recipe).toMatchObject({ objective: 'residual-edm', sigmaData: 0.07, pNullFeatures: 0.15, lrSide: [12, 64], sigmaMaxInput: 'noise' });
    const d = parseTrainConfig({ ...resolveTrainPreset('recipe-dsm').train, dataDir: 'd', outDir: 'o' });
    expect([d.model.nf, d.model.scaleBySigma, d.model.sigmaMax, d.recipe?.objective]).toEqual([16, true, 348, 'dsm']);
    expect(parseTrainConfig({ ...resolveTrainPreset('residual-nf32').train, dataDir: 'd', outDir: 'o' }).model.nf).toBe(32);
    expect(() => parseTrainConfig({ ...r, recipe: { sigmaMin: 2, sigmaMax: 1 } })).toThrow(/recipe: .*sigmaMin 2 must be below sigmaMax 1/);
    expect(() => parseTrainConfig({ ...r, recipe: { objective: 'x0' } })).toThrow(/recipe/);
  });

  it('reads a JSON file with train/prepare parts and rejects unknown names and keys', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-preset-'));
    try {
      const file = path.join(dir, 'cfg.json');
      fs.writeFileSync(file, JSON.stringify({ train: { steps: 3 }, prepare: { embedder: 'lbp' } }));
      expect(resolveTrainPreset(file)).toEqual({ train: { steps: 3 }, prepare: { embedder: 'lbp' } });
      fs.writeFileSync(file, JSON.stringify({ train: {}, optim: {} }));
      expect(() => resolveTrainPreset(file)).toThrow(/unknown key\(s\) "optim"; valid keys: train, prepare/);
      expect(() => resolveTrainPreset('tiny')).toThrow(ConfigError);
      expect(() => resolveTrainPreset(path.join(dir, 'missing.json'))).toThrow(/cannot read/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
