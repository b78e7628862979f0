/**
 * The README's main job, `npx fasr run pipelines/demo.json`, run as the user runs it: the built CLI
 * (bin/fasr.js -> dist/, built by `npm ci`), the bundled sample clip, the bundled model, the default
 * sampler (that of the bundled model's formulation), an export. The pipeline file is used as committed except that its store and export
 * folder go to a temp directory (and its input is made absolute to match).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { readPngText } from '../../../src/image';
import { listBundledModels, parseSrSamplingConfig } from '../../../src/sr/enhance';
import { parseSrFormulation } from '../../../src/sr/formulation';
import { openStore } from '../../../src/store';

const REPO = path.resolve(__dirname, '../../..');

describe('the main job: fasr run pipelines/demo.json', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-demo-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('processes the sample clip, enhances every track with the bundled model and prints where the export is', () => {
    const demo = JSON.parse(fs.readFileSync(path.join(REPO, 'pipelines/demo.json'), 'utf8')) as { inputs: string[]; db: string; export: { out: string }; sr: { model: unknown } };
    expect(demo.sr.model).toBeNull(); // the bundled model
    const file = path.join(dir, 'demo.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ ...demo, inputs: demo.inputs.map((p) => path.resolve(REPO, 'pipelines', p)), db: 'demo.sqlite', export: { ...demo.export, out: 'demo-export' } }),
    );
    const run = spawnSync(process.execPath, [path.join(REPO, 'bin/fasr.js'), 'run', file], { cwd: REPO, encoding: 'utf8', timeout: 880_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/sources: 1 \(1 done, 0 failed, 0 skipped\); tracks: [1-9]/);
    expect(out).toMatch(/SR: [1-9]\d* enhanced, 0 already done, 0 failed/);
    expect(out).toContain(`the export is in ${path.join(dir, 'demo-export')}\n`);

    const bundledName = path.basename(path.dirname(listBundledModels()[0] as string));
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'demo-export', 'index.json'), 'utf8')) as { tracks: { folder: string; enhanced: number }[] };
    const enhancedTracks = index.tracks.filter((t) => t.enhanced > 0);
    expect(enhancedTracks.length).toBeGreaterThan(0);
    const folder = path.join(dir, 'demo-export', (enhancedTracks[0] as { folder: string }).folder);
    const png = fs.readdirSync(folder).find((f) => f.endsWith('-synthesized.png'));
    expect(png).toBeDefined();
    expect(readPngText(fs.readFileSync(path.join(folder, png as string)))['fasr:synthesized']).toBe('true');
    const store = openStore(path.join(dir, 'demo.sqlite'));
    try {
      const runs = store.listRuns({}).items;
      expect(runs.map((r) => r.status)).toEqual(['done', 'done']);
      expect(runs[1]?.versions.srModel).toBe(bundledName);
      // the pipeline says nothing about the sampler: every track got the default of the bundled model's formulation
      const sidecar = JSON.parse(fs.readFileSync(listBundledModels()[0] as string, 'utf8')) as { formulation?: unknown };
      const expected = parseSrSamplingConfig({}, 'test', parseSrFormulation(sidecar.formulation)).label;
      const samplers = new Set([...store.iterateTracks({})].flatMap((t) => store.listSrOutputs(t.id).map((o) => o.sampler)));
      expect([...samplers]).toEqual([expected]);
    } finally {
      store.close();
    }
  }, 900_000);
});
