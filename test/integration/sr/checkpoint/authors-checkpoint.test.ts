import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointError } from '../../../../src/contracts';
import type { HostTensor, StateDict } from '../../../../src/sr/checkpoint';
import { loadModelFile, loadTorchStateDict, readFasrCheckpoint, readNpy, readTorchFile, readTorchTensor, saveModelFile, TorchTensor } from '../../../../src/sr/checkpoint';

const FIXTURES = path.resolve(__dirname, '../../../../../shared/fixtures/fasr-reference');
const ZIP = path.join(FIXTURES, 'tiny/checkpoint.pth');
const LEGACY = path.join(FIXTURES, 'tiny/checkpoint_legacy.pth');

interface KeysJson {
  model_state_dict: { key: string; shape: number[]; dtype: string }[];
  ema_shadow_params: { index: number; name: string; shape: number[] }[];
  model_buffers: { name: string }[];
  model_parameters_order: { index: number; name: string; requires_grad: boolean }[];
}
const KEYS = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'tiny/keys.json'), 'utf8')) as KeysJson;

function bytesOf(t: HostTensor): Buffer {
  return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

function expectSameStateDict(a: StateDict, b: StateDict): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, t] of a) {
    const u = b.get(k) as HostTensor;
    expect({ k, dtype: u.dtype, shape: u.shape }).toEqual({ k, dtype: t.dtype, shape: t.shape });
    expect(bytesOf(u).equals(bytesOf(t))).toBe(true);
  }
}

describe('authors checkpoints (tiny NCSN++)', () => {
  let zipModel: StateDict;
  let zipEma: StateDict;

  beforeAll(async () => {
    zipModel = await loadTorchStateDict(ZIP, { weights: 'model' });
    zipEma = await loadTorchStateDict(ZIP, { weights: 'ema' });
  });

  it('model state dict has every key, shape and dtype of keys.json, in order, without module.', () => {
    expect(zipModel.size).toBe(248);
    expect([...zipModel.keys()]).toEqual(KEYS.model_state_dict.map((e) => e.key.replace(/^module\./, '')));
    for (const e of KEYS.model_state_dict) {
      const t = zipModel.get(e.key.replace(/^module\./, '')) as HostTensor;
      expect({ key: e.key, shape: [...t.shape], dtype: t.dtype }).toEqual({ key: e.key, shape: e.shape, dtype: e.dtype });
      expect(t.data.length).toBe(e.shape.reduce((a, b) => a * b, 1));
    }
    const sigmas = zipModel.get('sigmas') as HostTensor;
    expect(sigmas.dtype).toBe('float64');
    expect(sigmas.data).toBeInstanceOf(Float64Array);
    // sigmas = exp(linspace(log 348, log 0.001, 4)) in float64 (score_sde VESDE buffer); 1 ulp slack.
    expect((sigmas.data as Float64Array)[0]).toBeCloseTo(348, 10);
    expect((sigmas.data as Float64Array)[3]).toBeCloseTo(0.001, 14);
  });

  it('legacy and zip formats give bit-identical state dicts (model and ema)', async () => {
    expectSameStateDict(zipModel, await loadTorchStateDict(LEGACY, { weights: 'model' }));
    expectSameStateDict(zipEma, await loadTorchStateDict(LEGACY, { weights: 'ema' }));
  });

  it("'ema' replaces exactly the trainable tensors, following keys.json ema_shadow_params", async () => {
    const ckpt = await readFasrCheckpoint(ZIP);
    expect(ckpt.ema.shadowParams.length).toBe(KEYS.ema_shadow_params.length);
    for (const e of KEYS.ema_shadow_params) {
      const name = e.name.replace(/^module\./, '');
      const ema = zipEma.get(name) as HostTensor;
      expect([...ema.shape]).toEqual(e.shape);
      expect(bytesOf(ema).equals(bytesOf(ckpt.ema.shadowParams[e.index] as HostTensor))).toBe(true);
      // Two train steps with randn*0.05 perturbations: every trainable tensor differs.
      expect(bytesOf(ema).equals(bytesOf(zipModel.get(name) as HostTensor))).toBe(false);
    }
    for (const frozen of ['sigmas', 'all_modules.0.W']) {
      expect(bytesOf(zipEma.get(frozen) as HostTensor).equals(bytesOf(zipModel.get(frozen) as HostTensor))).toBe(true);
    }
    expect(zipEma.get('sigmas')?.dtype).toBe('float64');
  });

  it('readFasrCheckpoint exposes step, EMA and Adam state', async () => {
    for (const file of [ZIP, LEGACY]) {
      const c = await readFasrCheckpoint(file);
      expect(c.format).toBe(file === ZIP ? 'zip' : 'legacy');
      expect(c.step).toBe(2);
      expect(c.keyPrefix).toBe('module.');
      expect(c.ema.decay).toBe(0.999);
      expect(c.ema.numUpdates).toBe(2);
      expect(c.optimizer.paramGroups).toHaveLength(1);
      const g = c.optimizer.paramGroups[0];
      expect(g?.betas).toEqual([0.9, 0.999]);
      expect(g?.eps).toBe(1e-8);
      expect(g?.lr).toBe(4e-8);
      // Adam covers all named_parameters (W included); state only for those with gradients.
      expect(g?.params).toHaveLength(KEYS.model_parameters_order.length);
      expect(c.optimizer.state.size).toBe(KEYS.ema_shadow_params.length);
      expect(c.optimizer.state.has(0)).toBe(false);
      const s1 = c.optimizer.state.get(1);
      expect(s1?.step).toBe(2);
      expect(s1?.expAvg.shape).toEqual([64, 32]);
    }
  });

  it('readTorchFile returns the raw tree with the module. prefix', async () => {
    const root = await readTorchFile(LEGACY);
    expect(root).toBeInstanceOf(Map);
    const model = (root as Map<string, unknown>).get('model') as Map<string, unknown>;
    expect(model.get('module.all_modules.0.W')).toBeInstanceOf(TorchTensor);
  });

  it('sample_features_celeba.t equals the .npy bit for bit', async () => {
    const t = await readTorchTensor(path.join(FIXTURES, 'features/sample_features_celeba.t'));
    const ref = readNpy(path.join(FIXTURES, 'features/sample_features_celeba.npy'));
    expect(t.dtype).toBe('float32');
    expect([...t.shape]).toEqual([10, 1, 512]);
    expect(bytesOf(t).equals(bytesOf(ref))).toBe(true);
  });

  it('a checkpoint is not a tensor file and vice versa', async () => {
    await expect(readTorchTensor(ZIP)).rejects.toThrow(/expected a single tensor at the root, got dict\[4\]/);
    await expect(loadTorchStateDict(path.join(FIXTURES, 'features/sample_features_celeba.t'), { weights: 'model' })).rejects.toThrow(
      /the checkpoint root must be a dict, got tensor float32\[10, 1, 512\]/,
    );
    await expect(loadTorchStateDict(path.join(FIXTURES, 'tiny/x.npy'), { weights: 'model' })).rejects.toThrow(CheckpointError);
  });

  describe('damaged copies', () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-ckpt-int-'));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it.each([
      ['zip', ZIP],
      ['legacy', LEGACY],
    ])('a truncated %s checkpoint raises CheckpointError at every cut', async (_kind, src) => {
      const bytes = fs.readFileSync(src);
      for (const frac of [0.001, 0.3, 0.7, 0.999]) {
        const cut = path.join(dir, `cut-${path.basename(src)}-${frac}`);
        fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * frac)));
        await expect(loadTorchStateDict(cut, { weights: 'ema' })).rejects.toBeInstanceOf(CheckpointError);
      }
    });

    it('an empty file and a PNG raise CheckpointError', async () => {
      const empty = path.join(dir, 'empty.pth');
      fs.writeFileSync(empty, '');
      await expect(loadTorchStateDict(empty, { weights: 'model' })).rejects.toThrow(/empty file, not a torch checkpoint/);
      await expect(loadTorchStateDict(path.join(FIXTURES, 'degradation/000001-hr.png'), { weights: 'model' })).rejects.toThrow(
        /not a torch checkpoint: expected a zip archive/,
      );
    });

    it('EMA weights survive the project model file bit for bit', async () => {
      const saved = await saveModelFile(path.join(dir, 'tiny-ema'), zipEma, { nf: 16 }, {
        name: 'fasr-tiny-ema',
        description: 'The fixtures tiny NCSN++ with EMA weights, converted from checkpoint.pth.',
        architecture: 'NCSN++ (VE SDE), nf 16',
        source: `tiny/checkpoint.pth sha256 ${createHash('sha256').update(fs.readFileSync(ZIP)).digest('hex')}`,
        data: { datasets: ['random weights (no training data)'], licence: 'n/a' },
        licence: 'MIT',
        intendedUse: 'tests',
        limitations: 'random weights',
        steps: 2,
        metrics: {},
        createdAt: '2026-11-26T00:00:00Z',
      });
      const back = await loadModelFile(saved.sidecarPath);
      expect(back.sha256).toBe(saved.sha256);
      const sortedEma = new Map([...zipEma].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      expectSameStateDict(sortedEma, back.stateDict);
    });
  });
});
