import { checkLayoutPatterns, DEFAULT_LAYOUT_PATTERNS, type LayoutPattern } from '../discover/source-layout';
import { InputError } from '../../contracts';
import { checkOptionKeys, invalidValue } from '../../validate';
import { DEFAULT_VIDEO_EXTENSIONS, normalizeVideoExtensions } from '../discover/video-extensions';

/** Answer of a {@link ReadyCheck}. */
export type ReadyCheckResult = { readonly ready: true } | { readonly ready: false; readonly reason: string };

/**
 * Decides whether a file whose size has settled can be read, for writers that keep a file open
 * and pause longer than the stability window (an MP4 has no index until it is closed). Called
 * with the absolute path. A thrown error counts as "not ready" with the error's message as reason.
 * See `probeReadyCheck` for the ffprobe one.
 */
export type ReadyCheck = (filePath: string) => Promise<ReadyCheckResult>;

/** Options of `watchFolders`. */
export interface WatchFoldersOptions {
  /**
   * A file is complete when its size and mtime have not changed for this long, ms, integer in
   * [50, 3600000]. Default 5000: NVRs write continuously (a change every second or less) and
   * Frigate moves finished segments in at once; raise it for writers that pause (FTP uploads
   * over a slow link).
   */
  readonly stabilityMs?: number;
  /** How often settling files are stat'ed (and folders polled with `usePolling`), ms, integer in [10, 60000]. Default 500. */
  readonly pollIntervalMs?: number;
  /** Extensions taken as video (case-insensitive, with or without the dot). Default `DEFAULT_VIDEO_EXTENSIONS`. */
  readonly videoExtensions?: readonly string[];
  /** More file-name patterns to ignore, besides `TEMPORARY_NAME_PATTERNS` (no g or y flag). Default none. */
  readonly ignoreNames?: readonly RegExp[];
  /**
   * Emit the files already in the folders at start (after the same stability wait), so that a
   * restart resumes: the consumer skips those already done (by sha256 in the store). Default true.
   */
  readonly includeExisting?: boolean;
  /** Layouts to take camera names and start times from, tried in order. Default `DEFAULT_LAYOUT_PATTERNS`. */
  readonly layoutPatterns?: readonly LayoutPattern[];
  /** Optional readability check run once a file has settled (e.g. `probeReadyCheck(binaries)`). Default null (none). */
  readonly readyCheck?: ReadyCheck | null;
  /** Wait before asking the ready check again about a file it said is not ready, ms, integer in [10, 3600000]. Default 5000. */
  readonly readyCheckRetryMs?: number;
  /**
   * After this long not ready, ms, integer in [0, 86400000], the file is emitted anyway with
   * `readyCheck.ready === false` and the last reason, so that the consumer records it as a failed
   * source instead of it waiting for ever. Default 300000 (5 min).
   */
  readonly readyCheckMaxWaitMs?: number;
  /** Most ready checks running at once, integer in [1, 16]. Default 2 (ffprobe processes). */
  readonly readyCheckConcurrency?: number;
  /** Poll folders instead of inotify: needed on NFS/SMB shares, which send no change events. Default false. */
  readonly usePolling?: boolean;
  /** Follow symbolic links inside the folders. Default true. */
  readonly followSymlinks?: boolean;
  /** How deep to descend below each folder (0: only its own files); null for no limit. Default null. */
  readonly depth?: number | null;
  /**
   * Reconciliation: every this many ms (after the initial scan) each watched folder is listed
   * again and any wanted file the watcher never reported (a missed event: a file renamed into a
   * brand-new folder before its watcher was attached, an overflowed inotify queue) enters the
   * normal settle path. A missed event then costs at most one interval, never the file. Integer
   * in [100, 86400000], or 0 to turn it off. Default 30000: one `readdir` per folder per
   * interval, no `stat` of files already known.
   */
  readonly rescanIntervalMs?: number;
  /** Aborting it closes the watch, as `close()` does. */
  readonly signal?: AbortSignal;
}

/** {@link WatchFoldersOptions} checked, with defaults applied. */
export interface ResolvedWatchOptions {
  readonly stabilityMs: number;
  readonly pollIntervalMs: number;
  readonly videoExtensions: ReadonlySet<string>;
  readonly ignoreNames: readonly RegExp[];
  readonly includeExisting: boolean;
  readonly layoutPatterns: readonly LayoutPattern[];
  readonly readyCheck: ReadyCheck | null;
  readonly readyCheckRetryMs: number;
  readonly readyCheckMaxWaitMs: number;
  readonly readyCheckConcurrency: number;
  readonly usePolling: boolean;
  readonly followSymlinks: boolean;
  readonly depth: number | null;
  /** 0: no reconciliation scan. */
  readonly rescanIntervalMs: number;
  readonly signal: AbortSignal | null;
}

/** Defaults of the optional {@link WatchFoldersOptions}. */
export const DEFAULT_WATCH_OPTIONS = Object.freeze({
  stabilityMs: 5000,
  pollIntervalMs: 500,
  includeExisting: true,
  readyCheckRetryMs: 5000,
  readyCheckMaxWaitMs: 300000,
  readyCheckConcurrency: 2,
  usePolling: false,
  followSymlinks: true,
  depth: null,
  rescanIntervalMs: 30000,
} as const);

const KEYS: readonly string[] = [
  'stabilityMs',
  'pollIntervalMs',
  'videoExtensions',
  'ignoreNames',
  'includeExisting',
  'layoutPatterns',
  'readyCheck',
  'readyCheckRetryMs',
  'readyCheckMaxWaitMs',
  'readyCheckConcurrency',
  'usePolling',
  'followSymlinks',
  'depth',
  'rescanIntervalMs',
  'signal',
];
const WHERE = 'watchFolders';

function intIn(name: string, v: unknown, lo: number, hi: number, unit: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) invalidValue(WHERE, name, `an integer in [${lo}, ${hi}]${unit}`, v, InputError);
  return v;
}

function bool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') invalidValue(WHERE, name, 'a boolean', v, InputError);
  return v;
}

/**
 * Checks watch options and applies defaults. Rejects unknown keys.
 * @throws InputError naming the option, what was expected and what was received.
 */
export function resolveWatchOptions(opts: WatchFoldersOptions = {}): ResolvedWatchOptions {
  checkOptionKeys(WHERE, opts, KEYS, { error: InputError });
  const d = DEFAULT_WATCH_OPTIONS;
  const stabilityMs = intIn('stabilityMs', opts.stabilityMs ?? d.stabilityMs, 50, 3_600_000, ' (ms)');
  const pollIntervalMs = intIn('pollIntervalMs', opts.pollIntervalMs ?? d.pollIntervalMs, 10, 60_000, ' (ms)');
  const videoExtensions = normalizeVideoExtensions(WHERE, opts.videoExtensions ?? DEFAULT_VIDEO_EXTENSIONS);
  const ignoreNames = opts.ignoreNames ?? [];
  if (!Array.isArray(ignoreNames)) invalidValue(WHERE, 'ignoreNames', 'an array of RegExp', ignoreNames, InputError);
  for (const re of ignoreNames as readonly unknown[]) {
    if (!(re instanceof RegExp) || re.global || re.sticky) invalidValue(WHERE, 'ignoreNames', 'RegExps without the g or y flag', re, InputError);
  }
  const includeExisting = bool('includeExisting', opts.includeExisting ?? d.includeExisting);
  const layoutPatterns = opts.layoutPatterns ?? DEFAULT_LAYOUT_PATTERNS;
  checkLayoutPatterns(layoutPatterns);
  const readyCheck = opts.readyCheck ?? null;
  if (readyCheck !== null && typeof readyCheck !== 'function') invalidValue(WHERE, 'readyCheck', 'a function (path) => Promise<ReadyCheckResult>, or null', readyCheck, InputError);
  const readyCheckRetryMs = intIn('readyCheckRetryMs', opts.readyCheckRetryMs ?? d.readyCheckRetryMs, 10, 3_600_000, ' (ms)');
  const readyCheckMaxWaitMs = intIn('readyCheckMaxWaitMs', opts.readyCheckMaxWaitMs ?? d.readyCheckMaxWaitMs, 0, 86_400_000, ' (ms)');
  const readyCheckConcurrency = intIn('readyCheckConcurrency', opts.readyCheckConcurrency ?? d.readyCheckConcurrency, 1, 16, '');
  const usePolling = bool('usePolling', opts.usePolling ?? d.usePolling);
  const followSymlinks = bool('followSymlinks', opts.followSymlinks ?? d.followSymlinks);
  const depth = opts.depth === undefined ? d.depth : opts.depth;
  if (depth !== null) intIn('depth', depth, 0, 1000, ' or null');
  const rescanIntervalMs = opts.rescanIntervalMs ?? d.rescanIntervalMs;
  if (rescanIntervalMs !== 0) intIn('rescanIntervalMs', rescanIntervalMs, 100, 86_400_000, ' (ms), or 0 for none');
  const signal = opts.signal ?? null;
  if (signal !== null && !(signal instanceof AbortSignal)) invalidValue(WHERE, 'signal', 'an AbortSignal', signal, InputError);
  return Object.freeze({
    stabilityMs,
    pollIntervalMs,
    videoExtensions,
    ignoreNames: Object.freeze([...ignoreNames]),
    includeExisting,
    layoutPatterns,
    readyCheck,
    readyCheckRetryMs,
    readyCheckMaxWaitMs,
    readyCheckConcurrency,
    usePolling,
    followSymlinks,
    depth,
    rescanIntervalMs,
    signal,
  });
}
