/**
 * File names that writers use while a file is incomplete, never taken by the watcher:
 * - hidden names (`.x.mp4`: rsync's `.name.XXXXXX`, many uploaders, editors' swap files);
 * - `*.tmp`, `*.temp`, `*.part`, `*.partial`, `*.crdownload`, `*.download`, `*.filepart`
 *   (WinSCP), `*.swp`, `*.lock`, and a trailing `~`;
 * - `*.tmp.<ext>`, `*.part.<ext>` (writers that keep the real extension last).
 */
export const TEMPORARY_NAME_PATTERNS: readonly RegExp[] = Object.freeze([
  /^\./,
  /\.(tmp|temp|part|partial|crdownload|download|filepart|swp|lock)$/i,
  /~$/,
  /\.(tmp|temp|part|partial)\.[^.]+$/i,
]);

/** Whether a file name (no directory) is a temporary or partial name, see {@link TEMPORARY_NAME_PATTERNS}. */
export function isTemporaryName(fileName: string, extra: readonly RegExp[] = []): boolean {
  return TEMPORARY_NAME_PATTERNS.some((re) => re.test(fileName)) || extra.some((re) => re.test(fileName));
}
