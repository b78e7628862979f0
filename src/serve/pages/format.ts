/** Display helpers shared by the pages (pure). */

/** '1:02.345' style stream time, or '–' for null. */
export function formatPtsMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  const sign = ms < 0 ? '-' : '';
  const total = Math.abs(ms);
  const m = Math.floor(total / 60000);
  const s = (total - m * 60000) / 1000;
  return `${sign}${m}:${s.toFixed(3).padStart(6, '0')}`;
}

/** Duration in seconds with one decimal, or '–'. */
export function formatDurationMs(ms: number | null): string {
  return ms === null || !Number.isFinite(ms) ? '–' : `${(ms / 1000).toFixed(1)} s`;
}

/** Wall-clock time as ISO 8601 UTC without milliseconds, or '–'. */
export function formatWallMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A value for `<input type="datetime-local">` (UTC), or ''. */
export function datetimeLocalValue(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString().slice(0, 19);
}

export function formatFixed(x: number | null, digits: number): string {
  return x === null || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

/** The last path component (what lists show of a source path; the full path is in its title). */
export function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}
