import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../contracts';
import { applyMigrations, SCHEMA_VERSION } from './migrations';
import { SqliteStore } from './sqlite-store';
import type { OpenStoreOptions, Store } from './store';
import { ArgCheck } from './validate';

const OPTION_KEYS = ['readonly', 'busyTimeoutMs', 'now'] as const;

/** Frozen defaults of `OpenStoreOptions`. */
export const DEFAULT_STORE_OPTIONS = Object.freeze({ readonly: false, busyTimeoutMs: 5000 });

/**
 * Opens (creating if needed) the SQLite store at `file` and brings its schema to `SCHEMA_VERSION`.
 * The connection runs with journal_mode=WAL (readers never block the writer), synchronous=FULL
 * (a committed transaction survives a crash or power loss), foreign_keys=ON and a busy timeout.
 * @param file path of the database file; its directory must exist. ':memory:' gives a private
 *   in-memory store (no WAL), for tests.
 * @throws StoreError on bad options, a missing directory, a file that is not a database, or a
 *   schema newer than this code (or, read-only, a schema other than SCHEMA_VERSION).
 */
export function openStore(file: string, opts?: OpenStoreOptions): Store {
  const a: ArgCheck = new ArgCheck('openStore');
  const filePath = a.string('file', file);
  const o = a.optionalObject('opts', opts, OPTION_KEYS);
  const readonly = o.readonly === undefined ? DEFAULT_STORE_OPTIONS.readonly : o.readonly;
  if (typeof readonly !== 'boolean') a.fail('opts.readonly', 'a boolean', readonly);
  const busyTimeoutMs = o.busyTimeoutMs === undefined ? DEFAULT_STORE_OPTIONS.busyTimeoutMs : a.int('opts.busyTimeoutMs', o.busyTimeoutMs, 0, 600_000);
  const now = o.now === undefined ? Date.now : o.now;
  if (typeof now !== 'function') a.fail('opts.now', 'a function returning epoch milliseconds', now);
  const memory = filePath === ':memory:';
  if (!memory) {
    const dir = path.dirname(path.resolve(filePath));
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new StoreError(`openStore: expected the directory of file to exist, received ${JSON.stringify(filePath)} (no directory ${dir})`, {
        path: filePath,
      });
    }
    if (readonly && !fs.existsSync(filePath)) {
      throw new StoreError(`openStore: expected file to exist when opts.readonly is true, received ${JSON.stringify(filePath)}`, { path: filePath });
    }
  }

  let db: Database.Database;
  try {
    db = new Database(filePath, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs });
  } catch (err) {
    throw new StoreError(`openStore: cannot open ${JSON.stringify(filePath)}: ${(err as Error).message}`, { path: filePath, cause: err });
  }
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // The header read is the first real I/O: a non-database file fails here.
    if (!readonly && !memory) {
      const mode = String(db.pragma('journal_mode = WAL', { simple: true }));
      if (mode !== 'wal') throw new StoreError(`openStore: cannot switch ${JSON.stringify(filePath)} to WAL (journal_mode is '${mode}')`);
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    if (Number(db.pragma('foreign_keys', { simple: true })) !== 1) throw new StoreError('openStore: SQLite refused foreign_keys = ON');
    if (readonly) {
      const version = Number(db.pragma('user_version', { simple: true }));
      if (version !== SCHEMA_VERSION) {
        throw new StoreError(
          `openStore: expected schema version ${SCHEMA_VERSION} in read-only ${JSON.stringify(filePath)}, received version ${version}`,
          { path: filePath, version },
        );
      }
    } else {
      applyMigrations(db);
    }
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    throw new StoreError(`openStore: cannot use ${JSON.stringify(filePath)} as a store: ${(err as Error).message}`, { path: filePath, cause: err });
  }
  return new SqliteStore(db, memory ? ':memory:' : path.resolve(filePath), now as () => number);
}
