import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { safeRelativeName } from '../ingest';

/**
 * One output-safe path segment from untrusted text (a source file name, a camera name): slashes
 * and backslashes become "_", then `safeRelativeName` cleans it (no "..", control characters,
 * reserved names, at most 96 UTF-8 bytes, tagged with a hash when it changed anything). When a
 * separator was replaced, `~` and 8 hex digits of the SHA-256 of the original text are added
 * before the extension, so "a/b.mp4" and "a_b.mp4" stay two names.
 */
export function safeSegment(text: string): string {
  const flat = text.replace(/[/\\]+/g, '_');
  const cleaned = safeRelativeName(flat === '' ? '_' : flat, '/');
  if (flat === text) return cleaned;
  const tag = createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8);
  const ext = path.extname(cleaned);
  const hasExt = ext.length > 0 && ext.length < cleaned.length;
  return hasExt ? `${cleaned.slice(0, cleaned.length - ext.length)}~${tag}${ext}` : `${cleaned}~${tag}`;
}
