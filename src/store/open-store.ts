import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../contracts';
import { applyMigrations, SCHEMA_VERSION } from './migrations';
import { SqliteStore } from './sqlite-store';
import type { OpenStoreOptions, Store } from './store';
import { ArgCheck } from './validate';

const OPTION_KEYS = ['readonly', 'busyTimeoutMs', 'now'] as const;

/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

function errnoOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
}

/**
 * Refuses, before SQLite opens it, an existing file that is not an SQLite database (a video, a
 * text file, a truncated header): SQLite would otherwise be asked to write into it. An empty file
 * is accepted (a new store, as `touch` leaves it).
 */
function checkExistingFile(filePath: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(filePath);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return;
    throw new StoreError(`openStore: cannot stat the store ${JSON.stringify(filePath)}: ${(err as Error).message}`, { path: filePath, cause: err });
  }
  if (!st.isFile()) throw new StoreError(`openStore: refusing ${JSON.stringify(filePath)}: not a regular file`, { path: filePath, reason: 'not a regular file' });
  if (st.size === 0) return;
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = fs.openSync(filePath, 'r');
  let n = 0;
  try {
    n = fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (n < head.length || !head.equals(SQLITE_HEADER)) {
    throw new StoreError(
      `openStore: refusing ${JSON.stringify(filePath)}: not a fasr store (not an SQLite database: it starts with ${JSON.stringify(head.subarray(0, n).toString('latin1'))}); the file was not modified`,
      { path: filePath, reason: 'not a database' },
    );
  }
}

/**
 * Fails now, with the store's name, when a writer could not write the store or the journal files
 * beside it (a read-only file system, no permission), instead of at the first write of the night.
 */
function checkWritable(filePath: string): void {
  const dir = path.dirname(path.resolve(filePath));
  for (const target of fs.existsSync(filePath) ? [filePath, dir] : [dir]) {
    try {
      fs.accessSync(target, fs.constants.W_OK);
    } catch (err) {
      const code = errnoOf(err);
      const why = code === 'EROFS' ? 'on a read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'no write permission' : `not writable (${code || String(err)})`;
      throw new StoreError(
        `openStore: cannot write the store ${JSON.stringify(filePath)}: ${target === filePath ? 'the file' : `its directory ${dir}`} is ${why.startsWith('on') ? why : `not writable: ${why}`}; ` +
          'give a writable --db, or open it read-only (opts.readonly) to read it',
        { path: filePath, reason: 'read-only', errno: code },
      );
    }
  }
}

/**
 * Checks, reading only, that an open database is a fasr store in one piece before anything writes
 * to it (switching to WAL writes the header; migrations write tables): an SQLite database of
 * another application (tables but no fasr schema), or one that fails SQLite's quick_check
 * (corrupt pages, broken indexes), is refused and left as it was. quick_check reads every page
 * once: 0.23–0.35 s for 300 MB from the page cache here (docs/batch-watch-export.md).
 */
function checkFasrDatabase(db: Database.Database, filePath: string): void {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  const version = Number(db.pragma('user_version', { simple: true }));
  if (tables.length > 0 && (version === 0 || !tables.includes('sources'))) {
    throw new StoreError(
      `openStore: refusing ${JSON.stringify(filePath)}: not a fasr store (an SQLite database with schema version ${version} and tables ${tables.slice(0, 8).join(', ')}${tables.length > 8 ? ', ...' : ''}); the file was not modified`,
      { path: filePath, reason: 'not a fasr database', tables: tables.slice(0, 32), version },
    );
  }
  const check = db.pragma('quick_check(3)', { simple: false }) as { quick_check: string }[];
  const problems = check.map((r) => r.quick_check.trim().replace(/\s*\n\s*/g, ' / ')).filter((m) => m !== 'ok');
  if (problems.length > 0) {
    throw new StoreError(`openStore: refusing ${JSON.stringify(filePath)}: the store is corrupt (SQLite quick_check: ${problems.join('; ')}); the file was not modified. Restore it from a backup`, {
      path: filePath,
      reason: 'corrupt',
    });
  }
}

/** Frozen defaults of `OpenStoreOptions`. */
export const DEFAULT_STORE_OPTIONS = Object.freeze({ readonly: false, busyTimeoutMs: 5000 });

/**
 * Opens (creating if needed) the SQLite store at `file` and brings its schema to `SCHEMA_VERSION`.
 * The connection runs with journal_mode=WAL (readers never block the writer), synchronous=FULL
 * (a committed transaction survives a crash or power loss), foreign_keys=ON and a busy timeout.
 * @param file path of the database file; its directory must exist. ':memory:' gives a private
 *   in-memory store (no WAL), for tests.
 * @throws StoreError on bad options, a missing directory, a file that is not an SQLite database or
 *   not a fasr one (another application's tables), a corrupt database (quick_check) — all three
 *   refused before any write, the file left byte for byte as it was —, a store a writer cannot
 *   write (read-only file system, no permission; context.reason 'read-only'), or a schema newer
 *   than this code (or, read-only, a schema other than SCHEMA_VERSION).
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
    checkExistingFile(filePath);
    if (!readonly) checkWritable(filePath);
  }

  let db: Database.Database;
  try {
    db = new Database(filePath, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs });
  } catch (err) {
    throw new StoreError(`openStore: cannot open ${JSON.stringify(filePath)}: ${(err as Error).message}`, { path: filePath, cause: err });
  }
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // Reads only: a foreign or corrupt database is refused before anything writes to it.
    if (!memory) checkFasrDatabase(db, filePath);
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
    const code = errnoOf(err);
    const corrupt = code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB';
    throw new StoreError(
      `openStore: cannot use ${JSON.stringify(filePath)} as a store: ${(err as Error).message}${corrupt ? ' (corrupt or not a database; the file was not modified)' : ''}`,
      { path: filePath, cause: err, ...(corrupt ? { reason: 'corrupt' } : {}), ...(code !== '' ? { sqliteCode: code } : {}) },
    );
  }
  return new SqliteStore(db, memory ? ':memory:' : path.resolve(filePath), now as () => number);
}
