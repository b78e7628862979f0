/**
 * The queue's SR spec names the sampler the workers will run and store: with no sampler chosen,
 * the default of the model's formulation (a residual-EDM model's is not the paper-recipe one), so
 * the coordinator's reuse lookup matches what a worker stored.
 */
import { queuedSrSpec } from '../../../pipelines/queue';
import { DEFAULT_RESIDUAL_SR_SAMPLER, DEFAULT_SR_SAMPLER, parseSamplerConfig, parseSrFormulation, samplerLabel } from '../../../src/sr';

const MODEL = { model: null, config: null, engine: 'onnx' } as const;
const RESIDUAL = parseSrFormulation({ kind: 'residual-edm', sigmaData: 0.07, lrInput: 'native' });

describe('queuedSrSpec', () => {
  it("labels a request without a sampler with the default of the model's formulation", () => {
    expect(queuedSrSpec(MODEL, 'ab', {}, RESIDUAL)).toMatchObject({ samplerLabel: samplerLabel(parseSamplerConfig(DEFAULT_RESIDUAL_SR_SAMPLER)), fixedSteps: 1 });
    expect(queuedSrSpec(MODEL, 'ab', {}).samplerLabel).toBe(samplerLabel(parseSamplerConfig(DEFAULT_SR_SAMPLER)));
    expect(queuedSrSpec(MODEL, 'ab', {}, parseSrFormulation({ kind: 'vesde-score' })).samplerLabel).toBe(samplerLabel(parseSamplerConfig(DEFAULT_SR_SAMPLER)));
  });

  it('keeps a chosen sampler whatever the formulation', () => {
    expect(queuedSrSpec(MODEL, 'ab', { sampler: 'heun', steps: 3 }, RESIDUAL)).toMatchObject({ samplerLabel: samplerLabel(parseSamplerConfig({ sampler: 'heun', steps: 3 })), fixedSteps: 3 });
  });
});
