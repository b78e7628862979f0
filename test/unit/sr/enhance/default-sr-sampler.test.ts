/**
 * The default SR sampler is not a guess: it must be chooseDefaultSampler's decision (issue 5's
 * rule) on the committed table docs/samplers-table.json (bench:samplers with the paper-recipe
 * model), and it is what an SR run gets when it says nothing about the sampler. The table of the
 * bundled model's formulation (samplers-table.json, or docs/residual-samplers.json for a
 * residual-EDM model) must have been measured on the bundled weights.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_RESIDUAL_SR_SAMPLER, DEFAULT_SR_SAMPLER, listBundledModels, parseSrSamplingConfig } from '../../../../src/sr/enhance';
import { parseSrFormulation } from '../../../../src/sr/formulation';
import { chooseDefaultSampler, parseSamplerConfig, parseSamplerQualityTable, samplerLabel } from '../../../../src/sr/samplers';

const ROOT = path.resolve(__dirname, '../../../..');
const TABLE = path.join(ROOT, 'docs/samplers-table.json');
const RESIDUAL_TABLE = path.join(ROOT, 'docs/residual-samplers.json');

describe('DEFAULT_SR_SAMPLER', () => {
  it("is the rule's decision on docs/samplers-table.json", () => {
    const table = parseSamplerQualityTable(JSON.parse(fs.readFileSync(TABLE, 'utf8')), TABLE);
    const decision = chooseDefaultSampler(table);
    expect(samplerLabel(parseSamplerConfig(DEFAULT_SR_SAMPLER))).toBe(decision.chosen.label);
    expect(decision.chosen.nfe).toBeLessThan(table.reference.nfe);
  });

  it('was measured on the bundled weights: the committed table of the bundled model\'s formulation names their sha256 (re-measure when the model changes)', () => {
    const bundled = listBundledModels();
    expect(bundled).toHaveLength(1);
    const sidecar = JSON.parse(fs.readFileSync(bundled[0] as string, 'utf8')) as { weights: { file: string }; formulation?: { kind?: string } };
    const dir = path.dirname(bundled[0] as string);
    const weights = path.join(dir, sidecar.weights.file);
    // hashed here, not read from the sidecar: the table must name the weights that are actually bundled
    const sha = createHash('sha256').update(fs.readFileSync(weights)).digest('hex');
    if (sidecar.formulation?.kind === 'residual-edm') {
      // a residual-EDM model's default comes from docs/residual-samplers.json (scripts/recipe-validation.ts on the bundled weights)
      const table = JSON.parse(fs.readFileSync(RESIDUAL_TABLE, 'utf8')) as { models: { dir: string; sha256: string }[] };
      expect(path.resolve(ROOT, table.models[0]!.dir)).toBe(dir);
      expect(table.models[0]!.sha256).toBe(sha);
      return;
    }
    const raw = JSON.parse(fs.readFileSync(TABLE, 'utf8')) as { model?: unknown };
    expect(typeof raw.model).toBe('string');
    const named = /sha256 ([0-9a-f]{12,64})\b/.exec(raw.model as string);
    expect(named).not.toBeNull();
    expect(sha.slice(0, (named as RegExpExecArray)[1]?.length)).toBe((named as RegExpExecArray)[1]);
  });

  it('is what a run that says nothing about the sampler gets; steps alone mean pc; a named sampler keeps its defaults', () => {
    expect(parseSrSamplingConfig({}).label).toBe(samplerLabel(parseSamplerConfig(DEFAULT_SR_SAMPLER)));
    expect(parseSrSamplingConfig({ batchSize: 2 }).sampler).toMatchObject(DEFAULT_SR_SAMPLER);
    // the default follows the model's formulation: a residual-EDM model gets its own measured default
    const residual = parseSrFormulation({ kind: 'residual-edm', sigmaData: 0.07, lrInput: 'native' });
    expect(parseSrSamplingConfig({}, 'test', residual).sampler).toMatchObject(DEFAULT_RESIDUAL_SR_SAMPLER);
    expect(parseSrSamplingConfig({}, 'test', residual).label).toBe(samplerLabel(parseSamplerConfig(DEFAULT_RESIDUAL_SR_SAMPLER)));
    expect(parseSrSamplingConfig({ steps: 5 }, 'test', residual).sampler).toMatchObject({ sampler: 'pc', steps: 5 });
    expect(parseSrSamplingConfig({ steps: 5 }).sampler).toMatchObject({ sampler: 'pc', steps: 5, snr: 0.16 });
    expect(parseSrSamplingConfig({ sampler: 'pc' }).sampler).toMatchObject({ sampler: 'pc', steps: 2000, snr: 0.16 });
    expect(parseSrSamplingConfig({ sampler: 'heun' }).sampler).toMatchObject({ sampler: 'heun', steps: 18 });
  });
});
