import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { InputError } from '../src/contracts';

/** Size, modification time and content hash of a file, as the store keys a source. */
export interface FileFingerprint {
  readonly sizeBytes: number;
  /** Unix epoch ms, integer. */
  readonly mtimeMs: number;
  /** Lower-case hex SHA-256 of the bytes. */
  readonly sha256: string;
}

/**
 * Stats and hashes a file (streamed, constant memory).
 * @throws InputError (context.reason 'missing' | 'not a file' | 'empty' | 'unreadable') naming the path.
 */
export async function fileFingerprint(filePath: string): Promise<FileFingerprint> {
  let st;
  try {
    st = await fs.stat(filePath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'missing' : 'unreadable';
    throw new InputError(`${filePath}: ${reason === 'missing' ? 'no such file' : `cannot stat (${code ?? String(err)})`}`, { path: filePath, reason });
  }
  if (!st.isFile()) throw new InputError(`${filePath}: not a regular file (a video file was expected)`, { path: filePath, reason: 'not a file' });
  if (st.size === 0) throw new InputError(`${filePath}: the file is empty (0 bytes)`, { path: filePath, reason: 'empty' });
  const hash = createHash('sha256');
  try {
    await new Promise<void>((resolve, reject) => {
      const s = createReadStream(filePath);
      s.on('data', (chunk) => hash.update(chunk));
      s.on('end', resolve);
      s.on('error', reject);
    });
  } catch (err) {
    throw new InputError(`${filePath}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { path: filePath, reason: 'unreadable' });
  }
  return { sizeBytes: st.size, mtimeMs: Math.floor(st.mtimeMs), sha256: hash.digest('hex') };
}
