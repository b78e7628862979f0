/**
 * `fasr eval` end to end on 3 fasr-samples identities with a tiny fasr model file (random weights,
 * 32x32, featDim 1024 = faceres through feature_proj), 2 sampler steps, on wasm: the four outputs,
 * the JSON agreeing with the Markdown table, HR beating bicubic on verification, and the clear
 * errors. The random model's SR rows are noise: only their presence and consistency are checked.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { main, type CliIo } from '../../../src/cli/main';
import { saveModelFile } from '../../../src/sr/checkpoint';
import { NCSNPP_PRESETS, parseNcsnppConfig } from '../../../src/sr/model-config';
import { NcsnppModel } from '../../../src/sr/models';
import { initBackend } from '../../../src/runtime/backend';

const SAMPLES = path.resolve(__dirname, '../../../../shared/data/faces/fasr-samples');

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), stdout: () => out, stderr: () => err };
}

interface ResultsJson {
  config: { methods: string[]; recognition: string[] };
  model: { id: string; sha256: string; featDim: number };
  sampler: { steps: number; networkEvaluations: number };
  dataset: { counts: { identitiesKept: number }; losses: { stage: string; file: string }[] };
  probes: { identity: string; features: number; fmMembers: number | null; shuffledFmOf: string | null }[];
  esrgan: { id: string; sha256: string } | null;
  comparisons: { a: string; b: string; embedder: string; auc: { difference: number; ci: [number, number] }; rank1: { difference: number; ci: [number, number] } }[];
  versions: Record<string, string>;
  wallTimeMs: number;
  command: string;
  results: Record<string, { imageQuality: { psnrDb: number | null; psnrYDb: number | null; ssim: number }; recognition: Record<string, { auc: number; rank: { average: number[] }; roc: { far: number; tar: number }[]; meanCosineToHr: number }> }>;
}

describe('fasr eval', () => {
  let dir = '';
  let modelFile = '';
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-cli-eval-'));
    await initBackend('wasm');
    const config = parseNcsnppConfig({ ...NCSNPP_PRESETS.tiny, featDim: 1024 });
    const random = NcsnppModel.random(config, 1);
    const stateDict = random.toStateDict();
    random.dispose();
    const saved = await saveModelFile(
      path.join(dir, 'model'),
      stateDict,
      { ...config, chMult: [...config.chMult], attnResolutions: [...config.attnResolutions], firKernel: [...config.firKernel] },
      {
        name: 'test-eval-tiny-faceres', description: 'random weights for a test', architecture: 'NCSN++ tiny', source: 'NcsnppModel.random seed 1',
        data: { datasets: ['none'], licence: 'n/a' }, licence: 'n/a', intendedUse: 'tests', limitations: 'random', steps: 0, metrics: {}, createdAt: '2026-11-26T00:00:00Z',
      },
    );
    modelFile = saved.sidecarPath;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes results.md, results.json, roc.png and samples.png that agree; HR beats bicubic on verification', async () => {
    const out = path.join(dir, 'out');
    const io = capture();
    const tensorsBefore = tf.memory().numTensors;
    const code = await main(['eval', '--dataset', SAMPLES, '--model', modelFile, '--sampler', 'heun', '--steps', '2', '--limit', '3', '--max-features', '4', '--backend', 'wasm', '--out', out], io);
    expect(io.stderr()).toBe('');
    expect(code).toBe(0);
    // The model, the embedders and the detector were disposed: no tensor left behind.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    // Progress while running, then the table.
    expect(io.stdout()).toMatch(/^ {2}prepare 3\/3 crops$/m);
    expect(io.stdout()).toMatch(/^ {2}sr 3\/3 fasr: done$/m);
    expect(io.stdout()).toMatch(/^identities: 3 evaluated of 3; lost: 0 unreadable, 0 without a face/m);

    const json = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsJson;
    expect(json.config.methods).toEqual(['bicubic', 'esrgan', 'sr-nofeat', 'fasr-shuffled', 'fasr', 'hr']);
    // The headline recogniser did not condition the model; the conditioning one comes second.
    expect(json.config.recognition).toEqual(['dlib-resnet', 'faceres']);
    expect(json.esrgan?.id).toBe('@upscalerjs/esrgan-thick@1.0.0/x8');
    // fasr-shuffled: every identity got another identity's F_M.
    expect(json.probes.every((p) => p.shuffledFmOf !== null && p.shuffledFmOf !== p.identity)).toBe(true);
    expect(new Set(json.probes.map((p) => p.shuffledFmOf)).size).toBe(3);
    // The probe's own LR image (probe_LR = the first LR_imgs file) is not among the feature images.
    expect(json.dataset.losses.filter((l) => l.stage === 'duplicate').map((l) => path.relative(SAMPLES, l.file))).toEqual(['LR_imgs/001/004506.jpg', expect.stringMatching(/^LR_imgs\/002\//), expect.stringMatching(/^LR_imgs\/003\//)]);
    // Paired comparisons: FASR − bicubic, − shuffled, − esrgan, − sr-nofeat, per recogniser, each interval around its difference.
    expect(json.comparisons.map((c) => `${c.a}-${c.b}@${c.embedder}`)).toEqual(
      ['dlib-resnet', 'faceres'].flatMap((e) => ['bicubic', 'fasr-shuffled', 'esrgan', 'sr-nofeat'].map((b) => `fasr-${b}@${e}`)),
    );
    for (const c of json.comparisons) {
      expect(c.auc.ci[0]).toBeLessThanOrEqual(c.auc.difference + 1e-12);
      expect(c.auc.ci[1]).toBeGreaterThanOrEqual(c.auc.difference - 1e-12);
      expect(c.auc.difference).toBeCloseTo((json.results.fasr?.recognition[c.embedder]?.auc ?? NaN) - (json.results[c.b]?.recognition[c.embedder]?.auc ?? NaN), 12);
    }
    // No --engine: the fastest installed one (onnxruntime-node is a dependency), recorded.
    expect(json.model).toMatchObject({ id: 'test-eval-tiny-faceres', featDim: 1024, engine: 'onnx' });
    expect(json.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(json.sampler).toMatchObject({ steps: 2, networkEvaluations: 3 }); // heun: 2 steps - 1
    expect(json.dataset.counts.identitiesKept).toBe(3);
    // --max-features 4: gallery + probe + 4 feature images read per identity.
    expect(json.dataset.counts).toMatchObject({ imagesListed: 3 * 6, facesFound: 3 * 6 });
    expect(json.probes.map((p) => p.features)).toEqual([4, 4, 4]);
    expect(json.versions['@tensorflow/tfjs']).toBe('4.22.0');
    expect(json.wallTimeMs).toBeGreaterThan(0);
    expect(json.command).toContain('fasr eval --dataset');

    // Every number of the Markdown table is the JSON's, rounded as printed.
    const md = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
    // Table I first (6 method rows), then the TAR@FAR table (method x embedder rows).
    const allRows = md.split('\n').filter((l) => /^\| (Bicubic|ESRGAN|SR|FASR|HR)/.test(l));
    expect(allRows).toHaveLength(6 + 6 * 2);
    const rows = allRows.slice(0, 6);
    expect(md).toContain('| Method | dlib-resnet AUC | dlib-resnet Rank-1 % | dlib-resnet Rank-5 % | dlib-resnet Rank-10 % | faceres (cond.) AUC |');
    expect(md).toMatch(/^\| fasr − fasr-shuffled \| dlib-resnet \| [+−]\d\.\d{3} \[[+−]\d\.\d{3}, [+−]\d\.\d{3}\] \|/m);
    json.config.methods.forEach((method, i) => {
      const cells = (rows[i] as string).split('|').slice(2, -1).map((c) => c.trim());
      const r = json.results[method];
      if (r === undefined) throw new Error(`no results for ${method}`);
      const expected = json.config.recognition.flatMap((e) => {
        const g = r.recognition[e];
        if (g === undefined) throw new Error(`no ${e} results for ${method}`);
        return [g.auc.toFixed(3), ...g.rank.average.map((v) => (100 * v).toFixed(1))];
      });
      expected.push(r.imageQuality.psnrDb === null ? '∞' : r.imageQuality.psnrDb.toFixed(2), r.imageQuality.psnrYDb === null ? '∞' : r.imageQuality.psnrYDb.toFixed(2), r.imageQuality.ssim.toFixed(3));
      expect(cells).toEqual(expected);
    });
    // The conditioning embedder tells HR probes from impostors better than bicubic LR ones.
    const auc = (m: string): number => json.results[m]?.recognition.faceres?.auc ?? NaN;
    expect(auc('hr')).toBeGreaterThan(auc('bicubic'));
    // Identity cosine to the probe's own HR photo: 1 for HR itself, below it (and above chance) for bicubic.
    const toHr = (m: string, e: string): number => json.results[m]?.recognition[e]?.meanCosineToHr ?? NaN;
    for (const e of ['dlib-resnet', 'faceres']) {
      expect(toHr('hr', e)).toBeCloseTo(1, 5);
      expect(toHr('bicubic', e)).toBeLessThan(0.99);
      expect(toHr('bicubic', e)).toBeGreaterThan(0);
    }
    expect(json.results.hr?.imageQuality).toMatchObject({ psnrDb: null, ssim: 1 });
    expect(json.results.bicubic?.imageQuality.psnrDb).toBeGreaterThan(10);
    const roc = json.results.fasr?.recognition['dlib-resnet']?.roc ?? [];
    expect(roc[0]).toEqual({ threshold: null, far: 0, tar: 0 });
    expect(roc[roc.length - 1]).toMatchObject({ far: 1, tar: 1 });

    const rocMeta = await sharp(path.join(out, 'roc.png')).metadata();
    expect(rocMeta).toMatchObject({ format: 'png', width: 840 });
    const grid = await sharp(path.join(out, 'samples.png')).metadata();
    // 3 rows of 96 px cells (32 px faces x3) + gaps + header; columns LR, bicubic, esrgan, sr-nofeat, fasr-shuffled, fasr, HR.
    expect(grid).toMatchObject({ format: 'png', height: 40 + 3 * 100, width: 120 + 7 * 100 });
  });

  it('fails clearly on a bad dataset path, an unknown method, an unknown embedder', async () => {
    const cases: [string[], RegExp][] = [
      [['--dataset', path.join(dir, 'nope'), '--methods', 'bicubic,hr'], /^fasr: --dataset: .*nope does not exist \(expected a folder of identity folders, a fasr-samples folder or a labels\.csv\)\n$/],
      [['--dataset', SAMPLES, '--methods', 'bicubic,srgan'], /^fasr: --methods: unknown method "srgan"; valid: bicubic, esrgan, sr-nofeat, fasr-shuffled, fasr, hr\n$/],
      [['--dataset', SAMPLES, '--embedder', 'arcface'], /^fasr: --embedder: unknown embedder "arcface"; valid: faceres, dlib-resnet, lbp\n$/],
      [['--dataset', SAMPLES, '--methods', 'hr', '--recognition', 'faceres,vgg'], /^fasr: --recognition: unknown embedder "vgg"; valid: faceres, dlib-resnet, lbp\n$/],
      [['--dataset', SAMPLES, '--engine', 'tensorrt'], /^fasr: --engine: expected one of auto, onnx, tfjs, received "tensorrt"\n$/],
    ];
    for (const [args, message] of cases) {
      const io = capture();
      const code = await main(['eval', ...args, '--backend', 'wasm', '--out', path.join(dir, 'err')], io);
      expect(io.stderr()).toMatch(message);
      expect(code).toBe(1);
    }
    expect(fs.existsSync(path.join(dir, 'err'))).toBe(false);
  });

  it('stops with both numbers when the conditioning embedder does not fit the model (the tiny reference checkpoint: featDim 64)', async () => {
    const tiny = path.resolve(__dirname, '../../../../shared/fixtures/fasr-reference/tiny');
    const io = capture();
    const code = await main(
      ['eval', '--dataset', SAMPLES, '--methods', 'fasr', '--model', path.join(tiny, 'checkpoint.pth'), '--config', path.join(tiny, 'config.json'), '--steps', '1', '--backend', 'wasm', '--out', path.join(dir, 'dim')],
      io,
    );
    expect(code).toBe(1);
    expect(io.stderr()).toMatch(/^fasr: eval: feature dim mismatch: the conditioning embedder human-faceres@3\.3\.6 gives 1024 values, model authors:checkpoint\.pth#ema expects featDim 64; /);
    expect(fs.existsSync(path.join(dir, 'dim'))).toBe(false);
  });
});
