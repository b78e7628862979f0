import type { SrEngineName } from './sr-engine';

/** The engine an SR run gets when it names none, and why. */
export interface DefaultSrEngine {
  readonly engine: SrEngineName;
  readonly reason: string;
}

/**
 * The fastest SR engine that is installed: 'onnx' (onnxruntime-node; 2–4x faster than tfjs for
 * the same network here, docs/engines.md) when its package resolves, else 'tfjs'. Runs that name
 * no engine use it and record which engine ran (SrModel.engine, the PNG's fasr:engine).
 */
export function defaultSrEngine(resolve: (id: string) => string = require.resolve): DefaultSrEngine {
  try {
    resolve('onnxruntime-node');
    return { engine: 'onnx', reason: 'default: the fastest installed engine (onnxruntime-node)' };
  } catch {
    return { engine: 'tfjs', reason: 'default: onnxruntime-node is not installed, so tfjs' };
  }
}
