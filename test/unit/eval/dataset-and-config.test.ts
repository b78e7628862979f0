/**
 * Dataset listing (labels.csv, identity folders, the fasr-samples layout) on files made in a temp
 * folder (the loader reads no image), the eval config's defaults and messages, the centre crop,
 * and the Table I formatting of a hand-made report.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { centreSquareCrop, formatComparisonTable, formatRecogniserNote, formatResultsTable, loadEvalDataset, parseCsvLine, parseEvalConfig } from '../../../src/eval';
import type { EvalReport } from '../../../src/eval';

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-eval-unit-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function touch(...parts: string[]): string {
  const f = path.join(dir, ...parts);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, '');
  return f;
}

describe('loadEvalDataset', () => {
  it('labels.csv: header skipped, quoted fields, paths relative to the CSV, identities in first-row order', async () => {
    const csv = path.join(dir, 'csv', 'labels.csv');
    fs.mkdirSync(path.dirname(csv), { recursive: true });
    fs.writeFileSync(csv, 'filename,identity\nimg/b1.jpg,"Bob, Jr."\nimg/a1.jpg,alice\r\nimg/b2.jpg,"Bob, Jr."\n\n');
    const d = await loadEvalDataset(csv);
    expect(d.layout).toBe('labels-csv');
    expect(d.identities).toEqual([
      { id: 'Bob, Jr.', files: [path.join(dir, 'csv/img/b1.jpg'), path.join(dir, 'csv/img/b2.jpg')], fixedRoles: false, probeCopies: [], featuresLowRes: false },
      { id: 'alice', files: [path.join(dir, 'csv/img/a1.jpg')], fixedRoles: false, probeCopies: [], featuresLowRes: false },
    ]);
    expect((await loadEvalDataset(csv, 1)).identities.map((i) => i.id)).toEqual(['Bob, Jr.']);
    fs.writeFileSync(csv, 'a.jpg,x\nonlyonefield\n');
    await expect(loadEvalDataset(csv)).rejects.toThrow(`--dataset: ${csv} line 2: expected "file,identity", received "onlyonefield"`);
  });

  it('identity folders: numeric-aware order, non-images skipped, image-less folders and loose files reported', async () => {
    for (const f of ['s2/10.png', 's2/2.png', 's2/notes.txt', 's10/1.pgm', 'empty/readme.md']) touch('dirs', ...f.split('/'));
    touch('dirs', 'README');
    const d = await loadEvalDataset(path.join(dir, 'dirs'));
    expect(d.layout).toBe('identity-dirs');
    expect(d.identities.map((i) => [i.id, i.files.map((f) => path.basename(f))])).toEqual([
      ['s2', ['2.png', '10.png']],
      ['s10', ['1.pgm']],
    ]);
    expect(d.ignored.map((i) => [path.basename(i.path), i.reason.split(' (')[0]])).toEqual([
      ['empty', 'no image files'],
      ['README', 'not a folder'],
    ]);
  });

  it('the fasr-samples layout: gallery, probe_HR and LR_imgs/NNN as fixed roles, probe_LR as the probe\'s copy, LR_imgs taken as low-resolution', async () => {
    for (const f of ['gallery/000001.jpg', 'probe_HR/000001.jpg', 'LR_imgs/001/b.jpg', 'LR_imgs/001/a.jpg', 'gallery/000002.jpg', 'probe_LR/000001.jpg']) touch('fs', ...f.split('/'));
    const d = await loadEvalDataset(path.join(dir, 'fs'));
    expect(d.layout).toBe('fasr-samples');
    expect(d.identities).toEqual([
      { id: '000001', files: ['gallery/000001.jpg', 'probe_HR/000001.jpg', 'LR_imgs/001/a.jpg', 'LR_imgs/001/b.jpg'].map((f) => path.join(dir, 'fs', f)), fixedRoles: true, probeCopies: [path.join(dir, 'fs/probe_LR/000001.jpg')], featuresLowRes: true },
    ]);
    expect(d.ignored).toEqual([{ path: path.join(dir, 'fs/gallery/000002.jpg'), reason: 'no probe_HR/000002.jpg' }]);
  });

  it('clear errors: a missing path, a non-CSV file, a folder without identities', async () => {
    await expect(loadEvalDataset(path.join(dir, 'missing'))).rejects.toThrow(`--dataset: ${path.join(dir, 'missing')} does not exist`);
    const txt = touch('x.txt');
    await expect(loadEvalDataset(txt)).rejects.toThrow('is a file but not a .csv');
    fs.mkdirSync(path.join(dir, 'nothing'));
    await expect(loadEvalDataset(path.join(dir, 'nothing'))).rejects.toThrow('--dataset: no identities found in');
    await expect(loadEvalDataset(path.join(dir, 'dirs'), 0)).rejects.toThrow('limit: expected an integer >= 1, received 0');
  });

  it('parseCsvLine handles doubled quotes', () => {
    expect(parseCsvLine('"a ""b""",c,')).toEqual(['a "b"', 'c', '']);
  });
});

describe('parseEvalConfig', () => {
  it('fills defaults: all methods with the two controls (esrgan, fasr-shuffled), recognition = an embedder that did not condition the model first, then the conditioning one', () => {
    const c = parseEvalConfig({ dataset: 'd' });
    expect(c.methods).toEqual(['bicubic', 'esrgan', 'sr-nofeat', 'fasr-shuffled', 'fasr', 'hr']);
    expect(c.recognition).toEqual(['dlib-resnet', 'faceres']);
    expect(c).toMatchObject({ embedder: 'faceres', seed: 0, lrScale: 8, align: 'auto', quadScale: 1, farTargets: [0.001, 0.01, 0.1], bootstrapResamples: 2000 });
    expect(parseEvalConfig({ dataset: 'd', embedder: 'dlib-resnet' }).recognition).toEqual(['faceres', 'dlib-resnet']);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names the bad field and lists valid choices', () => {
    expect(() => parseEvalConfig({ dataset: 'd', methods: ['bicubic', 'realesrgan'] })).toThrow('eval.methods.1: expected one of bicubic, esrgan, sr-nofeat, fasr-shuffled, fasr, hr, received "realesrgan"');
    expect(() => parseEvalConfig({ dataset: 'd', bootstrapResamples: 10 })).toThrow('eval.bootstrapResamples: Number must be greater than or equal to 100');
    expect(() => parseEvalConfig({ dataset: 'd', lrScale: 4 })).toThrow("eval.lrScale: method esrgan is ESRGAN-thick's x8 model, so it needs lrScale 8, received 4; leave esrgan out of methods for another scale");
    expect(parseEvalConfig({ dataset: 'd', lrScale: 4, methods: ['bicubic', 'hr'] }).lrScale).toBe(4);
    expect(() => parseEvalConfig({ dataset: 'd', embedder: 'arcface' })).toThrow('eval.embedder: expected one of faceres, dlib-resnet, lbp, received "arcface"');
    expect(() => parseEvalConfig({ dataset: 'd', method: ['hr'] })).toThrow('eval: unknown option(s) method');
    expect(() => parseEvalConfig({ dataset: 'd', methods: ['hr', 'hr'] })).toThrow('eval.methods: duplicate method in hr,hr');
    expect(() => parseEvalConfig({})).toThrow('eval.dataset: Required');
  });
});

describe('centreSquareCrop', () => {
  it('takes the centre square of a wide image', () => {
    // 4x2 image whose pixel value is its x coordinate; the centre square is columns 1..2.
    const rgb = new Uint8Array(4 * 2 * 3).map((_, i) => Math.floor(i / 3) % 4);
    const c = centreSquareCrop({ width: 4, height: 2, rgb }, 2);
    expect([...c.rgb]).toEqual([1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2]);
  });
});

describe('formatResultsTable', () => {
  it("lays the results out like the paper's Table I", () => {
    const rec = (auc: number, r1: number) => ({ auc, rank: { ks: [1, 5, 10], average: [r1, 1, 1], optimistic: [r1, 1, 1], pessimistic: [r1, 1, 1] }, tarAtFar: [], genuinePairs: 2, impostorPairs: 2, roc: [], meanGenuineCosine: 0.5 });
    const report = {
      config: parseEvalConfig({ dataset: 'd', methods: ['bicubic', 'hr'], recognition: ['faceres'] }),
      conditioningEmbedder: null,
      recognitionEmbedders: [{ name: 'faceres', id: 'f', dim: 1024 }],
      results: {
        bicubic: { imageQuality: { psnrDb: 24.123, psnrYDb: 25.456, ssim: 0.7, identical: 0, count: 2 }, recognition: { faceres: rec(0.6666, 0.5) } },
        hr: { imageQuality: { psnrDb: null, psnrYDb: null, ssim: 1, identical: 2, count: 2 }, recognition: { faceres: rec(1, 1) } },
      },
    } as unknown as EvalReport;
    expect(formatResultsTable(report)).toBe(
      [
        '| Method | faceres AUC | faceres Rank-1 % | faceres Rank-5 % | faceres Rank-10 % | PSNR dB | PSNR-Y dB | SSIM |',
        '|---|---:|---:|---:|---:|---:|---:|---:|',
        '| Bicubic (LR) | 0.667 | 50.0 | 100.0 | 100.0 | 24.12 | 25.46 | 0.700 |',
        '| HR | 1.000 | 100.0 | 100.0 | 100.0 | ∞ | ∞ | 1.000 |',
      ].join('\n'),
    );
  });

  it('marks the conditioning recogniser, puts the independent one first, and prints the paired differences with their intervals', () => {
    const rec = (auc: number) => ({ auc, rank: { ks: [1, 5, 10], average: [0.5, 1, 1], optimistic: [0.5, 1, 1], pessimistic: [0.5, 1, 1] }, tarAtFar: [], genuinePairs: 2, impostorPairs: 2, roc: [], meanGenuineCosine: 0.5 });
    const iq = { psnrDb: 20, psnrYDb: 21, ssim: 0.5, identical: 0, count: 2 };
    const diff = (d: number, lo: number, hi: number) => ({ difference: d, ci: [lo, hi] as [number, number] });
    const report = {
      config: parseEvalConfig({ dataset: 'd', methods: ['bicubic', 'fasr-shuffled', 'fasr'] }),
      conditioningEmbedder: { name: 'faceres', id: 'human-faceres', dim: 1024 },
      recognitionEmbedders: [
        { name: 'dlib-resnet', id: 'd', dim: 128 },
        { name: 'faceres', id: 'f', dim: 1024 },
      ],
      results: Object.fromEntries(['bicubic', 'fasr-shuffled', 'fasr'].map((m) => [m, { imageQuality: iq, recognition: { 'dlib-resnet': rec(0.6), faceres: rec(0.7) } }])),
      comparisons: [
        { a: 'fasr', b: 'bicubic', embedder: 'dlib-resnet', auc: diff(0.0123, -0.02, 0.045), rank1: diff(0.1, -0.05, 0.25), resamples: 2000, level: 0.95, seed: 0 },
        { a: 'fasr', b: 'fasr-shuffled', embedder: 'faceres', auc: diff(-0.001, -0.01, 0.008), rank1: diff(0, 0, 0), resamples: 2000, level: 0.95, seed: 0 },
      ],
    } as unknown as EvalReport;
    expect(formatResultsTable(report).split('\n')[0]).toBe(
      '| Method | dlib-resnet AUC | dlib-resnet Rank-1 % | dlib-resnet Rank-5 % | dlib-resnet Rank-10 % | faceres (cond.) AUC | faceres (cond.) Rank-1 % | faceres (cond.) Rank-5 % | faceres (cond.) Rank-10 % | PSNR dB | PSNR-Y dB | SSIM |',
    );
    expect(formatResultsTable(report)).toContain("| SR, another identity's F_M (fasr-shuffled) | 0.600 |");
    expect(formatComparisonTable(report)).toBe(
      [
        '| Comparison | Recogniser | ΔAUC [95 % CI] | ΔRank-1 points [95 % CI] |',
        '|---|---|---:|---:|',
        '| fasr − bicubic | dlib-resnet | +0.012 [−0.020, +0.045] | +10.0 [−5.0, +25.0] |',
        '| fasr − fasr-shuffled | faceres (cond.) | −0.001 [−0.010, +0.008] | +0.0 [+0.0, +0.0] |',
      ].join('\n'),
    );
    expect(formatRecogniserNote(report)).toBe(
      'Headline recogniser: dlib-resnet, which did not condition the model. faceres (cond.) made F_M and is shown beside it, labelled: FASR is conditioned on its descriptor, so its figures with it are not independent.',
    );
  });
});
