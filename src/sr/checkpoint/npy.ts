import * as fs from 'node:fs';
import { CheckpointError } from '../../contracts';
import type { HostDType, HostTensor } from './host-tensor';
import { numel } from './host-tensor';
import { ELEMENT_BYTES, typedFromBytes } from './torch-tensor';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

const DESCR_TO_DTYPE: Readonly<Record<string, HostDType>> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<i4': 'int32',
  '<i8': 'int64',
  '|u1': 'uint8',
  '|i1': 'int8',
  '<i2': 'int16',
  '|b1': 'bool',
};

const DTYPE_TO_DESCR: Readonly<Partial<Record<HostDType, string>>> = {
  float32: '<f4',
  float64: '<f8',
  int32: '<i4',
  int64: '<i8',
  uint8: '|u1',
  int8: '|i1',
  int16: '<i2',
};


/**
 * Parses a NumPy `.npy` file (format 1.0/2.0/3.0, little-endian, C order).
 * @throws CheckpointError naming the file and the reason for anything else.
 */
export function parseNpy(buf: Buffer, name = '<buffer>'): HostTensor {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) {
    throw new CheckpointError(`${name}: not a .npy file (missing \\x93NUMPY magic)`, { path: name });
  }
  const major = buf[6];
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new CheckpointError(`${name}: truncated .npy header`, { path: name });
    headerLen = buf.readUInt32LE(8);
    headerStart = 12;
  } else {
    throw new CheckpointError(`${name}: unsupported .npy format version ${String(major)}`, { path: name });
  }
  if (headerStart + headerLen > buf.length) throw new CheckpointError(`${name}: truncated .npy header`, { path: name });
  const header = buf.toString('latin1', headerStart, headerStart + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new CheckpointError(`${name}: malformed .npy header ${JSON.stringify(header.trim())}`, { path: name });
  }
  const dtype = DESCR_TO_DTYPE[descr];
  if (dtype === undefined) {
    throw new CheckpointError(`${name}: unsupported dtype ${descr}; expected one of ${Object.keys(DESCR_TO_DTYPE).join(', ')}`, {
      path: name,
    });
  }
  if (fortran === 'True') throw new CheckpointError(`${name}: Fortran-ordered arrays are not supported`, { path: name });
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number.parseInt(s, 10));
  const count = numel(shape);
  const dataStart = headerStart + headerLen;
  const byteLength = count * ELEMENT_BYTES[dtype];
  if (dataStart + byteLength > buf.length) {
    throw new CheckpointError(`${name}: truncated data: expected ${byteLength} bytes, found ${buf.length - dataStart}`, { path: name });
  }
  // A copy: the result never aliases the caller's buffer (and is 8-byte aligned).
  return { dtype, shape, data: typedFromBytes(dtype, new Uint8Array(buf.subarray(dataStart, dataStart + byteLength)), count) };
}

/** Reads a `.npy` file. @throws CheckpointError (missing file, bad format). */
export function readNpy(file: string): HostTensor {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw new CheckpointError(`${file}: cannot read (${err instanceof Error ? err.message : String(err)})`, { path: file });
  }
  return parseNpy(buf, file);
}

/** Serialises a host tensor as `.npy` format 1.0. */
export function formatNpy(t: HostTensor): Buffer {
  const descr = DTYPE_TO_DESCR[t.dtype];
  if (descr === undefined) throw new CheckpointError(`npy: cannot write dtype ${t.dtype}`);
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10);
  MAGIC.copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const data = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}
