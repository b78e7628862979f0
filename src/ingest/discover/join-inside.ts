import * as path from 'node:path';
import { InputError } from '../../contracts';
import { invalidValue } from '../../validate';

/**
 * Joins relative names under `dir` and checks that the result stays strictly inside it (after
 * normalisation): the last guard before writing a file whose name came from a source.
 * Symbolic links already inside `dir` are not followed here; the export writes into a directory it
 * created.
 * @returns the absolute joined path.
 * @throws InputError (reason 'path escapes output directory') when a name is absolute or climbs out.
 */
export function joinInside(dir: string, ...names: readonly string[]): string {
  if (typeof dir !== 'string' || dir === '') invalidValue('joinInside', 'dir', 'a non-empty directory path', dir, InputError);
  const base = path.resolve(dir);
  for (const name of names) {
    if (typeof name !== 'string' || name === '') invalidValue('joinInside', 'name', 'a non-empty relative name', name, InputError);
    if (path.isAbsolute(name) || name.includes('\0')) {
      throw new InputError(`joinInside: "${name}" is not a relative name inside ${base}`, { path: name, reason: 'path escapes output directory' });
    }
  }
  const joined = path.resolve(base, ...names);
  const rel = path.relative(base, joined);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new InputError(`joinInside: ${JSON.stringify(names.join('/'))} leads to ${joined}, outside ${base}`, { path: joined, reason: 'path escapes output directory' });
  }
  return joined;
}
