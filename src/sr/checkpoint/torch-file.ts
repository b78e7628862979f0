import { CheckpointError } from '../../contracts';
import type { ByteSource } from './byte-source';
import { BufferByteSource, FileByteSource } from './byte-source';
import type { PickleValue } from './pickle-reader';
import { describeValue, unpickle } from './pickle-reader';
import { parseStorageId, resolveTorchGlobal } from './torch-globals';
import { ELEMENT_BYTES, TorchStorage, TorchStorageView, TorchTensor, typedFromBytes } from './torch-tensor';
import { ZipArchive } from './zip-archive';

/** The legacy (`_use_new_zipfile_serialization=False`) magic number. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL_VERSION = 1001;

/** Tree of an unpickled torch file with its tensors still bound to their storages. */
export interface OpenTorchFile {
  /** The root object: Maps, arrays, scalars and {@link TorchTensor}s. */
  readonly root: PickleValue;
  /** `'zip'` or `'legacy'`. */
  readonly format: 'zip' | 'legacy';
  /** Loads every storage the tree references (so tensors stay usable after close). */
  loadAll(): void;
  /** Releases the file; storages not loaded by then can no longer be read. */
  close(): void;
}

function guard<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof CheckpointError) {
      if (err.message.startsWith(file)) throw err;
      throw new CheckpointError(`${file}: ${err.message}`, { ...err.context, path: file });
    }
    if (err instanceof RangeError) throw new CheckpointError(`${file}: corrupt or truncated (${err.message})`, { path: file });
    throw err;
  }
}

/**
 * Opens a `torch.save` file (zip or legacy format) and unpickles its object tree with the safe
 * unpickler. Zip storages are read when first needed; call `close()` when done.
 * @throws CheckpointError for anything that is not a readable, allowlisted torch file.
 */
export function openTorchFile(file: string | { bytes: Uint8Array; name?: string }): OpenTorchFile {
  const src: ByteSource = typeof file === 'string' ? new FileByteSource(file) : new BufferByteSource(file.bytes, file.name ?? '<buffer>');
  try {
    if (src.byteLength === 0) throw new CheckpointError(`${src.name}: empty file, not a torch checkpoint`, { path: src.name });
    const head = src.read(0, Math.min(4, src.byteLength));
    if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return guard(src.name, () => openZip(src));
    if (head[0] === 0x80 && head[1] === 0x02 && head[2] === 0x8a) {
      const bytes = src.read(0, src.byteLength);
      src.close();
      return guard(src.name, () => openLegacy(bytes, src.name));
    }
    throw new CheckpointError(
      `${src.name}: not a torch checkpoint: expected a zip archive ('PK\\x03\\x04') or the legacy pickle magic, found bytes ${Buffer.from(head).toString('hex')}`,
      { path: src.name },
    );
  } catch (err) {
    src.close();
    throw err;
  }
}

function collectStorages(v: PickleValue, out: Set<TorchStorage>, seen: Set<object>): void {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array || seen.has(v)) return;
  seen.add(v);
  if (v instanceof TorchTensor) out.add(v.storage);
  else if (v instanceof Map) for (const x of v.values()) collectStorages(x, out, seen);
  else if (Array.isArray(v)) for (const x of v) collectStorages(x, out, seen);
}

function openZip(src: ByteSource): OpenTorchFile {
  const zip = new ZipArchive(src);
  const pkls = zip.names().filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length !== 1) {
    throw new CheckpointError(`${src.name}: expected exactly one '<root>/data.pkl' in the zip archive, found ${pkls.length}`, { path: src.name });
  }
  const prefix = (pkls[0] as string).slice(0, -'data.pkl'.length);
  const byteorder = `${prefix}byteorder`;
  if (zip.has(byteorder)) {
    const order = new TextDecoder().decode(zip.read(byteorder));
    if (order !== 'little') throw new CheckpointError(`${src.name}: byte order '${order}' is not supported (only little)`, { path: src.name });
  }
  const storages = new Map<string, TorchStorage>();
  let closed = false;
  const load = (s: TorchStorage): ReturnType<typeof typedFromBytes> => {
    if (closed) throw new CheckpointError(`${src.name}: storage '${s.key}' read after the file was closed`, { path: src.name });
    const entry = `${prefix}data/${s.key}`;
    if (!zip.has(entry)) throw new CheckpointError(`${src.name}: storage record '${entry}' is missing`, { path: src.name, tensor: s.key });
    const bytes = zip.read(entry);
    const need = s.size * ELEMENT_BYTES[s.dtype];
    if (bytes.byteLength !== need) {
      throw new CheckpointError(`${src.name}: storage '${entry}' has ${bytes.byteLength} bytes, expected ${need} (${s.size} × ${s.dtype})`, {
        path: src.name,
        tensor: s.key,
        expected: need,
        actual: bytes.byteLength,
      });
    }
    return typedFromBytes(s.dtype, bytes, s.size);
  };
  const pkl = zip.read(pkls[0] as string);
  const { value, end } = unpickle(pkl, {
    name: `${src.name}:${pkls[0] as string}`,
    resolveGlobal: (m, n, off) => resolveTorchGlobal(m, n, off, `${src.name}:${pkls[0] as string}`),
    persistentLoad: (pid, off) => {
      const id = parseStorageId(pid, off, src.name, false);
      const known = storages.get(id.key);
      if (known !== undefined) {
        if (known.dtype !== id.type.dtype || known.size !== id.size) {
          throw new CheckpointError(`${src.name}: storage '${id.key}' referenced as ${id.type.dtype}[${id.size}] and ${known.dtype}[${known.size}]`, {
            path: src.name,
          });
        }
        return known;
      }
      const s = new TorchStorage(id.key, id.type.dtype, id.size, id.location, load);
      storages.set(id.key, s);
      return s;
    },
  });
  if (end !== pkl.length) throw new CheckpointError(`${src.name}: ${pkl.length - end} trailing bytes after the pickle in data.pkl`, { path: src.name });
  return {
    root: value,
    format: 'zip',
    loadAll: () => {
      guard(src.name, () => {
        const used = new Set<TorchStorage>();
        collectStorages(value, used, new Set());
        for (const s of used) s.data();
      });
    },
    close: () => {
      closed = true;
      src.close();
    },
  };
}

function openLegacy(bytes: Uint8Array, name: string): OpenTorchFile {
  const opts = { name, resolveGlobal: (m: string, n: string, off: number) => resolveTorchGlobal(m, n, off, name) };
  const magic = unpickle(bytes, opts, 0);
  if (magic.value !== LEGACY_MAGIC) {
    throw new CheckpointError(`${name}: not a torch legacy file: magic number is ${describeValue(magic.value)}`, { path: name });
  }
  const proto = unpickle(bytes, opts, magic.end);
  if (proto.value !== LEGACY_PROTOCOL_VERSION) {
    throw new CheckpointError(`${name}: unsupported legacy protocol version ${describeValue(proto.value)}; expected ${LEGACY_PROTOCOL_VERSION}`, {
      path: name,
    });
  }
  const sys = unpickle(bytes, opts, proto.end);
  if (!(sys.value instanceof Map) || sys.value.get('little_endian') !== true) {
    throw new CheckpointError(`${name}: legacy file is not little-endian (sys_info ${describeValue(sys.value)})`, { path: name });
  }
  const roots = new Map<string, TorchStorage>();
  const views = new Map<string, TorchStorageView>();
  const main = unpickle(bytes, {
    ...opts,
    persistentLoad: (pid, off) => {
      const id = parseStorageId(pid, off, name, true);
      let root = roots.get(id.key);
      if (root === undefined) {
        root = new TorchStorage(id.key, id.type.dtype, id.size, id.location, null);
        roots.set(id.key, root);
      } else if (root.dtype !== id.type.dtype || root.size !== id.size) {
        throw new CheckpointError(`${name}: storage '${id.key}' referenced as ${id.type.dtype}[${id.size}] and ${root.dtype}[${root.size}]`, { path: name });
      }
      if (id.view === null) return root;
      const [viewKey, offset, size] = id.view;
      const known = views.get(viewKey);
      if (known !== undefined) return known;
      const v = new TorchStorageView(root, offset, size);
      views.set(viewKey, v);
      return v;
    },
  }, sys.end);
  const keys = unpickle(bytes, opts, main.end);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw new CheckpointError(`${name}: legacy storage key list is ${describeValue(keys.value)}`, { path: name });
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keys.end;
  for (const key of keys.value as string[]) {
    const s = roots.get(key);
    if (s === undefined) throw new CheckpointError(`${name}: legacy storage '${key}' is stored but never referenced`, { path: name, tensor: key });
    if (s.isLoaded) throw new CheckpointError(`${name}: legacy storage '${key}' is stored twice`, { path: name, tensor: key });
    if (pos + 8 > bytes.length) throw new CheckpointError(`${name}: truncated before storage '${key}'`, { path: name, tensor: key });
    const count = dv.getBigInt64(pos, true);
    if (count !== BigInt(s.size)) {
      throw new CheckpointError(`${name}: legacy storage '${key}' holds ${count} elements, the pickle says ${s.size}`, {
        path: name,
        tensor: key,
        expected: s.size,
        actual: Number(count),
      });
    }
    pos += 8;
    const n = s.size * ELEMENT_BYTES[s.dtype];
    if (pos + n > bytes.length) {
      throw new CheckpointError(`${name}: truncated in storage '${key}': needs ${n} bytes, ${bytes.length - pos} left`, { path: name, tensor: key });
    }
    // A view of the file buffer when aligned (typedFromBytes copies otherwise).
    s.attach(typedFromBytes(s.dtype, bytes.subarray(pos, pos + n), s.size));
    pos += n;
  }
  if (pos !== bytes.length) throw new CheckpointError(`${name}: ${bytes.length - pos} trailing bytes after the last storage`, { path: name });
  for (const s of roots.values()) {
    if (!s.isLoaded) throw new CheckpointError(`${name}: storage '${s.key}' is referenced but not stored`, { path: name, tensor: s.key });
  }
  return { root: main.value, format: 'legacy', loadAll: () => undefined, close: () => undefined };
}

/**
 * Reads a whole `torch.save` file (zip format with `<root>/data.pkl`, `<root>/data/<key>`,
 * `<root>/version`, or the legacy magic-number format) into an object tree of Maps, arrays,
 * numbers, strings and tensors ({@link TorchTensor}, a HostTensor honouring storage offset, size
 * and stride). Only allowlisted globals are resolved; nothing in the file is executed.
 * @throws CheckpointError for a missing, empty, truncated, corrupt or hostile file.
 */
export async function readTorchFile(file: string): Promise<PickleValue> {
  const f = openTorchFile(file);
  try {
    f.loadAll();
    return f.root;
  } finally {
    f.close();
  }
}
