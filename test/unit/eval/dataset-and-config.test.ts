/**
 * Dataset listing (labels.csv, identity folders, the fasr-samples layout) on files made in a temp
 * folder (the loader reads no image), the eval config's defaults and messages, the centre crop,
 * and the Table I formatting of a hand-made report.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { centreSquareCrop, formatResultsTable, loadEvalDataset, parseCsvLine, parseEvalConfig } from '../../../src/eval';
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
  it('fills defaults: all methods, recognition = the conditioning embedder and another', () => {
    const c = parseEvalConfig({ dataset: 'd' });
    expect(c.methods).toEqual(['bicubic', 'sr-nofeat', 'fasr', 'hr']);
    expect(c.recognition).toEqual(['faceres', 'dlib-resnet']);
    expect(c).toMatchObject({ embedder: 'faceres', seed: 0, lrScale: 8, align: 'auto', quadScale: 1, farTargets: [0.001, 0.01, 0.1] });
    expect(parseEvalConfig({ dataset: 'd', embedder: 'dlib-resnet' }).recognition).toEqual(['dlib-resnet', 'faceres']);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names the bad field and lists valid choices', () => {
    expect(() => parseEvalConfig({ dataset: 'd', methods: ['bicubic', 'esrgan'] })).toThrow('eval.methods.1: expected one of bicubic, sr-nofeat, fasr, hr, received "esrgan"');
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
      recognitionEmbedders: [{ name: 'faceres', id: 'f', dim: 1024 }],
      results: {
        bicubic: { imageQuality: { psnrDb: 24.123, ssim: 0.7, identical: 0, count: 2 }, recognition: { faceres: rec(0.6666, 0.5) } },
        hr: { imageQuality: { psnrDb: null, ssim: 1, identical: 2, count: 2 }, recognition: { faceres: rec(1, 1) } },
      },
    } as unknown as EvalReport;
    expect(formatResultsTable(report)).toBe(
      [
        '| Method | faceres AUC | faceres Rank-1 % | faceres Rank-5 % | faceres Rank-10 % | PSNR dB | SSIM |',
        '|---|---:|---:|---:|---:|---:|---:|',
        '| Bicubic (LR) | 0.667 | 50.0 | 100.0 | 100.0 | 24.12 | 0.700 |',
        '| HR | 1.000 | 100.0 | 100.0 | 100.0 | ∞ | 1.000 |',
      ].join('\n'),
    );
  });
});
