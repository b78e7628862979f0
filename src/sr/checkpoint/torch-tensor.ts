import { CheckpointError } from '../../contracts';
import type { HostData, HostDType, HostTensor } from './host-tensor';
import { numel } from './host-tensor';
import { PickleObject } from './pickle-reader';

/** Bytes per element as stored in a torch storage. */
export const ELEMENT_BYTES: Readonly<Record<HostDType, number>> = {
  float16: 2,
  bfloat16: 2,
  float32: 4,
  float64: 8,
  int8: 1,
  uint8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
};

/** A torch global named in a pickle that stands for a dtype; described by its qualified name. */
abstract class TorchNamedDType extends PickleObject {
  constructor(
    readonly qualifiedName: string,
    readonly dtype: HostDType,
  ) {
    super();
  }
  describe(): string {
    return this.qualifiedName;
  }
}

/** A storage class named in a pickle, e.g. `torch.FloatStorage`. */
export class TorchStorageType extends TorchNamedDType {}

/** A torch dtype object named in a pickle, e.g. `torch.float32`. */
export class TorchDTypeValue extends TorchNamedDType {}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/**
 * Interprets little-endian bytes as a typed array of `dtype` (float16/bfloat16 widened to
 * float32). `bytes` must start at byteOffset 0 of its buffer or be copied first.
 */
export function typedFromBytes(dtype: HostDType, bytes: Uint8Array, count: number): HostData {
  const need = count * ELEMENT_BYTES[dtype];
  if (bytes.byteLength !== need) {
    throw new CheckpointError(`storage of ${count} ${dtype} elements needs ${need} bytes, got ${bytes.byteLength}`, {
      expected: need,
      actual: bytes.byteLength,
    });
  }
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
  const ab = aligned.buffer;
  const off = aligned.byteOffset;
  switch (dtype) {
    case 'float32':
      return new Float32Array(ab, off, count);
    case 'float64':
      return new Float64Array(ab, off, count);
    case 'int8':
      return new Int8Array(ab, off, count);
    case 'uint8':
    case 'bool':
      return new Uint8Array(ab, off, count);
    case 'int16':
      return new Int16Array(ab, off, count);
    case 'int32':
      return new Int32Array(ab, off, count);
    case 'int64':
      return new BigInt64Array(ab, off, count);
    case 'float16': {
      const src = new Uint16Array(ab, off, count);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(src[i] as number);
      return out;
    }
    case 'bfloat16': {
      const src = new Uint16Array(ab, off, count);
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = (src[i] as number) << 16;
      return new Float32Array(bits.buffer);
    }
  }
}

/**
 * A torch storage referenced by a pickle's persistent id. Its elements are attached once read
 * (zip: the `data/<key>` record; legacy: the blocks after the pickle).
 */
export class TorchStorage extends PickleObject {
  private elements: HostData | null = null;
  constructor(
    readonly key: string,
    readonly dtype: HostDType,
    /** Number of elements. */
    readonly size: number,
    readonly location: string,
    private readonly loader: ((s: TorchStorage) => HostData) | null,
  ) {
    super();
  }
  describe(): string {
    return `storage '${this.key}' (${this.dtype}[${this.size}])`;
  }
  /** Attaches the elements (legacy format, where they follow the pickle). */
  attach(data: HostData): void {
    if (data.length !== this.size) {
      throw new CheckpointError(`storage '${this.key}': expected ${this.size} elements, got ${data.length}`, {
        tensor: this.key,
        expected: this.size,
        actual: data.length,
      });
    }
    this.elements = data;
  }
  get isLoaded(): boolean {
    return this.elements !== null;
  }
  /** @throws CheckpointError when the elements are not available. */
  data(): HostData {
    if (this.elements === null) {
      if (this.loader === null) throw new CheckpointError(`storage '${this.key}' has no data (missing from the file)`, { tensor: this.key });
      this.attach(this.loader(this));
    }
    return this.elements as HostData;
  }
}

/** A storage view (legacy format's `view_metadata`): `size` elements of `base` from `offset`. */
export class TorchStorageView extends PickleObject {
  constructor(
    readonly base: TorchStorage,
    readonly offset: number,
    readonly size: number,
  ) {
    super();
  }
  describe(): string {
    return `view of ${this.base.describe()} at ${this.offset}`;
  }
}

/** Row-major strides for a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = (strides[i + 1] as number) * (shape[i + 1] as number);
  return strides;
}

type TypedCtor = { new (n: number): HostData };

/**
 * A tensor as `torch._utils._rebuild_tensor_v2` describes it: a storage, an element offset, a
 * shape and strides. Implements {@link HostTensor}; `data` is gathered on first access (a view of
 * the storage when the tensor is contiguous, a copy otherwise).
 */
export class TorchTensor extends PickleObject implements HostTensor {
  private cached: HostData | null = null;
  readonly dtype: HostDType;
  constructor(
    readonly storage: TorchStorage,
    /** Offset into the storage, in elements. */
    readonly storageOffset: number,
    readonly shape: readonly number[],
    /** Strides in elements. */
    readonly stride: readonly number[],
    readonly requiresGrad: boolean,
  ) {
    super();
    this.dtype = storage.dtype;
  }
  describe(): string {
    return `tensor ${this.dtype}[${this.shape.join(', ')}]`;
  }
  /** A copy of this tensor with another `requiresGrad` (for `_rebuild_parameter`). */
  withRequiresGrad(requiresGrad: boolean): TorchTensor {
    return new TorchTensor(this.storage, this.storageOffset, this.shape, this.stride, requiresGrad);
  }
  get isContiguous(): boolean {
    const c = contiguousStrides(this.shape);
    return this.shape.every((n, i) => n === 1 || this.stride[i] === c[i]);
  }
  get data(): HostData {
    if (this.cached === null) this.cached = this.gather();
    return this.cached;
  }
  private gather(): HostData {
    const src = this.storage.data();
    const n = numel(this.shape);
    if (this.isContiguous) return src.subarray(this.storageOffset, this.storageOffset + n);
    const out = new (src.constructor as TypedCtor)(n);
    const rank = this.shape.length;
    const idx = new Array<number>(rank).fill(0);
    let p = this.storageOffset;
    for (let i = 0; i < n; i++) {
      (out as Float64Array)[i] = (src as Float64Array)[p] as number;
      // Odometer over the shape, last axis fastest.
      for (let d = rank - 1; d >= 0; d--) {
        const next = (idx[d] as number) + 1;
        if (next < (this.shape[d] as number)) {
          idx[d] = next;
          p += this.stride[d] as number;
          break;
        }
        idx[d] = 0;
        p -= ((this.shape[d] as number) - 1) * (this.stride[d] as number);
      }
    }
    return out;
  }
  /** A plain {@link HostTensor} with the data gathered now. */
  toHostTensor(): HostTensor {
    return Object.freeze({ dtype: this.dtype, shape: Object.freeze([...this.shape]), data: this.data });
  }
}

/** Type guard for tensors in an unpickled tree. */
export function isTorchTensor(v: unknown): v is TorchTensor {
  return v instanceof TorchTensor;
}
