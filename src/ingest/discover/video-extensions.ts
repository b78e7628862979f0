import { InputError } from '../../contracts';
import { invalidValue } from '../../validate';

/**
 * File extensions (lower case, no dot) taken as video when walking directories, matching globs
 * and watching folders. Files named explicitly on the command line are always taken, whatever
 * their extension: a wrong file must become a failed source with its reason, not vanish.
 *
 * - Containers: mp4, m4v, mov, mkv, webm, avi, flv, 3gp, wmv, asf, mpg, mpeg.
 * - MPEG transport streams: ts, mts, m2ts (HLS segments, camcorders, many NVR exports). `ts` is
 *   also TypeScript's extension: do not point a walk at a source tree.
 * - dav: Dahua's export container (ffmpeg has a `dhav` demuxer).
 * - Raw elementary streams: h264, 264, h265, 265, hevc (some NVRs export them). They carry no
 *   timestamps: ffmpeg assumes 25 fps, so `ptsMs` is synthetic for them.
 */
export const DEFAULT_VIDEO_EXTENSIONS: readonly string[] = Object.freeze([
  '264', '265', '3gp', 'asf', 'avi', 'dav', 'flv', 'h264', 'h265', 'hevc', 'm2ts', 'm4v', 'mkv', 'mov', 'mp4', 'mpeg', 'mpg', 'mts', 'ts', 'webm', 'wmv',
]);

/**
 * Validates and normalises an extension list ("MP4", ".mkv" → "mp4", "mkv"), de-duplicated.
 * @throws InputError for an empty list or an entry that is not a plain extension.
 */
export function normalizeVideoExtensions(where: string, exts: unknown): ReadonlySet<string> {
  if (!Array.isArray(exts) || exts.length === 0) invalidValue(where, 'videoExtensions', 'a non-empty array of extensions like "mp4"', exts, InputError);
  const out = new Set<string>();
  for (const e of exts) {
    if (typeof e !== 'string') invalidValue(where, 'videoExtensions', 'strings like "mp4" or ".mkv"', e, InputError);
    const norm = e.trim().replace(/^\./, '').toLowerCase();
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(norm)) invalidValue(where, 'videoExtensions', 'plain extensions like "mp4" or ".mkv" (letters, digits, - or _)', e, InputError);
    out.add(norm);
  }
  return out;
}

/** The extension of a file name, lower case without the dot ("" when none). */
export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot <= 0 || dot === fileName.length - 1 ? '' : fileName.slice(dot + 1).toLowerCase();
}
