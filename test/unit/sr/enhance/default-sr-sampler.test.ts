/**
 * The default SR sampler is not a guess: it must be chooseDefaultSampler's decision (issue 5's
 * rule) on the committed table docs/samplers-table.json (bench:samplers with the bundled model),
 * and it is what an SR run gets when it says nothing about the sampler.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SR_SAMPLER, listBundledModels, parseSrSamplingConfig } from '../../../../src/sr/enhance';
import { chooseDefaultSampler, parseSamplerConfig, parseSamplerQualityTable, samplerLabel } from '../../../../src/sr/samplers';

const TABLE = path.resolve(__dirname, '../../../../docs/samplers-table.json');

describe('DEFAULT_SR_SAMPLER', () => {
  it("is the rule's decision on docs/samplers-table.json", () => {
    const table = parseSamplerQualityTable(JSON.parse(fs.readFileSync(TABLE, 'utf8')), TABLE);
    const decision = chooseDefaultSampler(table);
    expect(samplerLabel(parseSamplerConfig(DEFAULT_SR_SAMPLER))).toBe(decision.chosen.label);
    expect(decision.chosen.nfe).toBeLessThan(table.reference.nfe);
  });

  it('was measured on the bundled model: the sha256 the table names is that of the bundled weights (re-measure with bench:samplers when the model changes)', () => {
    const raw = JSON.parse(fs.readFileSync(TABLE, 'utf8')) as { model?: unknown };
    expect(typeof raw.model).toBe('string');
    const named = /sha256 ([0-9a-f]{12,64})\b/.exec(raw.model as string);
    expect(named).not.toBeNull();
    const bundled = listBundledModels();
    expect(bundled).toHaveLength(1);
    const sidecar = JSON.parse(fs.readFileSync(bundled[0] as string, 'utf8')) as { weights: { file: string } };
    const weights = path.join(path.dirname(bundled[0] as string), sidecar.weights.file);
    // hashed here, not read from the sidecar: the table must name the weights that are actually bundled
    const sha = createHash('sha256').update(fs.readFileSync(weights)).digest('hex');
    expect(sha.slice(0, (named as RegExpExecArray)[1]?.length)).toBe((named as RegExpExecArray)[1]);
  });

  it('is what a run that says nothing about the sampler gets; steps alone mean pc; a named sampler keeps its defaults', () => {
    expect(parseSrSamplingConfig({}).label).toBe(samplerLabel(parseSamplerConfig(DEFAULT_SR_SAMPLER)));
    expect(parseSrSamplingConfig({ batchSize: 2 }).sampler).toMatchObject(DEFAULT_SR_SAMPLER);
    expect(parseSrSamplingConfig({ steps: 5 }).sampler).toMatchObject({ sampler: 'pc', steps: 5, snr: 0.16 });
    expect(parseSrSamplingConfig({ sampler: 'pc' }).sampler).toMatchObject({ sampler: 'pc', steps: 2000, snr: 0.16 });
    expect(parseSrSamplingConfig({ sampler: 'heun' }).sampler).toMatchObject({ sampler: 'heun', steps: 18 });
  });
});
