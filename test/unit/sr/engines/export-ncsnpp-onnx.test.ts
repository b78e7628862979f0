import { CheckpointError, ConfigError } from '../../../../src/contracts';
import { initBackend } from '../../../../src/runtime/backend';
import type { HostTensor, StateDict } from '../../../../src/sr/checkpoint';
import { createSrEngine, exportNcsnppOnnx } from '../../../../src/sr/engines';
import { NCSNPP_PRESETS } from '../../../../src/sr/model-config';
import { buildNcsnppSpec } from '../../../../src/sr/models';

const tiny = NCSNPP_PRESETS.tiny;

/** A complete tiny state dict with deterministic, distinct values (no tfjs needed). */
function filledStateDict(): StateDict {
  const sd = new Map<string, HostTensor>();
  let k = 0;
  for (const p of buildNcsnppSpec(tiny).params) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const data = p.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = Math.sin(++k) * 0.1;
    sd.set(p.name, { dtype: p.dtype, shape: [...p.shape], data });
  }
  return sd;
}

describe('exportNcsnppOnnx (validation and determinism; onnxruntime parity is in test/integration)', () => {
  let sd: StateDict;

  beforeAll(() => {
    sd = filledStateDict();
  });

  const edited = (edit: (m: Map<string, HostTensor>) => void): StateDict => {
    const m = new Map(sd);
    edit(m);
    return m;
  };

  it('is deterministic, holds every weight, and changes where a weight changes', () => {
    const a = exportNcsnppOnnx(tiny, sd);
    expect(Buffer.from(a).equals(Buffer.from(exportNcsnppOnnx(tiny, sd)))).toBe(true);
    // 346,547 float32 parameters plus the graph: the weights dominate.
    expect(a.byteLength).toBeGreaterThan(346547 * 4);
    expect(a.byteLength).toBeLessThan(346547 * 4 + 400_000);
    const w = sd.get('all_modules.3.weight') as HostTensor;
    const changed = Float32Array.from(w.data as Float32Array);
    changed[0] = (changed[0] ?? 0) + 1;
    const b = exportNcsnppOnnx(tiny, edited((m) => m.set('all_modules.3.weight', { ...w, data: changed })));
    expect(b.byteLength).toBe(a.byteLength);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('is strict: missing, extra, misshapen or wrongly typed tensors throw CheckpointError naming the tensor', () => {
    expect(() => exportNcsnppOnnx(tiny, edited((m) => m.delete('all_modules.5.Conv_1.weight')))).toThrow(
      new CheckpointError('ONNX export: state dict: missing tensor "all_modules.5.Conv_1.weight" (expected float32 [16,16,3,3])'),
    );
    expect(() => exportNcsnppOnnx(tiny, edited((m) => m.set('extra.bias', { dtype: 'float32', shape: [2], data: new Float32Array(2) })))).toThrow(
      /unexpected tensor "extra.bias" \(float32 \[2\]\)/,
    );
    expect(() => exportNcsnppOnnx(tiny, edited((m) => m.set('all_modules.1.bias', { dtype: 'float32', shape: [63], data: new Float32Array(63) })))).toThrow(
      'ONNX export: state dict: tensor "all_modules.1.bias" has shape [63], expected [64]',
    );
    expect(() => exportNcsnppOnnx(tiny, edited((m) => m.set('all_modules.1.bias', { dtype: 'float64', shape: [64], data: new Float64Array(64) })))).toThrow(
      'ONNX export: state dict: tensor "all_modules.1.bias" has dtype float64, expected float32',
    );
    // The paper config's tensors are not the tiny state dict's.
    expect(() => exportNcsnppOnnx(NCSNPP_PRESETS.paper, sd)).toThrow(CheckpointError);
  });

  it("hints at DataParallel's module. prefix, as NcsnppModel.fromStateDict does", () => {
    const prefixed = new Map([...sd].map(([k, v]) => [`module.${k}`, v] as const));
    expect(() => exportNcsnppOnnx(tiny, prefixed)).toThrow(
      new CheckpointError(`ONNX export: state dict: missing tensor "sigmas" (expected float64 [4]) (the keys still carry DataParallel's 'module.' prefix; strip it)`),
    );
    // A tensor simply missing gets no hint.
    expect(() => exportNcsnppOnnx(tiny, edited((m) => m.delete('sigmas')))).toThrow(new CheckpointError('ONNX export: state dict: missing tensor "sigmas" (expected float64 [4])'));
  });
});

describe('createSrEngine', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('createSrEngine validates its options before building anything', async () => {
    const stateDict = filledStateDict();
    await expect(createSrEngine({ engine: 'torch' as 'onnx', config: tiny, stateDict })).rejects.toThrow(
      new ConfigError('SrEngine.engine: expected one of "onnx", "tfjs", received "torch"'),
    );
    await expect(createSrEngine({ engine: 'tfjs', config: tiny, stateDict, onnx: { intraOpThreads: 1 } })).rejects.toThrow(/option "onnx" applies only to engine "onnx"/);
    await expect(createSrEngine({ engine: 'tfjs', config: tiny, stateDict, threads: 2 } as never)).rejects.toThrow(/createSrEngine: unknown option "threads"/);
    const engine = await createSrEngine({ engine: 'tfjs', config: tiny, stateDict });
    expect(engine.name).toBe('tfjs');
    expect(engine.config).toEqual(tiny);
    await engine.dispose();
  });
});
