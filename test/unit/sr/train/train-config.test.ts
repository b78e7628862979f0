import { ConfigError } from '../../../../src/contracts';
import { NCSNPP_PRESETS } from '../../../../src/sr/model-config';
import { DEFAULT_TRAIN_CONFIG, parseTrainConfig, parsePrepareDataConfig, trainingNetworkConfig } from '../../../../src/sr/train';

const base = { dataDir: 'data', outDir: 'out', model: { ...NCSNPP_PRESETS.paper, nf: 16, chMult: [1, 2, 2, 2], numResBlocks: 1, attnResolutions: [16] }, steps: 10 };

describe('parseTrainConfig', () => {
  it('fills the score_sde defaults and freezes the result', () => {
    const c = parseTrainConfig(base);
    expect(c.lr).toBe(2e-4);
    expect(c.beta1).toBe(0.9);
    expect(c.beta2).toBe(0.999);
    expect(c.adamEps).toBe(1e-8);
    expect(c.warmupSteps).toBe(5000);
    expect(c.gradClipNorm).toBe(1);
    expect(c.emaDecay).toBe(0.999);
    expect(c.lossEps).toBe(1e-5);
    expect(c.lrDecay).toBeNull();
    expect(c.batchSize).toBe(DEFAULT_TRAIN_CONFIG.batchSize);
    expect(c.model.featDim).toBe(512); // the paper preset's 512-d descriptor, kept
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('rejects unknown or misspelled keys, naming the valid ones', () => {
    expect(() => parseTrainConfig({ ...base, learningRate: 1e-3 })).toThrow(/unknown key\(s\) "learningRate"; valid keys: dataDir, outDir, model, steps, batchSize, lr/);
  });

  it.each([
    [{ steps: 0 }, /steps: expected an integer >= 1, received 0/],
    [{ batchSize: 2.5 }, /batchSize: expected an integer, received 2.5/],
    [{ lr: -1 }, /lr: expected a number > 0, received -1/],
    [{ beta2: 1 }, /beta2: expected a number in \[0, 1\), received 1/],
    [{ emaDecay: 1 }, /emaDecay: expected a number in \(0, 1\), received 1/],
    [{ randomFlip: 'yes' }, /randomFlip: expected boolean, received "yes"/],
    [{ dataDir: '' }, /dataDir: expected a non-empty path/],
    [{ patchSize: 60 }, /patchSize: expected a multiple of 8 \(2\^\(chMult.length-1\)\) no larger than model.imageSize 128, received 60/],
    [{ model: { ...base.model, nf: 0 } }, /model: invalid NCSN\+\+ config: nf: expected a positive integer/],
    [{ lrDecay: { startStep: 100, steps: 0, finalLr: 1e-5 } }, /lrDecay.steps: expected an integer >= 1, received 0/],
    [{ lrDecay: { startStep: 100, steps: 50, finalLr: 1e-3 } }, /lrDecay.finalLr: expected a number no larger than lr 0.0002, received 0.001/],
    [{ lrDecay: { start: 100, steps: 50, finalLr: 1e-5 } }, /lrDecay/],
  ])('rejects %j with a clear message', (patch, message) => {
    expect(() => parseTrainConfig({ ...base, ...patch })).toThrow(ConfigError);
    expect(() => parseTrainConfig({ ...base, ...patch })).toThrow(message);
  });

  it('requires the model', () => {
    const { model: _m, ...rest } = base;
    void _m;
    expect(() => parseTrainConfig(rest)).toThrow(/model: required, received nothing/);
  });

  it('with patchSize trains the same architecture at the patch size, attention at the same level', () => {
    const c = parseTrainConfig({ ...base, patchSize: 64 });
    const net = trainingNetworkConfig(c);
    expect(net.imageSize).toBe(64);
    expect(net.attnResolutions).toEqual([8]);
    expect(net.chMult).toEqual(c.model.chMult);
    const whole = parseTrainConfig(base);
    expect(trainingNetworkConfig(whole)).toBe(whole.model);
  });
});

describe('parsePrepareDataConfig', () => {
  it('defaults to 128 px HR, x8 LR, FFHQ framing, faceres, 5% validation', () => {
    const c = parsePrepareDataConfig({ sourceDir: 'a', outDir: 'b' });
    expect([c.hrSizePx, c.lrScale, c.quadScale, c.embedder, c.validationFraction]).toEqual([128, 8, 1, 'faceres', 0.05]);
  });
  it('rejects unknown keys and a scale that does not divide the size', () => {
    expect(() => parsePrepareDataConfig({ sourceDir: 'a', outDir: 'b', validation: 0.1 })).toThrow(/unknown key\(s\) "validation"/);
    expect(() => parsePrepareDataConfig({ sourceDir: 'a', outDir: 'b', lrScale: 3 })).toThrow(/lrScale: expected a divisor of hrSizePx 128, received 3/);
    expect(() => parsePrepareDataConfig({ sourceDir: 'a', outDir: 'b', validationFraction: 1 })).toThrow(/validationFraction: expected a number in \[0, 1\), received 1/);
  });
});
