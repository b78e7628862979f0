import * as fs from 'node:fs';
import { CheckpointError } from '../../contracts';

/**
 * Random-access bytes: a whole file in memory or an open file descriptor read on demand, so a
 * large zip checkpoint need not be read in one piece.
 */
export interface ByteSource {
  /** Name used in error messages (the file path or `<buffer>`). */
  readonly name: string;
  /** Total length in bytes. */
  readonly byteLength: number;
  /**
   * Returns exactly `length` bytes starting at `offset`, in a fresh (aligned) buffer when
   * `copy` is true.
   * @throws CheckpointError when the range lies outside the source (truncated file).
   */
  read(offset: number, length: number, copy?: boolean): Uint8Array;
  /** Releases the file descriptor, if any. Idempotent. */
  close(): void;
}

function checkRange(src: ByteSource, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > src.byteLength) {
    throw new CheckpointError(
      `${src.name}: truncated or corrupt: needs bytes [${offset}, ${offset + length}) but the file has ${src.byteLength} bytes`,
      { path: src.name, expected: offset + length, actual: src.byteLength },
    );
  }
}

/** A byte source over an in-memory buffer. */
export class BufferByteSource implements ByteSource {
  readonly byteLength: number;
  constructor(
    private readonly bytes: Uint8Array,
    readonly name = '<buffer>',
  ) {
    this.byteLength = bytes.byteLength;
  }

  read(offset: number, length: number, copy = false): Uint8Array {
    checkRange(this, offset, length);
    const view = this.bytes.subarray(offset, offset + length);
    return copy ? new Uint8Array(view) : view;
  }

  close(): void {
    // Nothing to release.
  }
}

/** A byte source over a file opened read-only; reads are synchronous `pread`s. */
export class FileByteSource implements ByteSource {
  readonly byteLength: number;
  private fd: number | null;

  /** @throws CheckpointError when the file cannot be opened or is not a regular file. */
  constructor(readonly name: string) {
    let fd: number;
    try {
      fd = fs.openSync(name, 'r');
    } catch (err) {
      throw new CheckpointError(`${name}: cannot open (${err instanceof Error ? err.message : String(err)})`, { path: name });
    }
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      fs.closeSync(fd);
      throw new CheckpointError(`${name}: not a regular file`, { path: name });
    }
    this.fd = fd;
    this.byteLength = stat.size;
  }

  read(offset: number, length: number): Uint8Array {
    checkRange(this, offset, length);
    if (this.fd === null) throw new CheckpointError(`${this.name}: read after close`, { path: this.name });
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      // fs.readSync refuses lengths over 2 GiB - 1: read in chunks of at most 1 GiB.
      const n = fs.readSync(this.fd, out, done, Math.min(length - done, 2 ** 30), offset + done);
      if (n === 0) {
        throw new CheckpointError(`${this.name}: unexpected end of file at byte ${offset + done}`, { path: this.name });
      }
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}
