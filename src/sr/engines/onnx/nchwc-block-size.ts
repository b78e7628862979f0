import { OnnxGraphBuilder } from './onnx-graph-builder';
import { encodeOnnxModel } from './onnx-proto';
import { OrtWorkerSession } from './ort-worker-session';
import { NCHWC_DOMAIN } from './export-ncsnpp-train-onnx';

/**
 * The NCHWc block size of this machine's onnxruntime CPU kernels (MLAS: 8 with AVX2, 16 with
 * AVX512F), as the `nchwcConvBlock` of a training graph needs it: runs a one-node graph whose
 * `com.microsoft.nchwc` ReorderInput pads 4 channels up to one block, and reads the padded count.
 *
 * @throws BackendError when onnxruntime-node does not load or has no NCHWc kernels.
 */
export async function detectNchwcBlockSize(): Promise<number> {
  const g = new OnnxGraphBuilder();
  g.opInDomain(NCHWC_DOMAIN, 'ReorderInput', ['x']);
  const y = g.renameLastOutput('y');
  const bytes = encodeOnnxModel({
    irVersion: 8,
    opsetVersion: 17,
    domainOpsets: { [NCHWC_DOMAIN]: 1 },
    producerName: 'fasr',
    producerVersion: '1',
    docString: 'NCHWc block size probe',
    metadata: {},
    graph: g.build('nchwc_block', [{ name: 'x', dtype: 'float32', shape: [1, 4, 1, 1] }], [{ name: y, dtype: 'float32', shape: [1, 'blocked', 1, 1] }]),
  });
  const session = await OrtWorkerSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled' });
  try {
    return session.runSync([{ name: 'x', data: new Float32Array(4), dims: [1, 4, 1, 1] }], y).dims[1] ?? NaN;
  } finally {
    await session.release();
  }
}
