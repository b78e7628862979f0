import * as os from 'node:os';
import { ConfigError } from '../../../../src/contracts';
import { DEFAULT_ONNX_ENGINE_CONFIG, parseOnnxEngineConfig, parseSrEngineName } from '../../../../src/sr/engines';
import { onnxEngineConfigFromEnv, resolveGraphForm, resolveIntraOpThreads } from '../../../../src/sr/engines/onnx-engine-config';

describe('OnnxEngineConfig', () => {
  it('fills in frozen defaults: cpu, one thread per core, all graph optimisations', () => {
    const c = parseOnnxEngineConfig();
    expect(c).toEqual({ executionProvider: 'cpu', intraOpThreads: 0, graphOptimization: 'all', cudaDeviceId: 0, graphForm: 'auto' });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(DEFAULT_ONNX_ENGINE_CONFIG)).toBe(true);
    expect(resolveIntraOpThreads(c)).toBe(os.availableParallelism());
    expect(resolveIntraOpThreads(parseOnnxEngineConfig({ intraOpThreads: 3 }))).toBe(3);
  });

  it('rejects unknown keys and bad values with messages naming the key and the choices', () => {
    expect(() => parseOnnxEngineConfig({ threads: 2 })).toThrow(
      new ConfigError('OnnxEngineConfig: unknown option "threads"; valid options: executionProvider, intraOpThreads, graphOptimization, cudaDeviceId, graphForm'),
    );
    expect(() => parseOnnxEngineConfig({ executionProvider: 'gpu' })).toThrow(
      new ConfigError('OnnxEngineConfig.executionProvider: expected one of "cpu", "cuda", received "gpu"'),
    );
    expect(() => parseOnnxEngineConfig({ intraOpThreads: -1 })).toThrow(/OnnxEngineConfig.intraOpThreads: expected an integer in \[0, 1024\], received -1/);
    expect(() => parseOnnxEngineConfig({ graphOptimization: 'max' })).toThrow(/expected one of "disabled", "basic", "extended", "all"/);
    expect(() => parseOnnxEngineConfig({ graphForm: 'winograd' })).toThrow(
      new ConfigError('OnnxEngineConfig.graphForm: expected one of "auto", "direct", "fast", received "winograd"'),
    );
    expect(() => parseOnnxEngineConfig('cpu')).toThrow(ConfigError);
  });

  it("resolves graphForm 'auto' to the fast graph on the CPU and the direct one on CUDA; explicit forms stay", () => {
    expect(resolveGraphForm(parseOnnxEngineConfig())).toBe('fast');
    expect(resolveGraphForm(parseOnnxEngineConfig({ executionProvider: 'cuda' }))).toBe('direct');
    expect(resolveGraphForm(parseOnnxEngineConfig({ executionProvider: 'cuda', graphForm: 'fast' }))).toBe('fast');
    expect(resolveGraphForm(parseOnnxEngineConfig({ graphForm: 'direct' }))).toBe('direct');
  });

  it('reads the provider and graph form from FASR_ONNX_PROVIDER / FASR_ONNX_GRAPH; unset or empty set nothing', () => {
    expect(onnxEngineConfigFromEnv({})).toEqual({});
    expect(onnxEngineConfigFromEnv({ FASR_ONNX_PROVIDER: '', FASR_ONNX_GRAPH: '' })).toEqual({});
    expect(onnxEngineConfigFromEnv({ FASR_ONNX_PROVIDER: 'cuda', FASR_ONNX_GRAPH: 'fast' })).toEqual({ executionProvider: 'cuda', graphForm: 'fast' });
    expect(() => onnxEngineConfigFromEnv({ FASR_ONNX_GRAPH: 'Fast' })).toThrow(
      new ConfigError('environment.FASR_ONNX_GRAPH: expected one of "auto", "direct", "fast", received "Fast"'),
    );
  });

  it('parses the --engine choice', () => {
    expect(parseSrEngineName('onnx')).toBe('onnx');
    expect(parseSrEngineName('tfjs')).toBe('tfjs');
    expect(() => parseSrEngineName('torch')).toThrow(new ConfigError('SrEngine.engine: expected one of "onnx", "tfjs", received "torch"'));
  });
});
