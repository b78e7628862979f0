import { InputError } from '../../../../src/contracts';
import { DEFAULT_LAYOUT_PATTERNS, DEFAULT_WATCH_OPTIONS, resolveWatchOptions, watchFolders, type WatchFoldersOptions } from '../../../../src/ingest';

describe('resolveWatchOptions', () => {
  test('defaults', () => {
    const o = resolveWatchOptions();
    expect(o).toMatchObject({
      stabilityMs: 5000,
      pollIntervalMs: 500,
      includeExisting: true,
      readyCheck: null,
      readyCheckRetryMs: 5000,
      readyCheckMaxWaitMs: 300000,
      readyCheckConcurrency: 2,
      usePolling: false,
      followSymlinks: true,
      depth: null,
      rescanIntervalMs: 30000,
      signal: null,
    });
    expect(o.layoutPatterns).toBe(DEFAULT_LAYOUT_PATTERNS);
    expect(o.videoExtensions.has('mp4')).toBe(true);
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(DEFAULT_WATCH_OPTIONS)).toBe(true);
  });

  test('extensions are normalised', () => {
    expect([...resolveWatchOptions({ videoExtensions: ['.MP4', 'mkv', 'mkv'] }).videoExtensions]).toEqual(['mp4', 'mkv']);
  });

  test.each<[WatchFoldersOptions, string]>([
    [{ stabilityMs: 10 }, 'watchFolders.stabilityMs: expected an integer in [50, 3600000] (ms), received 10'],
    [{ pollIntervalMs: 1.5 }, 'watchFolders.pollIntervalMs: expected an integer in [10, 60000] (ms), received 1.5'],
    [{ videoExtensions: [] }, 'watchFolders.videoExtensions: expected a non-empty array of extensions like "mp4", received []'],
    [{ videoExtensions: ['mp4', '*.avi'] }, 'watchFolders.videoExtensions: expected plain extensions like "mp4" or ".mkv" (letters, digits, - or _), received "*.avi"'],
    [{ ignoreNames: [/x/g] }, 'watchFolders.ignoreNames: expected RegExps without the g or y flag, received /x/g'],
    [{ includeExisting: 'yes' as unknown as boolean }, 'watchFolders.includeExisting: expected a boolean, received "yes"'],
    [{ readyCheck: 'ffprobe' as unknown as null }, 'watchFolders.readyCheck: expected a function (path) => Promise<ReadyCheckResult>, or null, received "ffprobe"'],
    [{ readyCheckConcurrency: 0 }, 'watchFolders.readyCheckConcurrency: expected an integer in [1, 16], received 0'],
    [{ depth: -1 }, 'watchFolders.depth: expected an integer in [0, 1000] or null, received -1'],
    [{ stabilityMS: 100 } as unknown as WatchFoldersOptions, 'watchFolders: unknown option "stabilityMS"; valid options: stabilityMs, pollIntervalMs, videoExtensions, ignoreNames, includeExisting, layoutPatterns, readyCheck, readyCheckRetryMs, readyCheckMaxWaitMs, readyCheckConcurrency, usePolling, followSymlinks, depth, rescanIntervalMs, signal'],
    [{ rescanIntervalMs: 50 }, 'watchFolders.rescanIntervalMs: expected an integer in [100, 86400000] (ms), or 0 for none, received 50'],
  ])('%j is refused', (opts, message) => {
    expect(() => resolveWatchOptions(opts)).toThrow(InputError);
    expect(() => resolveWatchOptions(opts)).toThrow(message);
  });
});

describe('watchFolders argument checks (before anything starts)', () => {
  test('no folders, a missing folder, a file instead of a folder', () => {
    expect(() => watchFolders([])).toThrow('watchFolders.dirs: expected a non-empty array of directories, received []');
    expect(() => watchFolders(['/nonexistent/fasr-watch'])).toThrow('watchFolders: /nonexistent/fasr-watch: not found');
    expect(() => watchFolders([__filename])).toThrow(`watchFolders: ${__filename}: not a directory`);
  });

  test('a bad option is refused before the folders are looked at', () => {
    expect(() => watchFolders(['/nonexistent/fasr-watch'], { stabilityMs: 0 })).toThrow(/watchFolders\.stabilityMs: expected/);
  });
});
