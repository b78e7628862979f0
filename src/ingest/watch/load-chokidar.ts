import type * as Chokidar from 'chokidar';
import { FasrError } from '../../contracts';

/**
 * Loads chokidar when a watch starts, not when src/ingest is imported. chokidar 5 is an ES
 * module: Node >= 20.19 `require`s it natively, but jest's module registry cannot (jest 30 on
 * Node 20 throws "Must use import to load ES Module"), so a top-level import would break every
 * jest test that merely imports src/ingest. Under jest, run watchers in a child process (as the
 * watch tests do) or let jest transform chokidar (see docs/watch-folders.md).
 * @throws FasrError (code 'E_WATCH') saying why chokidar could not be loaded.
 */
export function loadChokidar(): typeof Chokidar {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('chokidar') as typeof Chokidar;
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new FasrError(
      'E_WATCH',
      `watchFolders: cannot load chokidar (${why ?? ''}). It is an ES module: Node >= 20.19 loads it with require; under jest, run the watcher in a child process or let jest transform node_modules/chokidar and node_modules/readdirp.`,
      { node: process.version },
    );
  }
}
