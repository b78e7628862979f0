/**
 * Issue 16's training data and batches on real CelebA photos (../shared/data/faces/celeba-train-ids,
 * training identities only): prepareIdentityData (detector, alignment, identity labels, descriptors
 * of degraded copies, split by identity, cache reuse); F_M of a labelled face fused from *other*
 * photos of the person only; batches that are a pure function of (seed, step), equal whether made
 * here or in the prefetching worker thread.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../../src/runtime/backend';
import { fillIdentityDataPartsFromEnd, loadIdentityData, prepareIdentityData } from '../../../../src/sr/train/prepare-identity-data';
import type { IdentityData } from '../../../../src/sr/train/prepare-identity-data';
import { RecipeBatchPrefetcher } from '../../../../src/sr/train/recipe-batch-worker';
import { loadSrModel, NCSNPP_PRESETS } from '../../../../src/sr';
import { listCheckpointSteps, readLatestTrainingCheckpoint, trainScoreModel } from '../../../../src/sr/train';
import { fuseTrainingFeatures, makeRecipeBatch, parseResidualRecipeConfig, recipeSplit, residualRecipeLossTerms } from '../../../../src/sr/train/residual-recipe';
import { zoomCenterHWC } from '../../../../src/sr/train/zoom-center';

const CELEBA = path.resolve(__dirname, '../../../../../shared/data/faces/celeba-train-ids');
let tmp: string;
let data: IdentityData;
let dataDir: string;
let photos = 0;

beforeAll(async () => {
  await initBackend('wasm');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-identity-'));
  // The first three identities' photos (labels.csv order), as their own labelled folder.
  const rows = fs.readFileSync(path.join(CELEBA, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const ids = [...new Set(rows.map((r) => r[1]))].slice(0, 3);
  const chosen = rows.filter((r) => ids.includes(r[1])).slice(0, 14);
  photos = chosen.length;
  const src = path.join(tmp, 'src');
  for (const [file] of chosen) {
    fs.mkdirSync(path.dirname(path.join(src, file as string)), { recursive: true });
    fs.copyFileSync(path.join(CELEBA, file as string), path.join(src, file as string));
  }
  fs.writeFileSync(path.join(src, 'labels.csv'), `filename,celeba_identity\n${chosen.map((r) => r.join(',')).join('\n')}\n`);
  dataDir = path.join(tmp, 'cache');
  const cfg = { sourceDir: src, labels: 'labels.csv', outDir: dataDir, embedder: 'lbp', copies: 2, validationFraction: 0.34, partSize: 3 };
  // A preparation stopped after its first part (as by a session's end) continues from the parts on disk.
  await expect(
    prepareIdentityData(cfg, (p) => {
      if (p.done === 4) throw new Error('stopped after the first part');
    }),
  ).rejects.toThrow(/stopped/);
  // Part 0 written; part 1 still claimed by this (live) process, which a second process would respect.
  expect(fs.readdirSync(path.join(dataDir, 'parts')).sort()).toEqual(['00000-claim', '00000-copies.npy', '00000-hr.npy', '00000-meta.json', '00001-claim']);
  const seen: number[] = [];
  const first = await prepareIdentityData(cfg, (p) => seen.push(p.done));
  expect(first.reused).toBe(false);
  expect(seen[0]).toBe(3); // the first part was read back, not recomputed
  expect(fs.existsSync(path.join(dataDir, 'parts'))).toBe(false);
  // The same result as an uninterrupted preparation.
  const whole = await prepareIdentityData({ ...cfg, outDir: path.join(tmp, 'other', 'whole'), partSize: 250 });
  expect(whole.manifest.inputsHash).toBe(first.manifest.inputsHash);
  expect(fs.readFileSync(path.join(tmp, 'other', 'whole', 'cctv-features.npy')).equals(fs.readFileSync(path.join(dataDir, 'cctv-features.npy')))).toBe(true);
  expect(fs.readFileSync(path.join(tmp, 'other', 'whole', 'hr.npy')).equals(fs.readFileSync(path.join(dataDir, 'hr.npy')))).toBe(true);
  expect((await prepareIdentityData(cfg)).reused).toBe(true);
  // Two processes on one cache: a forward run stopped after part 0 stands for the one still
  // running; the from-end filler writes parts 4, 3, 2, 1 and stops at part 0; the forward run then
  // computes nothing (one progress event per part, read back) and assembles the same cache.
  const shared = { ...cfg, outDir: path.join(tmp, 'other', 'two') };
  await expect(
    prepareIdentityData(shared, (p) => {
      if (p.done === 4) throw new Error('stopped after the first part');
    }),
  ).rejects.toThrow(/stopped/);
  expect(await fillIdentityDataPartsFromEnd(shared)).toEqual({ written: Math.ceil(photos / 3) - 1 });
  expect(await fillIdentityDataPartsFromEnd(shared)).toEqual({ written: 0 });
  const readBack: number[] = [];
  const two = await prepareIdentityData(shared, (p) => readBack.push(p.done));
  expect(readBack).toEqual(Array.from({ length: Math.ceil(photos / 3) }, (_, k) => Math.min(photos, 3 * (k + 1))));
  expect(fs.readFileSync(path.join(shared.outDir, 'cctv-features.npy')).equals(fs.readFileSync(path.join(dataDir, 'cctv-features.npy')))).toBe(true);
  expect(fs.readFileSync(path.join(shared.outDir, 'hr.npy')).equals(fs.readFileSync(path.join(dataDir, 'hr.npy')))).toBe(true);
  expect(two.manifest.inputsHash).toBe(first.manifest.inputsHash);
  expect(await fillIdentityDataPartsFromEnd(shared)).toEqual({ written: 0 }); // a finished cache: nothing to fill
  data = loadIdentityData(dataDir);
}, 300_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('identity training data', () => {
  it('keeps detected faces with their identity, two descriptors of degraded copies each, split by identity', () => {
    const m = data.manifest;
    expect(m.labelled).toBe(true);
    expect(photos).toBeGreaterThanOrEqual(8);
    expect(m.files.length + m.skipped.length).toBe(photos);
    expect(m.files.length).toBeGreaterThanOrEqual(photos - 2);
    expect(m.identities.length).toBe(3);
    expect(data.hr.length).toBe(m.files.length * 128 * 128 * 3);
    expect(data.copyFeatures.length).toBe(m.files.length * 2 * m.embedder.dim);
    // The two copies of a face are degraded differently: their descriptors differ.
    const d = m.embedder.dim;
    const a = data.copyFeatures.subarray(0, d);
    const b = data.copyFeatures.subarray(d, 2 * d);
    expect(a.some((v, i) => v !== b[i])).toBe(true);
    const valIds = new Set(m.split.validation.map((r) => data.identity[r]));
    const trainIds = new Set(m.split.train.map((r) => data.identity[r]));
    expect([...valIds].filter((id) => trainIds.has(id))).toEqual([]);
    expect(m.split.train.length + m.split.validation.length).toBe(m.files.length);
  });

  it('F_M of a labelled face fuses other photos of the person, never its own', () => {
    // Replace the descriptors: own copies along e0, every other face along e1.
    const d = data.manifest.embedder.dim;
    const copies = new Float32Array(data.copyFeatures.length);
    const row = data.manifest.split.train[0] as number;
    for (let r = 0; r < data.manifest.files.length; r++) for (let k = 0; k < 2; k++) copies[(r * 2 + k) * d + (r === row ? 0 : 1)] = 1;
    const probe = { ...data, copyFeatures: copies };
    const same = data.manifest.split.train.filter((r) => data.identity[r] === data.identity[row]);
    expect(same.length).toBeGreaterThan(1);
    let k = 0;
    const u = (): number => ((k++ * 0.618) % 1);
    for (let t = 0; t < 10; t++) {
      const f = fuseTrainingFeatures(probe, row, same, 8, u);
      expect(f.feat[0]).toBe(0);
      expect(f.feat[1]).toBeGreaterThan(0.99);
    }
    // Alone in its identity: its own degraded copies.
    const alone = fuseTrainingFeatures(probe, row, [row], 8, u);
    expect(alone.feat[0]).toBeGreaterThan(0.99);
  });

  it('batches are a function of (seed, step), the same from the worker thread; the loss terms rebuild the residual', async () => {
    const recipe = parseResidualRecipeConfig({ pNullFeatures: 0.5 });
    const split = recipeSplit([data], 'train');
    const a = await makeRecipeBatch([data], split, recipe, 7, 3, 4);
    const again = await makeRecipeBatch([data], split, recipe, 7, 3, 4);
    const other = await makeRecipeBatch([data], split, recipe, 7, 4, 4);
    expect(Buffer.from(again.y.buffer).equals(Buffer.from(a.y.buffer))).toBe(true);
    expect(Buffer.from(other.y.buffer).equals(Buffer.from(a.y.buffer))).toBe(false);
    for (const r of a.rows) expect(r.lrSide).toBeGreaterThanOrEqual(12);
    const pf = new RecipeBatchPrefetcher({ dataDirs: [dataDir], recipe, seed: 7, batchSize: 4 }, 2);
    try {
      const w = await pf.next(3);
      for (const key of ['hr', 'y', 'feat', 'sigma', 'noise', 'signal'] as const) expect(Buffer.from(w[key].buffer).equals(Buffer.from(a[key].buffer))).toBe(true);
      expect(w.rows).toEqual(a.rows);
      const w4 = await pf.next(4);
      expect(Buffer.from(w4.noise.buffer).equals(Buffer.from(other.noise.buffer))).toBe(true);
    } finally {
      await pf.close();
    }
    const t = residualRecipeLossTerms(a, recipe.sigmaData);
    const px = 128 * 128 * 3;
    for (const i of [0, 12345, px + 7]) {
      const b = Math.floor(i / px);
      expect(t.target[i]).toBeCloseTo((a.hr[i] ?? 0) - (a.y[i] ?? 0), 6);
      expect(t.skip[i]).toBeCloseTo((t.target[i] ?? 0) + (a.sigma[b] ?? 0) * (a.noise[i] ?? 0), 5);
    }
  });

  it("sigmaMaxInput 'noise': the σ_max rows' input is the noise alone (the sampler's start), every other row and draw unchanged", async () => {
    const split = recipeSplit([data], 'train');
    const base = parseResidualRecipeConfig({ pSigmaMax: 0.5 });
    expect(base.sigmaMaxInput).toBe('residual-plus-noise'); // what runs before it trained on
    const old = await makeRecipeBatch([data], split, base, 7, 3, 8);
    const cfg = parseResidualRecipeConfig({ pSigmaMax: 0.5, sigmaMaxInput: 'noise' });
    const now = await makeRecipeBatch([data], split, cfg, 7, 3, 8);
    for (const key of ['hr', 'y', 'feat', 'sigma', 'noise'] as const) expect(Buffer.from(now[key].buffer).equals(Buffer.from(old[key].buffer))).toBe(true);
    const atMax = [...now.sigma].map((sg) => sg === cfg.sigmaMax);
    expect(atMax.filter(Boolean).length).toBeGreaterThan(0);
    expect(atMax.filter((x) => !x).length).toBeGreaterThan(0);
    expect([...old.signal]).toEqual(atMax.map(() => 1));
    expect([...now.signal]).toEqual(atMax.map((m) => (m ? 0 : 1)));
    const tOld = residualRecipeLossTerms(old, cfg.sigmaData);
    const tNow = residualRecipeLossTerms(now, cfg.sigmaData);
    const px = 128 * 128 * 3;
    for (let b = 0; b < 8; b++) {
      for (const i of [b * px, b * px + 4321]) {
        expect(tNow.target[i]).toBe(tOld.target[i]); // the target is r either way
        if (atMax[b] === true) expect(tNow.skip[i]).toBe(Math.fround(cfg.sigmaMax * (now.noise[i] ?? 0)));
        else expect(tNow.skip[i]).toBe(tOld.skip[i]);
      }
    }
    expect(() => parseResidualRecipeConfig({ sigmaMaxInput: 'clean' })).toThrow(/sigmaMaxInput/);
  });

  it('zoom (framing augmentation): off by default and then draws nothing; on, the HR face is the centre zoom of the cached face and every other draw is unchanged', async () => {
    const split = recipeSplit([data], 'train');
    const off = await makeRecipeBatch([data], split, parseResidualRecipeConfig({}), 7, 3, 4);
    const explicitOff = await makeRecipeBatch([data], split, parseResidualRecipeConfig({ zoom: [1, 1] }), 7, 3, 4);
    expect(Buffer.from(explicitOff.y.buffer).equals(Buffer.from(off.y.buffer))).toBe(true);
    const fixed = await makeRecipeBatch([data], split, parseResidualRecipeConfig({ zoom: [1.35, 1.35] }), 7, 3, 4);
    expect(fixed.rows).toEqual(off.rows); // same faces, flips, LR sizes, F_M members
    expect(Buffer.from(fixed.noise.buffer).equals(Buffer.from(off.noise.buffer))).toBe(true);
    expect(Buffer.from(fixed.feat.buffer).equals(Buffer.from(off.feat.buffer))).toBe(true);
    const px = 128 * 128 * 3;
    for (let b = 0; b < 4; b++) {
      const expected = zoomCenterHWC(off.hr.subarray(b * px, (b + 1) * px), 128, 3, 1.35);
      expect(Buffer.from(fixed.hr.subarray(b * px, (b + 1) * px).slice().buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    }
    // A range draws a zoom per face: the faces differ from both ends' zooms in general, deterministically.
    const ranged = await makeRecipeBatch([data], split, parseResidualRecipeConfig({ zoom: [1, 1.4] }), 7, 3, 4);
    const again = await makeRecipeBatch([data], split, parseResidualRecipeConfig({ zoom: [1, 1.4] }), 7, 3, 4);
    expect(Buffer.from(again.hr.buffer).equals(Buffer.from(ranged.hr.buffer))).toBe(true);
    expect(Buffer.from(ranged.hr.buffer).equals(Buffer.from(off.hr.buffer))).toBe(false);
    // Validation batches are never zoomed.
    const vOff = await makeRecipeBatch([data], recipeSplit([data], 'validation'), parseResidualRecipeConfig({}), 7, 0, 2, { validation: true });
    const vOn = await makeRecipeBatch([data], recipeSplit([data], 'validation'), parseResidualRecipeConfig({ zoom: [1.2, 1.4] }), 7, 0, 2, { validation: true });
    expect(Buffer.from(vOn.hr.buffer).equals(Buffer.from(vOff.hr.buffer))).toBe(true);
    expect(() => parseResidualRecipeConfig({ zoom: [1.4, 1.2] })).toThrow('invalid residual recipe config: zoom [1.4, 1.2] is not a range');
    expect(() => parseResidualRecipeConfig({ zoom: [0.5, 1.2] })).toThrow(/zoom/);
  });
});

describe('training the residual-EDM recipe', () => {
  const model = { ...NCSNPP_PRESETS.tiny, imageSize: 128, nf: 8, chMult: [1, 2], attnResolutions: [], featDim: 0, scaleBySigma: false, sigmaMin: 0.002, sigmaMax: 1 };
  const base = (outDir: string, steps: number) => ({
    dataDir: path.dirname(dataDir),
    outDir,
    model: { ...model, featDim: data.manifest.embedder.dim },
    steps,
    batchSize: 2,
    warmupSteps: 2,
    checkpointEvery: 2,
    validateEvery: 2,
    validationSamples: 2,
    engine: 'onnx',
    recipe: { sigmaData: 0.07 },
  });

  it('trains on the onnx engine from the identity caches, resumes bit for bit, and saves a residual-edm model', async () => {
    const straight = path.join(tmp, 'run-straight');
    const split = path.join(tmp, 'run-split');
    const validations: number[] = [];
    const a = await trainScoreModel(base(straight, 3), { onValidation: (v) => validations.push(v.loss) });
    expect(a.engine).toBe('onnx');
    expect(validations.length).toBe(1);
    expect(Number.isFinite(validations[0])).toBe(true);
    await trainScoreModel(base(split, 2));
    expect(listCheckpointSteps(split)[0]).toBe(2);
    // As a checkpoint written before the recipe had `zoom` (the committed run's): it resumes as zoom's default, [1, 1].
    const ckptJson = path.join(split, 'checkpoints', 'step-000000002.json');
    const saved = JSON.parse(fs.readFileSync(ckptJson, 'utf8')) as { config: { recipe: Record<string, unknown> } };
    expect(saved.config.recipe.zoom).toEqual([1, 1]);
    delete saved.config.recipe.zoom;
    fs.writeFileSync(ckptJson, JSON.stringify(saved));
    await trainScoreModel({ ...base(split, 3), resume: true });
    const x = readLatestTrainingCheckpoint(straight);
    const y = readLatestTrainingCheckpoint(split);
    expect(x?.state.step).toBe(3);
    expect(y?.state.step).toBe(3);
    for (const kind of ['param', 'ema', 'adam_m', 'adam_v'] as const) {
      for (const [name, t] of x?.tensors[kind] ?? new Map()) {
        const u = y?.tensors[kind].get(name);
        expect(Buffer.from((await u!.data()).buffer).equals(Buffer.from((await t.data()).buffer))).toBe(true);
      }
    }
    // Other data continue the run only when asked to (resumeWithNewData), and the log says so.
    const moved = path.join(tmp, 'moved-data');
    fs.mkdirSync(moved);
    fs.cpSync(dataDir, path.join(moved, 'cache'), { recursive: true });
    const manifestFile = path.join(moved, 'cache', 'dataset.json');
    fs.writeFileSync(manifestFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifestFile, 'utf8')), inputsHash: 'f'.repeat(64) }));
    await expect(trainScoreModel({ ...base(split, 4), dataDir: moved, resume: true })).rejects.toThrow(/other data .*resumeWithNewData/);
    await trainScoreModel({ ...base(split, 4), dataDir: moved, resume: true, resumeWithNewData: true });
    expect(fs.readFileSync(path.join(split, 'train-log.jsonl'), 'utf8')).toMatch(/"kind":"data-changed","step":3/);
    // Another recipe (σ_d) cannot continue this run, even when asked to take a new schedule.
    await expect(trainScoreModel({ ...base(split, 5), resume: true, recipe: { sigmaData: 0.1 } })).rejects.toThrow(/different recipe/);
    await expect(trainScoreModel({ ...base(split, 5), resume: true, resumeWithNewRecipe: true, recipe: { sigmaData: 0.1, pSigmaMax: 0.5 } })).rejects.toThrow(/different recipe/);
    // Another sampling schedule (the share at σ_max) continues it only when asked to, and the log says so.
    await expect(trainScoreModel({ ...base(split, 5), dataDir: moved, resume: true, recipe: { sigmaData: 0.07, pSigmaMax: 0.5 } })).rejects.toThrow(/different recipe/);
    await trainScoreModel({ ...base(split, 5), dataDir: moved, resume: true, resumeWithNewRecipe: true, recipe: { sigmaData: 0.07, pSigmaMax: 0.5 } });
    expect(readLatestTrainingCheckpoint(split)?.state.step).toBe(5);
    expect(fs.readFileSync(path.join(split, 'train-log.jsonl'), 'utf8')).toMatch(/"kind":"recipe-changed","step":4,"from":\{"pSigmaMax":0.1\},"to":\{"pSigmaMax":0.5\}/);
    // An lr anneal is a schedule: a resumed run may add it, the log says so, and the steps after its end use finalLr.
    await trainScoreModel({ ...base(split, 7), dataDir: moved, resume: true, resumeWithNewRecipe: true, recipe: { sigmaData: 0.07, pSigmaMax: 0.5 }, lrDecay: { startStep: 5, steps: 1, finalLr: 1e-6 } });
    const log = fs.readFileSync(path.join(split, 'train-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; step: number; lr?: number; to?: unknown });
    expect(log.find((e) => e.kind === 'lr-decay-changed')).toMatchObject({ step: 5, to: { startStep: 5, steps: 1, finalLr: 1e-6 } });
    expect(log.filter((e) => e.kind === 'progress' && e.step === 7).map((e) => e.lr)).toEqual([1e-6]);
    const loaded = await loadSrModel({ model: straight, engine: 'onnx' });
    try {
      expect(loaded.formulation).toEqual({ kind: 'residual-edm', sigmaData: 0.07, lrInput: 'native' });
      expect(loaded.card?.source).toMatch(/loss residual-edm, engine onnxruntime-node/);
      expect(loaded.card?.data.datasets[0]).toMatch(/other photos of the person/);
    } finally {
      await loaded.dispose();
    }
  }, 600_000);

  it('refuses a network that divides by σ for the residual objective, and one that does not for DSM', async () => {
    await expect(trainScoreModel({ ...base(path.join(tmp, 'bad1'), 1), model: { ...base('', 1).model, scaleBySigma: true } })).rejects.toThrow(/scaleBySigma/);
    await expect(trainScoreModel({ ...base(path.join(tmp, 'bad2'), 1), recipe: { objective: 'dsm' } })).rejects.toThrow(/scaleBySigma/);
  });
});
