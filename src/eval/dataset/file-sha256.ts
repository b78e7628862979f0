import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { InputError } from '../../contracts';

/**
 * sha256 of a file's bytes, lowercase hex: how the evaluation recognises the same image under
 * two names (the fasr-samples probe_LR/0000NN.jpg is byte-identical to a file of LR_imgs/0NN/).
 * @throws InputError naming the file when it cannot be read.
 */
export async function fileSha256(file: string): Promise<string> {
  try {
    return createHash('sha256').update(await fs.readFile(file)).digest('hex');
  } catch (err) {
    throw new InputError(`${file}: cannot read (${err instanceof Error ? err.message : String(err)})`, { path: file, reason: 'unreadable' });
  }
}
