/**
 * The default SR sampler is not a guess: it must be chooseDefaultSampler's decision (issue 5's
 * rule) on the committed table docs/samplers-table.json (bench:samplers with the bundled model),
 * and it is what an SR run gets when it says nothing about the sampler.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SR_SAMPLER, parseSrSamplingConfig } from '../../../../src/sr/enhance';
import { chooseDefaultSampler, parseSamplerConfig, parseSamplerQualityTable, samplerLabel } from '../../../../src/sr/samplers';

const TABLE = path.resolve(__dirname, '../../../../docs/samplers-table.json');

describe('DEFAULT_SR_SAMPLER', () => {
  it("is the rule's decision on docs/samplers-table.json", () => {
    const table = parseSamplerQualityTable(JSON.parse(fs.readFileSync(TABLE, 'utf8')), TABLE);
    const decision = chooseDefaultSampler(table);
    expect(samplerLabel(parseSamplerConfig(DEFAULT_SR_SAMPLER))).toBe(decision.chosen.label);
    expect(decision.chosen.nfe).toBeLessThan(table.reference.nfe);
  });

  it('is what a run that says nothing about the sampler gets; steps alone mean pc; a named sampler keeps its defaults', () => {
    expect(parseSrSamplingConfig({}).label).toBe(samplerLabel(parseSamplerConfig(DEFAULT_SR_SAMPLER)));
    expect(parseSrSamplingConfig({ batchSize: 2 }).sampler).toMatchObject(DEFAULT_SR_SAMPLER);
    expect(parseSrSamplingConfig({ steps: 5 }).sampler).toMatchObject({ sampler: 'pc', steps: 5, snr: 0.16 });
    expect(parseSrSamplingConfig({ sampler: 'pc' }).sampler).toMatchObject({ sampler: 'pc', steps: 2000, snr: 0.16 });
    expect(parseSrSamplingConfig({ sampler: 'heun' }).sampler).toMatchObject({ sampler: 'heun', steps: 18 });
  });
});
