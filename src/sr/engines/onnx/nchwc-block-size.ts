import { OnnxGraphBuilder } from './onnx-graph-builder';
import { encodeOnnxModel } from './onnx-proto';
import { OrtWorkerSession } from './ort-worker-session';
import { NCHWC_DOMAIN } from './export-ncsnpp-train-onnx';

/**
 * The NCHWc block size of this machine's onnxruntime CPU kernels (MLAS: 8 with AVX2, 16 with
 * AVX512F), as the `nchwcConvBlock` of a training graph needs it: runs a one-node graph whose
 * `com.microsoft.nchwc` ReorderInput pads 4 channels up to one block, and reads the padded count.
 *
 * Returns 0 where onnxruntime has no NCHWc kernels (a build or CPU without them: MLAS reports a
 * block size of 1, or the session cannot be created for want of the kernel), which the training
 * graph takes as "plain Conv nodes" (the same values).
 *
 * Probed once per process (a fact of the CPU and the onnxruntime build): later calls share the
 * first call's answer instead of starting another worker session.
 *
 * @throws BackendError when onnxruntime-node does not load.
 */
export function detectNchwcBlockSize(): Promise<number> {
  detected ??= probeNchwcBlockSize().catch((err: unknown) => {
    detected = null; // a failed probe (e.g. onnxruntime did not load) is not remembered
    throw err;
  });
  return detected;
}

let detected: Promise<number> | null = null;

async function probeNchwcBlockSize(): Promise<number> {
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
  let session: OrtWorkerSession;
  try {
    session = await OrtWorkerSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled' });
  } catch (err) {
    // No kernel registered for the contrib domain: this onnxruntime has no NCHWc support.
    if (/ReorderInput|nchwc/i.test((err as Error).message)) return 0;
    throw err;
  }
  try {
    const block = session.runSync([{ name: 'x', data: new Float32Array(4), dims: [1, 4, 1, 1] }], y).dims[1] ?? 0;
    return block >= 8 && block % 4 === 0 ? block : 0;
  } finally {
    await session.release();
  }
}
