import { InputError } from '../../contracts';
import { invalidValue } from '../../validate';

/** Whose clock the times in a layout are on. */
export type LayoutClock = 'utc' | 'local';

/**
 * A recorder's file layout: a regular expression over the END of a path ("/" separators),
 * with named groups among `camera`, `year`, `month`, `day`, `hour`, `minute`, `second`.
 * Anchor it with `$` and start it with `(?:^|/)` so that it matches whole segments.
 */
export interface LayoutPattern {
  /** Short id, reported with each match, e.g. "frigate". */
  readonly name: string;
  /** One line for the docs: the layout and an example. */
  readonly description: string;
  readonly regex: RegExp;
  /** 'utc' when the recorder writes UTC times (Frigate), 'local' for the recorder's wall clock (zone unknown to us). */
  readonly clock: LayoutClock;
}

/** What a path's layout says about a recording. */
export interface SourceLayout {
  /** Name of the pattern that matched. */
  readonly pattern: string;
  /** Camera name as written in the path (untrusted text: clean it before using it in a file name); null when the layout has none. */
  readonly camera: string | null;
  /** Recording day, "YYYY-MM-DD", null when the layout has no date. */
  readonly date: string | null;
  /** Recording start as written, "YYYY-MM-DDTHH:MM:SS" (":00" when the layout has no seconds), null without a time of day. */
  readonly startWallClock: string | null;
  /** Start in ms since the Unix epoch, only when the layout's clock is UTC; null otherwise. */
  readonly startUtcMs: number | null;
  readonly clock: LayoutClock;
}

const GROUPS = ['camera', 'year', 'month', 'day', 'hour', 'minute', 'second'] as const;

/**
 * The layouts recognised by default, tried in order; the first that matches wins. Written from
 * the recorders' documentation and common export names: check yours, and put your own pattern
 * first when it differs.
 */
export const DEFAULT_LAYOUT_PATTERNS: readonly LayoutPattern[] = Object.freeze([
  Object.freeze({
    name: 'frigate',
    description: 'Frigate recordings: YYYY-MM-DD/HH/<camera>/MM.SS.mp4, in UTC (e.g. 2024-01-15/08/front_door/30.05.mp4)',
    regex: /(?:^|\/)(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})\/(?<hour>\d{2})\/(?<camera>[^/]+)\/(?<minute>\d{2})\.(?<second>\d{2})\.mp4$/,
    clock: 'utc',
  }),
  Object.freeze({
    name: 'motioneye',
    description: 'motionEye / motion: <camera>/YYYY-MM-DD/HH-MM-SS.<ext>, local time (e.g. Camera1/2024-01-15/08-30-00.mp4)',
    regex: /(?:^|\/)(?<camera>[^/]+)\/(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})\/(?<hour>\d{2})-(?<minute>\d{2})-(?<second>\d{2})\.[A-Za-z0-9]+$/,
    clock: 'local',
  }),
  Object.freeze({
    name: 'synology',
    description: 'Synology Surveillance Station: <camera>-YYYYMMDD-HHMMSS-<epoch>.mp4, local time (e.g. Gate-20240115-083000-1705307400.mp4)',
    regex: /(?:^|\/)(?<camera>[^/]+?)-(?<year>\d{4})(?<month>\d{2})(?<day>\d{2})-(?<hour>\d{2})(?<minute>\d{2})(?<second>\d{2})-\d{9,10}\.[A-Za-z0-9]+$/,
    clock: 'local',
  }),
  Object.freeze({
    name: 'dahua-export',
    description: 'Dahua exports: <camera>_<main|sub>_YYYYMMDDhhmmss_YYYYMMDDhhmmss.<ext>, local time (e.g. ch01_main_20240115083000_20240115084000.dav)',
    regex: /(?:^|\/)(?<camera>[^/]+?)_(?:main|sub|extra\d?)_(?<year>\d{4})(?<month>\d{2})(?<day>\d{2})(?<hour>\d{2})(?<minute>\d{2})(?<second>\d{2})_\d{14}\.[A-Za-z0-9]+$/,
    clock: 'local',
  }),
  Object.freeze({
    name: 'camera-timestamp',
    description:
      'Hikvision/Reolink-style names: <camera>_YYYYMMDDhhmmss[mmm][_<more>].<ext>, also <camera>_YYYYMMDD_hhmmss, local time ' +
      '(e.g. 192.168.1.64_01_20240115083000_20240115083959.mp4 → camera "192.168.1.64_01"; Front_00_20240115083012.mp4 → "Front_00")',
    regex: /(?:^|\/)(?<camera>[^/]+?)_(?<year>\d{4})(?<month>\d{2})(?<day>\d{2})_?(?<hour>\d{2})(?<minute>\d{2})(?<second>\d{2})(?:\d{3})?(?:_[^/]*)?\.[A-Za-z0-9]+$/,
    clock: 'local',
  }),
  Object.freeze({
    name: 'camera-date-dir',
    description:
      '<camera>/YYYY-MM-DD or YYYYMMDD/<file>, with the start time when the file name begins with HHMMSS, HH-MM-SS or HH.MM.SS, local time ' +
      '(e.g. lobby/2024-01-15/083000.mp4, lobby/20240115/clip-7.mkv)',
    regex:
      /(?:^|\/)(?<camera>[^/]+)\/(?<year>\d{4})-?(?<month>\d{2})-?(?<day>\d{2})\/(?:(?<hour>\d{2})[-.]?(?<minute>\d{2})[-.]?(?<second>\d{2})(?:[^/\d][^/]*)?|[^/]+)\.[A-Za-z0-9]+$/,
    clock: 'local',
  }),
]);

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function num(groups: Record<string, string | undefined>, key: string): number | null {
  const v = groups[key];
  return v === undefined ? null : Number(v);
}

/** Reads a match into a layout, or null when its numbers are not a real date/time (the next pattern is tried). */
function layoutFromMatch(p: LayoutPattern, groups: Record<string, string | undefined>): SourceLayout | null {
  const rawCamera = groups.camera?.trim();
  const camera = rawCamera === undefined || rawCamera === '' ? null : rawCamera;
  const [y, mo, d, h, mi, s] = [num(groups, 'year'), num(groups, 'month'), num(groups, 'day'), num(groups, 'hour'), num(groups, 'minute'), num(groups, 'second')];
  let date: string | null = null;
  if (y !== null && mo !== null && d !== null) {
    if (y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1) return null;
    const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
    if (d > daysInMonth) return null;
    date = `${String(y)}-${pad2(mo)}-${pad2(d)}`;
  }
  let startWallClock: string | null = null;
  let startUtcMs: number | null = null;
  if (date !== null && y !== null && mo !== null && d !== null && h !== null && mi !== null) {
    const sec = s ?? 0;
    if (h > 23 || mi > 59 || sec > 59) return null;
    startWallClock = `${date}T${pad2(h)}:${pad2(mi)}:${pad2(sec)}`;
    if (p.clock === 'utc') startUtcMs = Date.UTC(y, mo - 1, d, h, mi, sec);
  }
  if (camera === null && date === null) return null;
  return Object.freeze({ pattern: p.name, camera, date, startWallClock, startUtcMs, clock: p.clock });
}

/**
 * Camera name and recording start from a path's layout. Give the whole path as reached (the
 * watched or walked folder joined with the relative path, links not resolved): the patterns match
 * the end of the path, so the folders above a layout do not matter, and a walk started inside a
 * layout (at a Frigate day folder) still sees it. Patterns are tried in order; a match whose numbers are not a real date or time
 * (month 13, 25:00) does not count and the next pattern is tried.
 * @returns the first valid match, or null when no pattern matches.
 * @throws InputError when `patterns` is not an array of valid {@link LayoutPattern}s.
 */
export function parseSourceLayout(filePath: string, patterns: readonly LayoutPattern[] = DEFAULT_LAYOUT_PATTERNS): SourceLayout | null {
  if (typeof filePath !== 'string') invalidValue('parseSourceLayout', 'path', 'a string', filePath, InputError);
  checkLayoutPatterns(patterns);
  const posix = filePath.replace(/\\/g, '/');
  for (const p of patterns) {
    const m = p.regex.exec(posix);
    if (m === null || m.groups === undefined) continue;
    const layout = layoutFromMatch(p, m.groups);
    if (layout !== null) return layout;
  }
  return null;
}

/** The named groups of a regular expression's source (a capture group `(?<name>`). */
function namedGroups(re: RegExp): string[] {
  return [...re.source.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1] ?? '');
}

/**
 * Checks a pattern list (for patterns that come from configuration).
 * @throws InputError naming the pattern and what is wrong: not an object, empty or duplicate name,
 * a regex that is not a RegExp or is global/sticky (stateful `exec`), unknown named groups, no
 * `camera` nor date groups, a clock other than 'utc' | 'local'.
 */
export function checkLayoutPatterns(patterns: readonly LayoutPattern[]): void {
  if (!Array.isArray(patterns)) invalidValue('layout', 'patterns', 'an array of layout patterns', patterns, InputError);
  const names = new Set<string>();
  for (const p of patterns as readonly unknown[]) {
    if (typeof p !== 'object' || p === null) invalidValue('layout', 'pattern', 'an object {name, description, regex, clock}', p, InputError);
    const { name, regex, clock } = p as Partial<LayoutPattern>;
    if (typeof name !== 'string' || name.trim() === '') invalidValue('layout pattern', 'name', 'a non-empty string', name, InputError);
    if (names.has(name)) throw new InputError(`layout pattern "${name}" appears twice`, { option: 'patterns' });
    names.add(name);
    if (!(regex instanceof RegExp)) invalidValue(`layout pattern "${name}"`, 'regex', 'a RegExp', regex, InputError);
    if (regex.global || regex.sticky) invalidValue(`layout pattern "${name}"`, 'regex', 'a RegExp without the g or y flag', regex, InputError);
    const groups = namedGroups(regex);
    const unknown = groups.filter((g) => !(GROUPS as readonly string[]).includes(g));
    if (unknown.length > 0) {
      invalidValue(`layout pattern "${name}"`, 'regex', `named groups among ${GROUPS.join(', ')} (unknown: ${unknown.join(', ')})`, regex, InputError);
    }
    const hasDate = groups.includes('year') && groups.includes('month') && groups.includes('day');
    if (!groups.includes('camera') && !hasDate) invalidValue(`layout pattern "${name}"`, 'regex', 'a camera group or year, month and day groups', regex, InputError);
    if (clock !== 'utc' && clock !== 'local') invalidValue(`layout pattern "${name}"`, 'clock', "'utc' or 'local'", clock, InputError);
  }
}

/**
 * Builds a pattern from configuration text (a pipeline file): the regex is compiled from a string.
 * @throws InputError for an invalid regular expression or any problem {@link checkLayoutPatterns} finds.
 */
export function layoutPatternFromSpec(spec: { name: string; description?: string; regex: string; clock: LayoutClock }): LayoutPattern {
  if (typeof spec !== 'object' || spec === null) invalidValue('layout', 'pattern', 'an object {name, regex, clock, description?}', spec, InputError);
  if (typeof spec.regex !== 'string') invalidValue(`layout pattern "${String(spec.name)}"`, 'regex', 'a regular expression as a string', spec.regex, InputError);
  let regex: RegExp;
  try {
    regex = new RegExp(spec.regex);
  } catch (err) {
    throw new InputError(`layout pattern "${String(spec.name)}": invalid regular expression ${JSON.stringify(spec.regex)}: ${err instanceof Error ? err.message : String(err)}`, {
      option: 'regex',
    });
  }
  const p: LayoutPattern = Object.freeze({ name: spec.name, description: spec.description ?? spec.regex, regex, clock: spec.clock });
  checkLayoutPatterns([p]);
  return p;
}
