import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { InputError } from '../../contracts';
import { checkOptionKeys, invalidValue } from '../../validate';

/** What identifies a file's content and version. */
export interface FileFingerprint {
  /** SHA-256 of the content, 64 lower-case hex digits. */
  readonly sha256: string;
  /** Size in bytes. */
  readonly sizeBytes: number;
  /** Last modification time, ms since the Unix epoch, as `fs.stat` gives it (fractional). */
  readonly mtimeMs: number;
}

/** Result of {@link hashFile}. */
export interface HashFileResult extends FileFingerprint {
  /** True when `sha256` was taken from `previous` without reading the file (fast path). */
  readonly reused: boolean;
}

/** Options of {@link hashFile}. */
export interface HashFileOptions {
  /**
   * The fingerprint stored for this path last time. Used only with `trustSizeAndMtime`.
   */
  readonly previous?: FileFingerprint | null;
  /**
   * Fast path: when the file's size and mtime equal `previous`'s, return `previous.sha256`
   * without reading the file. Default false.
   *
   * Risk: content can change while size and mtime do not — a tool that restores mtimes
   * (`cp -p`, `rsync -t`, `touch -r`, unzip), a rewrite of equal length within the
   * filesystem's timestamp resolution (1–2 s on FAT/exFAT/SMB shares, common on NVR disks), a
   * clock set back. The file would then be taken as already processed. Reading costs about one
   * sequential pass over the file (hundreds of MB/s), small next to decoding it, so leave this off
   * unless re-scanning large unchanged archives is the bottleneck.
   */
  readonly trustSizeAndMtime?: boolean;
  /** Read size, bytes, integer in [4096, 67108864]: the memory used (one buffer, reused). Default 1 MiB. */
  readonly chunkBytes?: number;
  /** Aborts the read; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

const OPTION_KEYS: readonly string[] = ['previous', 'trustSizeAndMtime', 'chunkBytes', 'signal'];
const WHERE = 'hashFile';

function errnoCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
}

function reasonOf(err: unknown): string {
  const code = errnoCode(err);
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'not found';
  if (code === 'EACCES' || code === 'EPERM') return 'not readable';
  if (code === 'EISDIR') return 'not a regular file';
  return `read error (${code || String(err)})`;
}

function checkFingerprint(fp: unknown): FileFingerprint {
  const ok =
    typeof fp === 'object' &&
    fp !== null &&
    'sha256' in fp &&
    typeof fp.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(fp.sha256) &&
    'sizeBytes' in fp &&
    typeof fp.sizeBytes === 'number' &&
    Number.isInteger(fp.sizeBytes) &&
    fp.sizeBytes >= 0 &&
    'mtimeMs' in fp &&
    typeof fp.mtimeMs === 'number' &&
    Number.isFinite(fp.mtimeMs);
  if (!ok) invalidValue(WHERE, 'previous', '{sha256: 64 lower-case hex digits, sizeBytes: integer >= 0, mtimeMs: finite number} or null', fp, InputError);
  return fp as FileFingerprint;
}

/**
 * SHA-256 of a file, read in one pass with one reused buffer (memory bounded by `chunkBytes`
 * whatever the file size), with its size and mtime from the open descriptor.
 *
 * The file is stat'ed before and after reading through the same descriptor; if its size or
 * mtime changed meanwhile (an NVR still writing it) the hash is of no version and an
 * InputError with reason 'changed while hashing' is thrown: hash it again once it is complete.
 *
 * @throws InputError with `path` and `reason`: 'not found', 'not readable', 'not a regular file',
 * 'changed while hashing', 'read error (...)'; for bad options, one naming the option.
 */
export async function hashFile(filePath: string, opts: HashFileOptions = {}): Promise<HashFileResult> {
  if (typeof filePath !== 'string' || filePath === '') invalidValue('hashFile', 'path', 'a non-empty path', filePath, InputError);
  checkOptionKeys(WHERE, opts, OPTION_KEYS, { error: InputError });
  const previous = opts.previous === undefined || opts.previous === null ? null : checkFingerprint(opts.previous);
  const trust = opts.trustSizeAndMtime ?? false;
  if (typeof trust !== 'boolean') invalidValue(WHERE, 'trustSizeAndMtime', 'a boolean', trust, InputError);
  const chunkBytes = opts.chunkBytes ?? 1 << 20;
  if (typeof chunkBytes !== 'number' || !Number.isInteger(chunkBytes) || chunkBytes < 4096 || chunkBytes > 1 << 26) {
    invalidValue(WHERE, 'chunkBytes', 'an integer in [4096, 67108864] (bytes)', chunkBytes, InputError);
  }
  const signal = opts.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) invalidValue(WHERE, 'signal', 'an AbortSignal', signal, InputError);
  signal?.throwIfAborted();

  let handle: fs.promises.FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO without a writer would otherwise block a libuv thread for ever
    // (the fstat below then refuses it); no effect on regular files.
    handle = await fs.promises.open(filePath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    const reason = reasonOf(err);
    throw new InputError(`hashFile: ${filePath}: ${reason}`, { path: filePath, reason });
  }
  try {
    const before = await handle.stat();
    if (!before.isFile()) throw new InputError(`hashFile: ${filePath}: not a regular file`, { path: filePath, reason: 'not a regular file' });
    if (trust && previous !== null && previous.sizeBytes === before.size && previous.mtimeMs === before.mtimeMs) {
      return Object.freeze({ sha256: previous.sha256, sizeBytes: before.size, mtimeMs: before.mtimeMs, reused: true });
    }
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(chunkBytes);
    let total = 0;
    for (;;) {
      signal?.throwIfAborted();
      let n: number;
      try {
        ({ bytesRead: n } = await handle.read(buf, 0, chunkBytes, null));
      } catch (err) {
        const reason = reasonOf(err);
        throw new InputError(`hashFile: ${filePath}: ${reason} after ${total} bytes`, { path: filePath, reason });
      }
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      total += n;
    }
    const after = await handle.stat();
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || total !== before.size) {
      const reason = 'changed while hashing';
      throw new InputError(
        `hashFile: ${filePath}: ${reason} (size ${before.size} -> ${after.size} bytes, read ${total}; mtime ${before.mtimeMs} -> ${after.mtimeMs}); hash it again once it is complete`,
        { path: filePath, reason },
      );
    }
    return Object.freeze({ sha256: hash.digest('hex'), sizeBytes: before.size, mtimeMs: before.mtimeMs, reused: false });
  } finally {
    await handle.close();
  }
}
