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
