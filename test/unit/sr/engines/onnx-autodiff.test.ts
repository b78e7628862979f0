/**
 * Reverse mode over the tape (src/sr/engines/onnx/onnx-autodiff.ts), structure only (no
 * onnxruntime here; the numbers are checked against tfjs autodiff in
 * test/integration/sr/engines/onnx-train-step.test.ts): static shapes, broadcasting undone,
 * gradients only for what reaches the loss, and build-time errors for what cannot be differentiated.
 */
import { CONV_WEIGHT_GRADIENTS, emitGradients } from '../../../../src/sr/engines/onnx/onnx-autodiff';
import { broadcastShapes, OnnxTape } from '../../../../src/sr/engines/onnx/onnx-tape';

function scalarLoss(t: OnnxTape, v: string): string {
  const rank = t.shape(v).length;
  return t.op('ReduceSum', [v, t.int64s([...Array(rank).keys()])], { keepdims: 0 });
}

describe('OnnxTape shapes', () => {
  it('infers Conv, ConvTranspose, Gemm, MatMul, Reshape, Slice, Concat and Pad shapes', () => {
    const t = new OnnxTape();
    t.declare('x', [2, 6, 32, 32]);
    t.declare('w', [16, 6, 3, 3]);
    const c = t.op('Conv', ['x', 'w'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
    expect(t.shape(c)).toEqual([2, 16, 32, 32]);
    t.declare('fir', [16, 1, 4, 4]);
    const down = t.op('Conv', [c, 'fir'], { group: 16, kernel_shape: [4, 4], strides: [2, 2], pads: [1, 1, 1, 1] });
    expect(t.shape(down)).toEqual([2, 16, 16, 16]);
    const up = t.op('ConvTranspose', [down, 'fir'], { group: 16, kernel_shape: [4, 4], strides: [2, 2], pads: [1, 1, 1, 1] });
    expect(t.shape(up)).toEqual([2, 16, 32, 32]);
    const r = t.op('Reshape', [up, t.int64s([0, 4, -1])]);
    expect(t.shape(r)).toEqual([2, 4, 4096]);
    const sl = t.op('Slice', [r, t.int64s([1]), t.int64s([3]), t.int64s([1])]);
    expect(t.shape(sl)).toEqual([2, 2, 4096]);
    expect(t.shape(t.op('Concat', [r, sl], { axis: 1 }))).toEqual([2, 6, 4096]);
    expect(t.shape(t.op('Pad', [sl, t.int64s([0, 1, 0, 0, 1, 0])]))).toEqual([2, 4, 4096]);
    t.declare('a', [5, 7]);
    t.declare('b', [3, 7]);
    expect(t.shape(t.op('Gemm', ['a', 'b'], { transB: 1 }))).toEqual([5, 3]);
    expect(broadcastShapes([2, 16, 1, 1], [16, 1, 1], 'Add')).toEqual([2, 16, 1, 1]);
    expect(() => broadcastShapes([2, 3], [4], 'Add')).toThrow(/shapes \[2,3\] and \[4\] do not broadcast/);
    expect(() => t.op('Erf', ['a'])).toThrow(/no shape rule for op Erf/);
  });

  it('gives LayerNormalization three outputs: y like x, Mean and InvStdDev with the normalised axes kept as 1', () => {
    const t = new OnnxTape();
    t.declare('r', [2, 4, 256]);
    const ln = t.layerNorm('r', t.floats('ones', [256], new Float32Array(256).fill(1)), 2, 1e-6);
    expect([t.shape(ln.y), t.shape(ln.mean), t.shape(ln.invStd)]).toEqual([[2, 4, 256], [2, 4, 1], [2, 4, 1]]);
    expect(new Set([ln.y, ln.mean, ln.invStd]).size).toBe(3);
  });
});

describe('emitGradients', () => {
  it('gives every differentiated value a gradient of its own shape, summing broadcast axes back', () => {
    const t = new OnnxTape();
    t.declare('x', [2, 4, 8, 8]);
    t.declare('gamma', [4]);
    const g = t.op('Reshape', ['gamma', t.int64s([4, 1, 1])]);
    const y = t.op('Mul', [t.op('Sigmoid', ['x']), g]);
    const [dx, dgamma] = emitGradients(t, scalarLoss(t, y), ['x', 'gamma']);
    expect(t.shape(dx as string)).toEqual([2, 4, 8, 8]);
    expect(t.shape(dgamma as string)).toEqual([4]);
    // gamma was broadcast over [2, 4, 8, 8]: its gradient is a ReduceSum over axes 0, 2, 3.
    expect(t.nodes.some((n) => n.opType === 'ReduceSum' && n.output.startsWith('grad/') && t.constValues(n.inputs[1] ?? '').join(',') === '0,2,3')).toBe(true);
  });

  it('emits nothing for a branch without parameters (the descriptor normalisation, log sigma)', () => {
    const t = new OnnxTape();
    t.declare('p', [4]);
    t.declare('sigma', [4]);
    const y = t.op('Mul', ['p', t.op('Log', ['sigma'])]);
    emitGradients(t, scalarLoss(t, y), ['p']);
    // Log has no gradient rule: reaching it would have thrown.
    expect(t.nodes.filter((n) => n.output.startsWith('grad/')).every((n) => n.opType !== 'Log')).toBe(true);
  });

  it.each(CONV_WEIGHT_GRADIENTS)('gives a 3x3 and a 1x1 Conv weight a gradient of the weight\'s shape (%s)', (form) => {
    const t = new OnnxTape();
    t.declare('x', [2, 6, 8, 8]);
    t.declare('w3', [5, 6, 3, 3]);
    t.declare('w1', [4, 5, 1, 1]);
    const h = t.op('Conv', ['x', 'w3'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
    const y = t.op('Conv', [h, 'w1'], { kernel_shape: [1, 1] });
    const [d3, d1] = emitGradients(t, scalarLoss(t, y), ['w3', 'w1'], { convWeightGradient: form });
    expect([t.shape(d3 as string), t.shape(d1 as string)]).toEqual([[5, 6, 3, 3], [4, 5, 1, 1]]);
  });

  it('refuses a loss that is not a scalar, a parameter that does not reach it, and an op without a rule', () => {
    const t = new OnnxTape();
    t.declare('p', [3]);
    t.declare('q', [3]);
    const y = t.op('Sin', ['p']);
    expect(() => emitGradients(t, y, ['p'])).toThrow(/must be a scalar, has shape \[3\]/);
    const loss = scalarLoss(t, y);
    expect(() => emitGradients(t, loss, ['p'])).toThrow(/no gradient rule for Sin/);
    const t2 = new OnnxTape();
    t2.declare('p', [3]);
    t2.declare('q', [3]);
    const l2 = scalarLoss(t2, t2.op('Neg', ['p']));
    expect(() => emitGradients(t2, l2, ['p', 'q'])).toThrow(/"q" does not reach the loss/);
  });
});
