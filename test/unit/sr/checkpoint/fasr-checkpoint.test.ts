import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointError } from '../../../../src/contracts';
import { loadTorchStateDict, readFasrCheckpoint } from '../../../../src/sr/checkpoint';
import { le, nums, PickleBytes, torchZip } from './pickle-bytes';

interface T {
  name: string;
  type: 'FloatStorage' | 'DoubleStorage';
  key: string;
  shape: number[];
}

/** A miniature authors' checkpoint: model {sigmas, all_modules.0.W, a.weight, a.bias}, EMA shadows, Adam, step. */
function checkpoint(opts: { shadows?: T[]; modelKeys?: string[]; withEma?: boolean } = {}): Uint8Array {
  const model: T[] = [
    { name: 'module.sigmas', type: 'DoubleStorage', key: '0', shape: [2] },
    { name: 'module.all_modules.0.W', type: 'FloatStorage', key: '1', shape: [2] },
    { name: 'module.a.weight', type: 'FloatStorage', key: '2', shape: [2, 2] },
    { name: 'module.a.bias', type: 'FloatStorage', key: '3', shape: [2] },
  ].map((t, i) => ({ ...t, name: opts.modelKeys?.[i] ?? t.name })) as T[];
  const shadows: T[] = opts.shadows ?? [
    { name: '', type: 'FloatStorage', key: '4', shape: [2, 2] },
    { name: '', type: 'FloatStorage', key: '5', shape: [2] },
  ];
  const numel = (s: number[]): number => s.reduce((a, b) => a * b, 1);
  const strides = (s: number[]): number[] => s.map((_, i) => numel(s.slice(i + 1)));
  const p = new PickleBytes().proto().emptyDict().mark();
  p.str('optimizer').emptyDict().mark().str('state').emptyDict().str('param_groups').emptyList().emptyDict().mark();
  p.str('lr').float(2e-4).str('betas').float(0.9).float(0.999).tuple2().str('eps').float(1e-8).str('weight_decay').int(0);
  p.str('amsgrad').bool(false).str('params').emptyList().mark().int(0).int(1).int(2).appends();
  p.setitems().append().setitems();
  p.str('model').global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  for (const t of model) p.str(t.name).tensor(t.type, t.key, numel(t.shape), 0, t.shape, strides(t.shape));
  p.setitems();
  if (opts.withEma !== false) {
    p.str('ema').emptyDict().mark().str('decay').float(0.999).str('num_updates').int(3).str('shadow_params').emptyList().mark();
    for (const t of shadows) p.tensor(t.type, t.key, numel(t.shape), 0, t.shape, strides(t.shape));
    p.appends().setitems();
  }
  p.str('step').int(5).setitems().stop();
  const storages: Record<string, Uint8Array> = {};
  for (const t of [...model, ...shadows]) {
    const n = numel(t.shape);
    const base = Number(t.key) * 10;
    storages[t.key] = t.type === 'DoubleStorage' ? le(Float64Array.from({ length: n }, (_, i) => base + i)) : le(Float32Array.from({ length: n }, (_, i) => base + i));
  }
  return torchZip(p.bytes(), storages, { root: 'checkpoint' });
}

describe('loadTorchStateDict / readFasrCheckpoint on a synthetic checkpoint', () => {
  let dir: string;
  const write = (bytes: Uint8Array): string => {
    const f = path.join(dir, `c${fs.readdirSync(dir).length}.pth`);
    fs.writeFileSync(f, bytes);
    return f;
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-ckpt-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("strips 'module.' and maps shadows onto the trainable tensors only", async () => {
    const file = write(checkpoint());
    const model = await loadTorchStateDict(file, { weights: 'model' });
    const ema = await loadTorchStateDict(file, { weights: 'ema' });
    expect([...model.keys()]).toEqual(['sigmas', 'all_modules.0.W', 'a.weight', 'a.bias']);
    expect([...ema.keys()]).toEqual([...model.keys()]);
    expect(nums(model.get('a.weight')?.data)).toEqual([20, 21, 22, 23]);
    expect(nums(ema.get('a.weight')?.data)).toEqual([40, 41, 42, 43]);
    expect(nums(ema.get('a.bias')?.data)).toEqual([50, 51]);
    expect(nums(ema.get('all_modules.0.W')?.data)).toEqual([10, 11]);
    expect(ema.get('sigmas')?.data).toBeInstanceOf(Float64Array);
    const full = await readFasrCheckpoint(file);
    expect(full.step).toBe(5);
    expect(full.ema.numUpdates).toBe(3);
    expect(full.optimizer.paramGroups[0]?.lr).toBe(2e-4);
    expect(full.optimizer.state.size).toBe(0);
  });

  it('is strict about the EMA list: count, shape and dtype, naming the tensor', async () => {
    const fewer = write(checkpoint({ shadows: [{ name: '', type: 'FloatStorage', key: '4', shape: [2, 2] }] }));
    await expect(loadTorchStateDict(fewer, { weights: 'ema' })).rejects.toThrow(/'ema'\.shadow_params has 1 tensors, expected 2/);
    // The model weights alone do not need the EMA.
    await expect(loadTorchStateDict(fewer, { weights: 'model' })).resolves.toBeInstanceOf(Map);
    const shape = write(
      checkpoint({
        shadows: [
          { name: '', type: 'FloatStorage', key: '4', shape: [4] },
          { name: '', type: 'FloatStorage', key: '5', shape: [2] },
        ],
      }),
    );
    const err = await loadTorchStateDict(shape, { weights: 'ema' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).message).toMatch(/EMA shadow 0 for 'a\.weight' has shape \[4\], expected \[2, 2\]/);
    expect((err as CheckpointError).context).toMatchObject({ tensor: 'a.weight', expected: [2, 2], actual: [4] });
    const dtype = write(
      checkpoint({
        shadows: [
          { name: '', type: 'FloatStorage', key: '4', shape: [2, 2] },
          { name: '', type: 'DoubleStorage', key: '5', shape: [2] },
        ],
      }),
    );
    await expect(loadTorchStateDict(dtype, { weights: 'ema' })).rejects.toThrow(/EMA shadow 1 for 'a\.bias' has dtype float64, expected float32/);
    await expect(readFasrCheckpoint(shape)).rejects.toThrow(/has shape \[4\], expected \[2, 2\]/);
  });

  it('requires the non-trainable keys to exist and honours a custom list', async () => {
    const file = write(checkpoint());
    await expect(loadTorchStateDict(file, { weights: 'ema', nonTrainableKeys: ['sigmas'] })).rejects.toThrow(/has 2 tensors, expected 3/);
    await expect(loadTorchStateDict(file, { weights: 'ema', nonTrainableKeys: ['sigmas', 'W'] })).rejects.toThrow(/non-trainable tensor 'W' is not in 'model'/);
  });

  it('rejects a __proto__ tensor name, mixed prefixes, a missing EMA and bad options', async () => {
    const proto = write(checkpoint({ modelKeys: ['module.sigmas', 'module.all_modules.0.W', 'module.__proto__', 'module.a.bias'] }));
    await expect(loadTorchStateDict(proto, { weights: 'model' })).rejects.toThrow(/invalid state_dict key "__proto__"/);
    expect(({} as Record<string, unknown>).a).toBeUndefined();
    const mixed = write(checkpoint({ modelKeys: ['sigmas'] }));
    await expect(loadTorchStateDict(mixed, { weights: 'model' })).rejects.toThrow(/mixes keys with and without the 'module\.' prefix \(3 of 4 prefixed\)/);
    const noEma = write(checkpoint({ withEma: false }));
    await expect(loadTorchStateDict(noEma, { weights: 'ema' })).rejects.toThrow(/'ema' is missing/);
    await expect(readFasrCheckpoint(noEma)).rejects.toThrow(/the checkpoint lacks 'ema'/);
    const file = write(checkpoint());
    await expect(loadTorchStateDict(file, { weights: 'emma' as 'ema' })).rejects.toThrow(/weights must be 'model' or 'ema', got "emma"/);
    await expect(loadTorchStateDict(file, { weights: 'ema', wieghts: 1 } as never)).rejects.toThrow(/loadTorchStateDict: unknown option "wieghts"; valid options: weights, nonTrainableKeys/);
    await expect(readFasrCheckpoint(file, { weights: 'model' } as never)).rejects.toThrow(/readFasrCheckpoint: unknown option "weights"; valid options: nonTrainableKeys/);
    await expect(loadTorchStateDict(path.join(dir, 'missing.pth'), { weights: 'model' })).rejects.toThrow(/missing\.pth: cannot open/);
  });

  it('refuses a hostile checkpoint on disk without running it', async () => {
    const marker = path.join(dir, 'pwned');
    const pkl = new PickleBytes().proto().emptyDict().str('model').global('os', 'system').str(`touch ${marker}`).tuple1().reduce().setitem().stop().bytes();
    const file = write(torchZip(pkl, {}, { root: 'checkpoint' }));
    await expect(loadTorchStateDict(file, { weights: 'model' })).rejects.toThrow(/forbidden global 'os\.system'/);
    expect(fs.existsSync(marker)).toBe(false);
  });
});
