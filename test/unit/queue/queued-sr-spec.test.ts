/**
 * The queue's SR spec names the sampler the workers will run and store: with no sampler chosen,
 * the default of the model's formulation (a residual-EDM model's is not the paper-recipe one), so
 * the coordinator's reuse lookup matches what a worker stored.
 */
import { queuedSrSpec } from '../../../pipelines/queue';
import { DEFAULT_RESIDUAL_SR_SAMPLER, DEFAULT_SR_SAMPLER, PAPER_FORMULATION, parseSamplerConfig, parseSrFormulation, samplerLabel, type SrFormulation } from '../../../src/sr';

const MODEL = { model: null, config: null, engine: 'onnx' } as const;
const RESIDUAL = parseSrFormulation({ kind: 'residual-edm', sigmaData: 0.07, lrInput: 'native' });
/** What the coordinator keeps of a loaded model (sha256 'ab'); the paper's formulation unless given. */
const loaded = (formulation: SrFormulation = PAPER_FORMULATION) => ({ id: 'm', sha256: 'ab', formulation, config: { imageSize: 64, featDim: 512 } });

describe('queuedSrSpec', () => {
  it("labels a request without a sampler with the default of the model's formulation", () => {
    expect(queuedSrSpec(MODEL, loaded(RESIDUAL), {})).toMatchObject({ samplerLabel: samplerLabel(parseSamplerConfig(DEFAULT_RESIDUAL_SR_SAMPLER)), fixedSteps: 1 });
    expect(queuedSrSpec(MODEL, loaded(), {}).samplerLabel).toBe(samplerLabel(parseSamplerConfig(DEFAULT_SR_SAMPLER)));
    expect(queuedSrSpec(MODEL, loaded(parseSrFormulation({ kind: 'vesde-score' })), {}).samplerLabel).toBe(samplerLabel(parseSamplerConfig(DEFAULT_SR_SAMPLER)));
  });

  it('carries the keep-native threshold the coordinator applies: default 128, null/0 off, bad values named', () => {
    expect(queuedSrSpec(MODEL, loaded(), {}).keepNativeMinSidePx).toBe(128);
    expect(queuedSrSpec(MODEL, loaded(), { keepNativeMinSidePx: null }).keepNativeMinSidePx).toBeNull();
    expect(queuedSrSpec(MODEL, loaded(), { keepNativeMinSidePx: 0 }).keepNativeMinSidePx).toBeNull();
    expect(queuedSrSpec(MODEL, loaded(), { keepNativeMinSidePx: 200 }).keepNativeMinSidePx).toBe(200);
    expect(() => queuedSrSpec(MODEL, loaded(), { keepNativeMinSidePx: 1.5 }, '--sr')).toThrow('--sr.keepNativeMinSidePx: expected an integer in [1, 4096], received 1.5');
  });

  it('keeps a chosen sampler whatever the formulation', () => {
    expect(queuedSrSpec(MODEL, loaded(RESIDUAL), { sampler: 'heun', steps: 3 })).toMatchObject({ samplerLabel: samplerLabel(parseSamplerConfig({ sampler: 'heun', steps: 3 })), fixedSteps: 3 });
  });
});
