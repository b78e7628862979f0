import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { InputError } from '../../contracts';
import { invalidValue } from '../../validate';

/** Most UTF-8 bytes kept per path segment (filesystems allow 255; exports append suffixes). */
const MAX_SEGMENT_BYTES = 96;
/** Most segments kept (the last ones: the file name and its nearest folders). */
const MAX_SEGMENTS = 12;
/** Windows device names: a file called `con.mp4` cannot be created there. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
// Control characters (C0, DEL, C1), the separators and what Windows forbids in names.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f/\\:*?"<>|]/g;

function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  let out = '';
  for (const ch of s) {
    if (Buffer.byteLength(out + ch, 'utf8') > maxBytes) break;
    out += ch;
  }
  return out;
}

function cleanSegment(segment: string): string {
  let s = segment.normalize('NFC').replace(UNSAFE_CHARS, '_');
  // No hidden names, and no trailing dots or spaces (Windows drops them, making two names one).
  s = s.replace(/^\.+/, (dots) => '_'.repeat(dots.length)).replace(/[. ]+$/, '');
  s = s.trim();
  if (WINDOWS_RESERVED.test(s)) s = `_${s}`;
  if (Buffer.byteLength(s, 'utf8') > MAX_SEGMENT_BYTES) {
    // Keep the extension when cutting a long name.
    const ext = path.extname(s);
    const keepExt = ext.length > 0 && ext.length <= 12 ? ext : '';
    s = truncateUtf8(s.slice(0, s.length - keepExt.length), MAX_SEGMENT_BYTES - Buffer.byteLength(keepExt, 'utf8')) + keepExt;
  }
  return s;
}

/**
 * An output-safe relative name for a source file, for export folders and file names: "/"
 * separators, no "..", "." or empty segments, no absolute path, no control characters, none of
 * `\ : * ? " < > |`, no leading dot, no trailing dot or space, no Windows device name, segments
 * of at most 96 UTF-8 bytes, at most 12 segments (the last ones), NFC-normalised.
 *
 * The name is `sourcePath` relative to `root`; when `sourcePath` is not under `root` (a link
 * followed outside it, a wrong root), only its file name is used, tagged as below with the hash of
 * the absolute path. When cleaning changed anything,
 * `~` and 8 hex digits of the SHA-256 of the original relative path are added before the
 * extension, so two sources that clean to the same text still get different names
 * (`a:b.mp4` → `a_b~5f5ef89e.mp4`, `a_b.mp4` stays `a_b.mp4`).
 *
 * Join the result with the output directory through `joinInside`, which checks it again.
 * @throws InputError when an argument is not a non-empty string.
 */
export function safeRelativeName(sourcePath: string, root: string): string {
  if (typeof sourcePath !== 'string' || sourcePath === '') invalidValue('safeRelativeName', 'sourcePath', 'a non-empty path', sourcePath, InputError);
  if (typeof root !== 'string' || root === '') invalidValue('safeRelativeName', 'root', 'a non-empty path', root, InputError);
  const absSource = path.resolve(root, sourcePath);
  let rel = path.relative(path.resolve(root), absSource);
  // Outside the root: the file name only, tagged with the full path (two roots' clip.mp4 differ).
  const outside = rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
  if (outside) rel = path.basename(absSource);
  const original = rel.split(path.sep).join('/');
  // Split on both separators: a "\" in a Linux name is a separator on Windows.
  const raw = original.split(/[/\\]+/).filter((seg) => seg !== '' && seg !== '.' && seg !== '..');
  let segments = raw.map(cleanSegment).filter((seg) => seg !== '');
  if (segments.length > MAX_SEGMENTS) segments = segments.slice(segments.length - MAX_SEGMENTS);
  if (segments.length === 0) segments = ['source'];
  const cleaned = segments.join('/');
  if (cleaned === original && !outside) return cleaned;
  const tag = createHash('sha256').update(outside ? absSource : original, 'utf8').digest('hex').slice(0, 8);
  const last = segments[segments.length - 1] ?? 'source';
  const ext = path.extname(last);
  const stem = ext.length > 0 && ext.length < last.length ? last.slice(0, last.length - ext.length) : last;
  const suffix = ext.length > 0 && ext.length < last.length ? ext : '';
  segments[segments.length - 1] = `${stem}~${tag}${suffix}`;
  return segments.join('/');
}
