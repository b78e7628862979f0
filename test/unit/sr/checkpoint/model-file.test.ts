import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HostTensor, ModelCard } from '../../../../src/sr/checkpoint';
import { loadModelFile, saveModelFile } from '../../../../src/sr/checkpoint';
import { nums } from './pickle-bytes';

const CARD: ModelCard = {
  name: 'fasr-test-tiny',
  description: 'A tiny NCSN++ used only in tests.',
  architecture: 'NCSN++ (VE SDE), nf 16',
  source: 'synthetic weights built in the test',
  data: { datasets: ['none'], licence: 'n/a' },
  licence: 'MIT',
  intendedUse: 'tests',
  limitations: 'random weights',
  steps: 2,
  metrics: { lossAtStep2: 1569.6 },
  createdAt: '2026-11-26T17:00:00Z',
};
const CONFIG = { model: { nf: 16, chMult: [1, 2, 2], attnResolutions: [8] }, sigmaMax: 348, centered: false, name: null };

function stateDict(): Map<string, HostTensor> {
  return new Map<string, HostTensor>([
    ['sigmas', { dtype: 'float64', shape: [4], data: Float64Array.from([348, 4.9, 0.07, 0.001]) }],
    ['all_modules.1.weight', { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
  ]);
}

describe('model files (safetensors + JSON sidecar)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-model-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips weights, config and card, and reports the sha256 of the weights file', async () => {
    const target = path.join(dir, 'm');
    const saved = await saveModelFile(target, stateDict(), CONFIG, CARD);
    expect(saved.weightsPath).toBe(path.join(target, 'model.safetensors'));
    expect(saved.sidecarPath).toBe(path.join(target, 'model.json'));
    const fileSha = createHash('sha256').update(fs.readFileSync(saved.weightsPath)).digest('hex');
    expect(saved.sha256).toBe(fileSha);
    for (const where of [target, saved.weightsPath, saved.sidecarPath]) {
      const loaded = await loadModelFile(where);
      expect(loaded.sha256).toBe(fileSha);
      expect(loaded.config).toEqual(CONFIG);
      expect(loaded.card).toEqual(CARD);
      expect(nums(loaded.stateDict.get('sigmas')?.data)).toEqual([348, 4.9, 0.07, 0.001]);
      expect(loaded.stateDict.get('sigmas')?.dtype).toBe('float64');
      expect(loaded.stateDict.get('all_modules.1.weight')?.shape).toEqual([2, 3]);
    }
    const side = JSON.parse(fs.readFileSync(saved.sidecarPath, 'utf8')) as { weights: { sha256: string; tensors: number } };
    expect(side.weights).toMatchObject({ sha256: fileSha, tensors: 2 });
  });

  it('applies parseConfig and propagates its error', async () => {
    const file = path.join(dir, 'named.safetensors');
    await saveModelFile(file, stateDict(), CONFIG, CARD);
    expect(fs.existsSync(path.join(dir, 'named.json'))).toBe(true);
    const typed = await loadModelFile(file, { parseConfig: (c) => ({ sigmaMax: c.sigmaMax as number }) });
    expect(typed.config.sigmaMax).toBe(348);
    await expect(
      loadModelFile(file, {
        parseConfig: () => {
          throw new Error('config: nf must be 128');
        },
      }),
    ).rejects.toThrow('config: nf must be 128');
  });

  it('detects changed weights through the sha256', async () => {
    const saved = await saveModelFile(dir, stateDict(), CONFIG, CARD);
    const bytes = fs.readFileSync(saved.weightsPath);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0x40;
    fs.writeFileSync(saved.weightsPath, bytes);
    await expect(loadModelFile(dir)).rejects.toThrow(/sha256 [0-9a-f]{64} \(\d+ bytes\) does not match the sidecar's/);
  });

  it('validates card, config and options before writing anything', async () => {
    const target = path.join(dir, 'never');
    const { licence: _drop, ...noLicence } = CARD;
    await expect(saveModelFile(target, stateDict(), CONFIG, noLicence as ModelCard)).rejects.toThrow(/invalid model card: licence: Required/);
    await expect(saveModelFile(target, stateDict(), CONFIG, { ...CARD, lisence: 'x' } as ModelCard)).rejects.toThrow(/Unrecognized key\(s\) in object: 'lisence'/);
    await expect(saveModelFile(target, stateDict(), CONFIG, { ...CARD, createdAt: 'yesterday' })).rejects.toThrow(/createdAt/);
    await expect(saveModelFile(target, stateDict(), { x: Number.NaN }, CARD)).rejects.toThrow(/config\.x is NaN; JSON needs a finite number/);
    await expect(saveModelFile(target, stateDict(), { d: new Date(0) as never }, CARD)).rejects.toThrow(/config\.d is a object \(\[object Date\]\), not a JSON value/);
    await expect(saveModelFile(target, new Map(), CONFIG, CARD)).rejects.toThrow(/stateDict must be a non-empty Map/);
    const bad = new Map<string, HostTensor>([['w', { dtype: 'float32', shape: [3], data: new Float32Array(2) }]]);
    await expect(saveModelFile(target, bad, CONFIG, CARD)).rejects.toThrow(/tensor 'w' has 2 values for shape \[3\]/);
    await expect(saveModelFile(target, stateDict(), CONFIG, CARD, { force: true } as never)).rejects.toThrow(/saveModelFile: unknown option "force"; valid options: overwrite/);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('refuses to overwrite unless asked', async () => {
    await saveModelFile(dir, stateDict(), CONFIG, CARD);
    await expect(saveModelFile(dir, stateDict(), CONFIG, CARD)).rejects.toThrow(/model\.safetensors exists; pass \{ overwrite: true \}/);
    const again = await saveModelFile(dir, stateDict(), CONFIG, { ...CARD, steps: 3 }, { overwrite: true });
    expect((await loadModelFile(dir)).card.steps).toBe(3);
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'model.safetensors']);
    expect(again.bytes).toBe(fs.statSync(again.weightsPath).size);
  });

  it('rejects a sidecar that points outside its folder or is malformed', async () => {
    const saved = await saveModelFile(dir, stateDict(), CONFIG, CARD);
    const side = JSON.parse(fs.readFileSync(saved.sidecarPath, 'utf8')) as { weights: { file: string } };
    side.weights.file = '../elsewhere.safetensors';
    fs.writeFileSync(saved.sidecarPath, JSON.stringify(side));
    await expect(loadModelFile(dir)).rejects.toThrow(/invalid model sidecar: weights\.file: a plain file name ending in \.safetensors/);
    fs.writeFileSync(saved.sidecarPath, '{"format": "fasr-model"');
    await expect(loadModelFile(dir)).rejects.toThrow(/model\.json: not JSON/);
    await expect(loadModelFile(path.join(dir, 'nothing-here'))).rejects.toThrow(/cannot read model sidecar/);
  });
});
