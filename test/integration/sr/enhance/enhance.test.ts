/**
 * The SR enhancement service with the tiny reference checkpoint (tiny/checkpoint.pth, 32x32,
 * featDim 64) on wasm, a real face of fasr-samples, and a real SQLite store in a temp dir.
 * Determinism is checked bit for bit (no tolerance: same seed, inputs and model must give the
 * same bytes), with few steps to stay fast.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ScoredDetection } from '../../../../src/contracts';
import { decodeImageRgb, floatToUint8, readImageRgb, readPngText, uint8ToFloat } from '../../../../src/image';
import { initBackend } from '../../../../src/runtime/backend';
import { saveModelFile } from '../../../../src/sr/checkpoint';
import { enhanceFaces, enhanceImageFiles, loadSrModel, modelLrFromCrop, parseSrSamplingConfig, SYNTHESIZED_LABEL } from '../../../../src/sr/enhance';
import type { SrModel } from '../../../../src/sr/enhance';
import { NCSNPP_PRESETS, parseNcsnppConfig } from '../../../../src/sr/model-config';
import { NcsnppModel } from '../../../../src/sr/models';
import { SeededNoiseSource } from '../../../../src/sr/noise';
import { openStore } from '../../../../src/store';
import type { Store } from '../../../../src/store';
import { createTrackEnhancer, enhanceTrack, enhanceTracks } from '../../../../pipelines';

const SHARED = path.resolve(__dirname, '../../../../../shared');
const TINY = path.join(SHARED, 'fixtures/fasr-reference/tiny');
const SAMPLES = path.join(SHARED, 'data/faces/fasr-samples');
const PROBE_LR = path.join(SAMPLES, 'probe_LR/000001.jpg');

function detection(frameIndex: number): ScoredDetection {
  return {
    frameIndex,
    ptsMs: frameIndex * 200,
    bboxXYWH: [10, 10, 100, 100],
    score: 0.9,
    landmarks: { leftEye: [40, 50], rightEye: [88, 50], nose: [64, 75], mouthLeft: [45, 95], mouthRight: [83, 95] },
    yawDeg: 0,
    pitchDeg: 0,
    rollDeg: 0,
    quality: 0.7,
    sharpness: 100,
    frontalness: 0.9,
  };
}

let model: SrModel;
let dir: string;

beforeAll(async () => {
  await initBackend('wasm');
  // These tests pin the tfjs engine on wasm (its goldens); the default engine is the fastest installed (onnx), tested in cli/sr.test.ts.
  model = await loadSrModel({ model: path.join(TINY, 'checkpoint.pth'), config: path.join(TINY, 'config.json'), engine: 'tfjs' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-sr-enhance-'));
});

afterAll(async () => {
  await model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('loadSrModel', () => {
  it("loads the authors' checkpoint with its config and records id and sha256 of the file", () => {
    expect(model.id).toBe('authors:checkpoint.pth#ema');
    expect(model.sha256).toBe(createHash('sha256').update(fs.readFileSync(path.join(TINY, 'checkpoint.pth'))).digest('hex'));
    expect(model.format).toBe('torch');
    expect(model.config).toEqual(NCSNPP_PRESETS.tiny);
    expect(model.engine).toBe('tfjs');
    expect(model.backend).toBe('wasm');
  });

  it('fails clearly for a missing, unsupported or absent model', async () => {
    await expect(loadSrModel({ model: path.join(dir, 'nope.pth') })).rejects.toThrow(/--model: .*nope\.pth does not exist; pass --model <file>/);
    const txt = path.join(dir, 'weights.bin');
    fs.writeFileSync(txt, 'x');
    await expect(loadSrModel({ model: txt })).rejects.toThrow(/is not a supported model file; expected a fasr model .* or the authors' checkpoint \(\.pth, \.pt, \.ckpt\)/);
    const empty = fs.mkdtempSync(path.join(dir, 'models-'));
    await expect(loadSrModel({ modelsDir: empty })).rejects.toThrow(`no SR model given and none bundled in ${empty}; pass --model <file>`);
    // The paper preset does not fit the tiny checkpoint: strict loading names a tensor.
    await expect(loadSrModel({ model: path.join(TINY, 'checkpoint.pth'), engine: 'tfjs' })).rejects.toThrow(/tensor "sigmas" has shape \[4\], expected \[2000\]/);
    await expect(loadSrModel({ model: path.join(TINY, 'checkpoint.pth'), config: 'huge' })).rejects.toThrow(/--config: expected a preset \(tiny, paper\) or a \.json file/);
  });
});

describe('enhanceFaces', () => {
  const noise = new SeededNoiseSource(7);
  const requests = [0, 1, 2].map((i) => ({ lrImageHWC: noise.uniformArray(32 * 32 * 3), size: 32, featureVector: i === 1 ? null : noise.normalArray(64), seed: 100 + i }));

  it('gives each face the same bits alone or batched (per-face seeds), in [0,1], without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const batched = await enhanceFaces(requests, { model, sampler: 'pc', steps: 3, batchSize: 3 });
    const split = await enhanceFaces(requests, { model, sampler: 'pc', steps: 3, batchSize: 2 });
    const alone = await Promise.all(requests.map(async (r) => (await enhanceFaces([r], { model, sampler: 'pc', steps: 3 }))[0]));
    expect(tf.memory().numTensors).toBe(before);
    batched.forEach((face, i) => {
      expect(Buffer.from(face.imageHWC.buffer).equals(Buffer.from((alone[i]?.imageHWC as Float32Array).buffer))).toBe(true);
      expect(Buffer.from(face.imageHWC.buffer).equals(Buffer.from((split[i]?.imageHWC as Float32Array).buffer))).toBe(true);
      expect(face.imageHWC.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(face).toMatchObject({ size: 32, steps: 3, networkEvaluations: 6, sampler: 'pc(steps=3,snr=0.16,nSteps=1,eps=0.00001,langevinStepSize=per-sample)', seed: 100 + i, batchFaces: 3 });
    });
    expect(batched.map((f) => f.conditioning)).toEqual(['fm', 'zero', 'fm']);
    // Another seed is another image.
    const other = await enhanceFaces([{ ...(requests[0] as (typeof requests)[number]), seed: 5 }], { model, sampler: 'pc', steps: 3 });
    expect(Buffer.from((other[0]?.imageHWC as Float32Array).buffer).equals(Buffer.from((batched[0]?.imageHWC as Float32Array).buffer))).toBe(false);
  });

  it.each([
    ['heun', { steps: 3 }],
    ['adaptive', { samplerOptions: { epsRel: 0.5, epsAbs: 0.5 } }],
  ] as const)('%s: the same bits alone or batched', async (sampler, extra) => {
    const two = requests.slice(0, 2);
    const batched = await enhanceFaces(two, { model, sampler, ...extra, batchSize: 2 });
    for (const [i, r] of two.entries()) {
      const [alone] = await enhanceFaces([r], { model, sampler, ...extra });
      expect(Buffer.from((alone?.imageHWC as Float32Array).buffer).equals(Buffer.from((batched[i]?.imageHWC as Float32Array).buffer))).toBe(true);
    }
    expect(batched[0]?.samplerName).toBe(sampler);
  });

  it('rejects a bad sampler (listing the valid ones), unknown options, a wrong feature dim', async () => {
    await expect(enhanceFaces(requests, { model, sampler: 'ddim' })).rejects.toThrow(
      'enhanceFaces.sampler: expected one of "pc", "reverse-diffusion", "euler-maruyama", "probability-flow", "heun", "euler-ode", "adaptive", received "ddim"',
    );
    await expect(enhanceFaces(requests, { model, stepz: 3 } as never)).rejects.toThrow(/unknown option.*stepz/);
    await expect(enhanceFaces([{ ...(requests[0] as (typeof requests)[number]), featureVector: new Float32Array(512) }], { model, sampler: 'pc', steps: 1 })).rejects.toThrow(
      'enhanceFaces: request 0: feature dim mismatch: F_M has 512 values, model authors:checkpoint.pth#ema expects featDim 64',
    );
    await expect(enhanceFaces([{ ...(requests[0] as (typeof requests)[number]), size: 128 }], { model, sampler: 'pc', steps: 1 })).rejects.toThrow(/size 128 does not match the model's image size 32/);
  });

  it('stops between steps when aborted', async () => {
    const ac = new AbortController();
    const run = enhanceFaces(requests.slice(0, 1), { model, sampler: 'pc', steps: 50, onProgress: (p) => p.step === 1 && ac.abort(new Error('stop now')), signal: ac.signal });
    await expect(run).rejects.toThrow('stop now');
  });
});

describe('enhanceTrack and enhanceImageFiles', () => {
  let store: Store;
  let trackId: number;
  let fmVector: Float32Array;

  beforeAll(async () => {
    store = openStore(path.join(dir, 'store.db'));
    const src = store.upsertSource({ path: '/clips/cam1.mp4', sizeBytes: 10, mtimeMs: 1 });
    const probe = fs.readFileSync(PROBE_LR);
    const img = await decodeImageRgb(probe);
    fmVector = new SeededNoiseSource(11).normalArray(64);
    const rep = store.replaceSourceResults(src.id, {
      tracks: [
        {
          trackKey: 1,
          lr0Index: 0,
          detections: [
            {
              detection: detection(0),
              // The pipeline's 128 crops; the tiny model (32) makes its LR_0 from 'aligned128'.
              crops: [{ kind: 'aligned128', format: 'rgb8', widthPx: img.width, heightPx: img.height, image: img.rgb }],
              embeddings: [{ modelId: 'test-embedder@1', vector: fmVector, cropKind: 'aligned128' }],
            },
          ],
          fused: [{ featureVector: fmVector, embedderId: 'test-embedder@1', method: 'mean', memberIndices: [0], rejectedIndices: [] }],
        },
      ],
    });
    trackId = rep.trackIds[0] as number;
  });

  afterAll(() => store.close());

  it('stores an output with provenance and a synthesized label, idempotently; equal to enhanceFaces on the same inputs', async () => {
    const first = await enhanceTrack(store, trackId, { model, sampler: 'pc', steps: 3, seed: 42 });
    expect(first.inserted).toBe(true);
    expect(first.output).toMatchObject({
      trackId, modelId: model.id, modelSha256: model.sha256, sampler: 'pc(steps=3,snr=0.16,nSteps=1,eps=0.00001,langevinStepSize=per-sample)', steps: 3, networkEvaluations: 6, seed: 42,
      conditioning: 'fm', engine: 'tfjs', backend: 'wasm', widthPx: 32, heightPx: 32,
    });
    expect(Object.keys(first.output.timingsMs)).toEqual(expect.arrayContaining(['totalMs', 'networkMs', 'prepareMs']));
    const text = readPngText(first.output.png);
    expect(text).toMatchObject({ Description: SYNTHESIZED_LABEL, 'fasr:synthesized': 'true', 'fasr:seed': '42', 'fasr:modelSha256': model.sha256, 'fasr:track': String(trackId) });

    const again = await enhanceTrack(store, trackId, { model, sampler: 'pc', steps: 3, seed: 42 });
    expect(again).toMatchObject({ inserted: false, srOutputId: first.srOutputId, face: null });

    const ablation = await enhanceTrack(store, trackId, { model, sampler: 'pc', steps: 3, seed: 42, conditioning: 'zero' });
    expect(ablation.inserted).toBe(true);
    expect(ablation.srOutputId).not.toBe(first.srOutputId);
    expect(store.listSrOutputs(trackId).map((o) => o.conditioning)).toEqual(['fm', 'zero']);

    // The same LR_0 and F_M through enhanceFaces give the same pixels.
    const lr = modelLrFromCrop(await readImageRgb(PROBE_LR), 32, 8);
    const [direct] = await enhanceFaces([{ lrImageHWC: lr, size: 32, featureVector: fmVector, seed: 42 }], { model, sampler: 'pc', steps: 3 });
    expect(Buffer.from((direct?.imageHWC as Float32Array).buffer).equals(Buffer.from((first.face?.imageHWC as Float32Array).buffer))).toBe(true);
  });

  it('gives the files path (--aligned) the same image as the track path for the same face, seed and model', async () => {
    const out = path.join(dir, 'files.png');
    const r = await enhanceImageFiles({ model, lrPath: PROBE_LR, featurePaths: [], outPath: out, aligned: true, conditioning: 'zero', steps: 3, seed: 42 });
    const stored = store.listSrOutputs(trackId).find((o) => o.conditioning === 'zero');
    const a = await decodeImageRgb(fs.readFileSync(out));
    const b = await decodeImageRgb(stored?.png as Uint8Array);
    expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(true);
    expect(readPngText(fs.readFileSync(out))).toMatchObject({ 'fasr:synthesized': 'true', 'fasr:conditioning': 'zero', 'fasr:lr': PROBE_LR });
    expect(r.face.networkEvaluations).toBe(6);
    // Reading LR_0 from a stored 32x32 'lr0-model' crop would give the same input.
    expect(uint8ToFloat(a.rgb).length).toBe(32 * 32 * 3);
  });

  it('enhanceTracks batches several tracks; each equals its face enhanced alone; a re-run computes nothing', async () => {
    const src2 = store.upsertSource({ path: '/clips/cam3.mp4', sizeBytes: 10, mtimeMs: 1 });
    const noise = new SeededNoiseSource(21);
    const inputs = [0, 1].map(() => ({ lr0: floatToUint8(noise.uniformArray(32 * 32 * 3)), fm: noise.normalArray(64) }));
    const ids = store.replaceSourceResults(src2.id, {
      tracks: inputs.map((inp, k) => ({
        trackKey: k + 1,
        lr0Index: 0,
        detections: [{ detection: detection(k), crops: [{ kind: 'lr0-model', format: 'rgb8' as const, widthPx: 32, heightPx: 32, image: inp.lr0 }], embeddings: [{ modelId: 'e@1', vector: inp.fm }] }],
        fused: [{ featureVector: inp.fm, embedderId: 'e@1', method: 'mean', memberIndices: [0], rejectedIndices: [] }],
      })),
    }).trackIds;
    const batched = await enhanceTracks(store, ids, { model, sampler: 'pc', steps: 2, seed: 77, batchSize: 2 });
    expect(batched.map((r) => r.inserted)).toEqual([true, true]);
    expect(batched.map((r) => r.face?.batchFaces)).toEqual([2, 2]);
    for (const [k, inp] of inputs.entries()) {
      const [alone] = await enhanceFaces([{ lrImageHWC: uint8ToFloat(inp.lr0), size: 32, featureVector: inp.fm, seed: 77 }], { model, sampler: 'pc', steps: 2 });
      const stored = await decodeImageRgb(batched[k]?.output.png as Uint8Array);
      expect(Buffer.from(stored.rgb).equals(Buffer.from(floatToUint8(alone?.imageHWC as Float32Array)))).toBe(true);
    }
    const again = await enhanceTracks(store, ids, { model, sampler: 'pc', steps: 2, seed: 77, batchSize: 2 });
    expect(again.map((r) => [r.inserted, r.face, r.srOutputId])).toEqual(batched.map((r) => [false, null, r.srOutputId]));
    // The same request parsed once at an edge and passed inward, and through the serve action: the same stored outputs.
    const parsed = parseSrSamplingConfig({ sampler: 'pc', steps: 2, batchSize: 2 }, 'edge', model.formulation);
    const viaParsed = await enhanceTracks(store, ids, { model, sampling: parsed, seed: 77 });
    expect(viaParsed.map((r) => [r.inserted, r.srOutputId])).toEqual(batched.map((r) => [false, r.srOutputId]));
    const viaServe = await createTrackEnhancer(model)(store, ids[1] as number, { sampler: 'pc', steps: 2, seed: 77 });
    expect([viaServe.inserted, viaServe.srOutputId]).toEqual([false, batched[1]?.srOutputId]);
    await expect(enhanceTracks(store, ids, { model, sampling: parsed, steps: 3 })).rejects.toThrow('enhanceTracks: give either sampling (parsed) or the sampling options (steps), not both');
  });

  it('fails clearly for a track F_M of the wrong dim and a missing track', async () => {
    const big = store.upsertSource({ path: '/clips/cam2.mp4', sizeBytes: 10, mtimeMs: 1 });
    const v = new SeededNoiseSource(3).normalArray(1024);
    const [id] = store.replaceSourceResults(big.id, {
      tracks: [
        {
          trackKey: 1,
          lr0Index: 0,
          detections: [{ detection: detection(0), crops: [{ kind: 'lr0-model', format: 'rgb8', widthPx: 32, heightPx: 32, image: new Uint8Array(32 * 32 * 3) }], embeddings: [{ modelId: 'faceres@x', vector: v }] }],
          fused: [{ featureVector: v, embedderId: 'faceres@x', method: 'mean', memberIndices: [0], rejectedIndices: [] }],
        },
      ],
    }).trackIds;
    await expect(enhanceTrack(store, id as number, { model, sampler: 'pc', steps: 1 })).rejects.toThrow(
      `track ${id}: feature dim mismatch: F_M of embedder faceres@x has 1024 values, model authors:checkpoint.pth#ema expects featDim 64`,
    );
    await expect(enhanceTrack(store, 999, { model, sampler: 'pc', steps: 1 })).rejects.toThrow(/no track with id 999/);
  });
});

describe('our model files with feature_proj and a real embedder', () => {
  it('loads a saved fasr model (featDim 1024 = faceres) and enhances with F_M fused from the feature images', async () => {
    const config = parseNcsnppConfig({ ...NCSNPP_PRESETS.tiny, featDim: 1024 });
    const random = NcsnppModel.random(config, 3);
    const stateDict = random.toStateDict();
    random.dispose();
    const card = {
      name: 'test-tiny-faceres', description: 'random weights for a test', architecture: 'NCSN++ tiny', source: 'NcsnppModel.random seed 3',
      data: { datasets: ['none'], licence: 'n/a' }, licence: 'n/a', intendedUse: 'tests', limitations: 'random', steps: 0, metrics: {}, createdAt: '2026-11-26T00:00:00Z',
    };
    const saved = await saveModelFile(path.join(dir, 'tiny-faceres'), stateDict, { ...config, chMult: [...config.chMult], attnResolutions: [...config.attnResolutions], firKernel: [...config.firKernel] }, card);
    const own = await loadSrModel({ model: saved.sidecarPath, engine: 'tfjs' });
    const { createFaceEmbedder } = await import('../../../../src/fuse');
    const embedder = await createFaceEmbedder('faceres');
    try {
      expect(own).toMatchObject({ id: 'test-tiny-faceres', sha256: saved.sha256, format: 'fasr-model' });
      const features = fs.readdirSync(path.join(SAMPLES, 'LR_imgs/001')).slice(0, 3).map((f) => path.join(SAMPLES, 'LR_imgs/001', f));
      const run = (out: string) => enhanceImageFiles({ model: own, lrPath: PROBE_LR, featurePaths: features, outPath: out, aligned: true, embedder, steps: 2, seed: 9 });
      const r1 = await run(path.join(dir, 'fm1.png'));
      const r2 = await run(path.join(dir, 'fm2.png'));
      expect(r1.fused?.featureVector.length).toBe(1024);
      expect(r1.face.conditioning).toBe('fm');
      expect(fs.readFileSync(path.join(dir, 'fm1.png')).equals(fs.readFileSync(path.join(dir, 'fm2.png')))).toBe(true);
      await expect(enhanceImageFiles({ model, lrPath: PROBE_LR, featurePaths: features, outPath: path.join(dir, 'x.png'), aligned: true, embedder, steps: 1 })).rejects.toThrow(
        /^feature dim mismatch: embedder .* gives 1024 values, model authors:checkpoint.pth#ema expects featDim 64/,
      );
    } finally {
      await embedder.close();
      await own.dispose();
    }
  });
});
