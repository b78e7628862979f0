import { CheckpointError } from '../../contracts';
import type { HostDType } from './host-tensor';
import { numel } from './host-tensor';
import type { PickleValue } from './pickle-reader';
import { describeValue, PickleCallable, PickleObject } from './pickle-reader';
import { TorchDTypeValue, TorchStorage, TorchStorageType, TorchStorageView, TorchTensor } from './torch-tensor';

/** Storage classes a torch pickle may name, and the element type of each. */
const STORAGE_TYPES: ReadonlyArray<readonly [string, HostDType]> = [
  ['FloatStorage', 'float32'],
  ['DoubleStorage', 'float64'],
  ['HalfStorage', 'float16'],
  ['BFloat16Storage', 'bfloat16'],
  ['LongStorage', 'int64'],
  ['IntStorage', 'int32'],
  ['ShortStorage', 'int16'],
  ['CharStorage', 'int8'],
  ['ByteStorage', 'uint8'],
  ['BoolStorage', 'bool'],
];

const TORCH_DTYPES: ReadonlyArray<readonly [string, HostDType]> = [
  ['float32', 'float32'],
  ['float', 'float32'],
  ['float64', 'float64'],
  ['double', 'float64'],
  ['float16', 'float16'],
  ['half', 'float16'],
  ['bfloat16', 'bfloat16'],
  ['int64', 'int64'],
  ['long', 'int64'],
  ['int32', 'int32'],
  ['int', 'int32'],
  ['int16', 'int16'],
  ['short', 'int16'],
  ['int8', 'int8'],
  ['uint8', 'uint8'],
  ['bool', 'bool'],
];

function isInt(v: PickleValue | undefined): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function intTuple(v: PickleValue | undefined, what: string, fn: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => isInt(x) && x >= 0)) {
    throw new CheckpointError(`${fn}: ${what} must be a tuple of non-negative ints, got ${describeValue(v)}`);
  }
  return [...(v as number[])];
}

function expectArgs(fn: string, args: readonly PickleValue[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    throw new CheckpointError(`${fn}: expected ${min === max ? min : `${min}–${max}`} arguments, got ${args.length}`);
  }
}

/** `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata])`. */
function rebuildTensor(fn: string, args: readonly PickleValue[], v2: boolean): TorchTensor {
  if (v2) expectArgs(fn, args, 6, 7);
  else expectArgs(fn, args, 4, 4);
  let storage = args[0];
  let base = 0;
  let limit = storage instanceof TorchStorage ? storage.size : 0;
  if (storage instanceof TorchStorageView) {
    base = storage.offset;
    limit = storage.offset + storage.size;
    storage = storage.base;
  }
  if (!(storage instanceof TorchStorage)) throw new CheckpointError(`${fn}: first argument must be a storage, got ${describeValue(storage)}`);
  const offset = args[1];
  if (!isInt(offset) || offset < 0) throw new CheckpointError(`${fn}: storage offset must be a non-negative int, got ${describeValue(offset)}`);
  const shape = intTuple(args[2], 'size', fn);
  const stride = intTuple(args[3], 'stride', fn);
  if (stride.length !== shape.length) {
    throw new CheckpointError(`${fn}: stride has ${stride.length} entries for a ${shape.length}-d size`, { expected: shape.length, actual: stride.length });
  }
  const requiresGrad = v2 ? args[4] : false;
  if (typeof requiresGrad !== 'boolean') throw new CheckpointError(`${fn}: requires_grad must be a bool, got ${describeValue(requiresGrad)}`);
  if (v2) {
    const hooks = args[5];
    if (!(hooks instanceof Map) || hooks.size !== 0) throw new CheckpointError(`${fn}: backward hooks must be an empty OrderedDict, got ${describeValue(hooks)}`);
    // Tensor metadata (e.g. conjugate/negative bits) would change the values: refuse rather than ignore it.
    const meta = args[6];
    if (meta !== undefined && meta !== null && !(meta instanceof Map && meta.size === 0)) {
      throw new CheckpointError(`${fn}: tensor metadata ${describeValue(meta)} is not supported`);
    }
  }
  const start = base + offset;
  if (numel(shape) > 0) {
    const last = start + shape.reduce((acc, n, i) => acc + (n - 1) * (stride[i] as number), 0);
    if (last >= limit) {
      throw new CheckpointError(
        `${fn}: tensor of size (${shape.join(', ')}) stride (${stride.join(', ')}) offset ${start} reaches element ${last} of ${storage.describe()}`,
        { tensor: storage.key, expected: last + 1, actual: limit },
      );
    }
  }
  return new TorchTensor(storage, start, shape, stride, requiresGrad);
}

/** A numpy dtype made by `numpy.dtype(code, align, copy)` and completed by BUILD. */
class NumpyDType extends PickleObject {
  byteOrder = '|';
  constructor(readonly code: string) {
    super();
  }
  describe(): string {
    return `numpy.dtype('${this.code}')`;
  }
  override setState(state: PickleValue, offset: number): void {
    if (!Array.isArray(state) || typeof state[1] !== 'string') {
      throw new CheckpointError(`numpy.dtype state at offset ${offset} is ${describeValue(state)}, expected a tuple with a byte order`);
    }
    this.byteOrder = state[1];
  }
}

const NUMPY_CODES: Readonly<Record<string, readonly [number, (dv: DataView) => PickleValue]>> = {
  f8: [8, (dv) => dv.getFloat64(0, true)],
  f4: [4, (dv) => dv.getFloat32(0, true)],
  i8: [
    8,
    (dv) => {
      const v = dv.getBigInt64(0, true);
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    },
  ],
  i4: [4, (dv) => dv.getInt32(0, true)],
  i2: [2, (dv) => dv.getInt16(0, true)],
  i1: [1, (dv) => dv.getInt8(0)],
  u1: [1, (dv) => dv.getUint8(0)],
  b1: [1, (dv) => dv.getUint8(0) !== 0],
};

function numpyScalar(fn: string, args: readonly PickleValue[]): PickleValue {
  expectArgs(fn, args, 2, 2);
  const dtype = args[0];
  const bytes = args[1];
  if (!(dtype instanceof NumpyDType)) throw new CheckpointError(`${fn}: first argument must be a numpy dtype, got ${describeValue(dtype)}`);
  if (!(bytes instanceof Uint8Array)) throw new CheckpointError(`${fn}: second argument must be bytes, got ${describeValue(bytes)}`);
  const spec = NUMPY_CODES[dtype.code];
  if (spec === undefined) {
    throw new CheckpointError(`${fn}: unsupported numpy dtype '${dtype.code}'; supported: ${Object.keys(NUMPY_CODES).join(', ')}`);
  }
  if (dtype.byteOrder === '>') throw new CheckpointError(`${fn}: big-endian numpy scalars are not supported`);
  if (bytes.length !== spec[0]) throw new CheckpointError(`${fn}: '${dtype.code}' needs ${spec[0]} bytes, got ${bytes.length}`);
  return spec[1](new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

function callable(qualifiedName: string, fn: (fn: string, args: readonly PickleValue[]) => PickleValue): PickleCallable {
  return new PickleCallable(qualifiedName, (args) => fn(qualifiedName, args));
}

function buildAllowlist(): ReadonlyMap<string, PickleValue> {
  const m = new Map<string, PickleValue>();
  m.set(
    'collections.OrderedDict',
    callable('collections.OrderedDict', (fn, args) => {
      expectArgs(fn, args, 0, 0);
      return new Map();
    }),
  );
  m.set('torch._utils._rebuild_tensor_v2', callable('torch._utils._rebuild_tensor_v2', (fn, args) => rebuildTensor(fn, args, true)));
  m.set('torch._utils._rebuild_tensor', callable('torch._utils._rebuild_tensor', (fn, args) => rebuildTensor(fn, args, false)));
  m.set(
    'torch._utils._rebuild_parameter',
    callable('torch._utils._rebuild_parameter', (fn, args) => {
      expectArgs(fn, args, 3, 3);
      const [data, requiresGrad, hooks] = args;
      if (!(data instanceof TorchTensor)) throw new CheckpointError(`${fn}: data must be a tensor, got ${describeValue(data)}`);
      if (typeof requiresGrad !== 'boolean') throw new CheckpointError(`${fn}: requires_grad must be a bool, got ${describeValue(requiresGrad)}`);
      if (!(hooks instanceof Map) || hooks.size !== 0) throw new CheckpointError(`${fn}: backward hooks must be an empty OrderedDict`);
      return data.withRequiresGrad(requiresGrad);
    }),
  );
  for (const [cls, dtype] of STORAGE_TYPES) m.set(`torch.${cls}`, new TorchStorageType(`torch.${cls}`, dtype));
  for (const [name, dtype] of TORCH_DTYPES) m.set(`torch.${name}`, new TorchDTypeValue(`torch.${name}`, dtype));
  // Optimizer hyper-parameters saved as numpy scalars (protocol 2 encodes their bytes via _codecs.encode).
  for (const mod of ['numpy.core.multiarray', 'numpy._core.multiarray']) {
    m.set(`${mod}.scalar`, callable(`${mod}.scalar`, numpyScalar));
  }
  m.set(
    'numpy.dtype',
    callable('numpy.dtype', (fn, args) => {
      expectArgs(fn, args, 1, 3);
      const code = args[0];
      if (typeof code !== 'string') throw new CheckpointError(`${fn}: code must be a str, got ${describeValue(code)}`);
      return new NumpyDType(code);
    }),
  );
  m.set(
    '_codecs.encode',
    callable('_codecs.encode', (fn, args) => {
      expectArgs(fn, args, 2, 2);
      const [text, encoding] = args;
      if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) {
        throw new CheckpointError(`${fn}: only (str, 'latin1') is supported, got (${describeValue(text)}, ${describeValue(encoding)})`);
      }
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c > 0xff) throw new CheckpointError(`${fn}: character U+${c.toString(16)} is not latin-1`);
        out[i] = c;
      }
      return out;
    }),
  );
  return m;
}

/** Every global a torch checkpoint may name; nothing else resolves. Never mutated. */
const ALLOWLIST: ReadonlyMap<string, PickleValue> = buildAllowlist();

/** The allowlisted global names, for documentation and error messages. */
export function allowedTorchGlobals(): string[] {
  return [...ALLOWLIST.keys()];
}

/**
 * Resolves `module.name` against the allowlist.
 * @throws CheckpointError naming the global for anything else (e.g. `os.system`, `builtins.eval`).
 */
export function resolveTorchGlobal(module: string, name: string, offset: number, file = 'pickle'): PickleValue {
  const qualified = `${module}.${name}`;
  const v = ALLOWLIST.get(qualified);
  if (v !== undefined) return v;
  const hint = /Storage$/.test(name) && module === 'torch' ? ` (unsupported storage type; supported: ${STORAGE_TYPES.map(([c]) => c).join(', ')})` : '';
  throw new CheckpointError(
    `${file}: forbidden global '${qualified}' at offset ${offset}: only tensors, storages, OrderedDict and numpy scalars may be unpickled${hint}`,
    { path: file, global: qualified, offset },
  );
}

/** The storage type, key, location and element count from a persistent id. */
export interface StorageId {
  readonly type: TorchStorageType;
  readonly key: string;
  readonly location: string;
  readonly size: number;
  /** Legacy format only: (view key, element offset, element count) of an old storage view. */
  readonly view: readonly [string, number, number] | null;
}

/** Parses `('storage', storage_type, key, location, numel[, view_metadata])`. */
export function parseStorageId(pid: PickleValue, offset: number, file: string, legacy: boolean): StorageId {
  const bad = (why: string): never => {
    throw new CheckpointError(`${file}: invalid persistent id at offset ${offset}: ${why}`, { path: file, offset });
  };
  if (!Array.isArray(pid)) return bad(`expected a tuple, got ${describeValue(pid)}`);
  const t = pid as readonly PickleValue[];
  if (t[0] !== 'storage') return bad(`expected ('storage', ...), got first item ${describeValue(t[0])}`);
  if (t.length !== (legacy ? 6 : 5)) return bad(`expected ${legacy ? 6 : 5} items, got ${t.length}`);
  const [, type, key, location, size, view] = t;
  if (!(type instanceof TorchStorageType)) return bad(`storage type is ${describeValue(type)}`);
  if (typeof key !== 'string' || key.length === 0 || key.includes('/') || key.includes('..')) return bad(`storage key is ${describeValue(key)}`);
  if (typeof location !== 'string') return bad(`location is ${describeValue(location)}`);
  if (!isInt(size) || size < 0) return bad(`element count is ${describeValue(size)}`);
  let viewMeta: readonly [string, number, number] | null = null;
  if (legacy && view !== null && view !== undefined) {
    const v = view as readonly PickleValue[];
    if (!Array.isArray(v) || v.length !== 3 || typeof v[0] !== 'string' || !isInt(v[1]) || !isInt(v[2])) return bad(`view metadata is ${describeValue(view)}`);
    viewMeta = [v[0] as string, v[1] as number, v[2] as number];
    if ((v[1] as number) + (v[2] as number) > size) return bad(`view [${String(v[1])}, +${String(v[2])}) exceeds storage of ${size}`);
  }
  return { type, key, location, size, view: viewMeta };
}
