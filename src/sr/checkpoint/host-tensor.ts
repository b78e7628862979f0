/**
 * A tensor held in host memory, as read from a checkpoint or written to one. Independent of
 * TensorFlow.js so readers and writers stay pure and testable.
 */
export type HostDType = 'float16' | 'bfloat16' | 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'int32' | 'int64' | 'bool';

/** Typed-array storage for each dtype (float16/bfloat16 are widened to float32 when read). */
export type HostData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Int32Array | BigInt64Array;

export interface HostTensor {
  /** The dtype as stored in the file. */
  readonly dtype: HostDType;
  /** Row-major (C order) shape; [] for a scalar. */
  readonly shape: readonly number[];
  /** Row-major values; length = product of shape. */
  readonly data: HostData;
}

/** A named collection of host tensors, e.g. a state_dict without its `module.` prefix. */
export type StateDict = ReadonlyMap<string, HostTensor>;

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
