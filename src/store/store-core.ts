import type Database from 'better-sqlite3';
import { StoreError } from '../contracts';
import type { StoreInfo } from './store';

/**
 * The core of `SqliteStore`: one better-sqlite3 connection and what every method needs around it
 * — the closed check, the translation of SQLite errors into `StoreError` (including the refusal of
 * a store that cannot be written), IMMEDIATE write and DEFERRED read transactions, the clock, a
 * per-connection statement cache, and the "no X with id N" lookup.
 *
 * How the methods attach (the way better-sqlite3 builds `Database` from lib/methods/*): each kind
 * of data has one file under `methods/` of plain functions whose first parameter is this core,
 * e.g. `upsertSource(core, input)`; `SqliteStore` (sqlite-store.ts) holds one core and binds each
 * `Store` method to its function in one line (`readonly upsertSource: Store['upsertSource'] =
 * (input) => sources.upsertSource(this.core, input)`). We chose functions taking the core over
 * better-sqlite3's `Database.prototype.x = require(...)` because under strict TypeScript the
 * prototype assignment needs declaration merging that the compiler cannot check is complete,
 * while each bound line is typed by `Store` itself and a missing one fails `implements Store`;
 * the functions are ordinary imports that name what they use at the top of each file.
 * Migrations live in migrations.ts and are applied by openStore before the core exists.
 */
export class StoreCore {
  private closed = false;
  /** Statements prepared once per connection, by SQL text (the paged lists: the SQL differs by the filters present). */
  private readonly statements = new Map<string, Database.Statement<[Record<string, unknown>], unknown>>();

  constructor(
    readonly db: Database.Database,
    readonly file: string,
    private readonly now: () => number,
  ) {}

  /** Runs `fn` on an open store, turning SQLite errors into StoreError that names the method. */
  guard<T>(where: string, fn: () => T): T {
    if (this.closed) throw new StoreError(`${where}: the store is closed (${this.file})`, { method: where });
    try {
      return fn();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      if (isSqliteError(err)) {
        const unwritable = unwritableReason(err.code);
        if (unwritable !== null) {
          throw new StoreError(`${where}: cannot write the store ${this.file}: ${unwritable} (SQLite ${err.code}: ${err.message}); the transaction was rolled back`, {
            method: where,
            sqliteCode: err.code,
            path: this.file,
            unwritable: true,
            cause: err,
          });
        }
        throw new StoreError(`${where}: SQLite ${err.code}: ${err.message}`, { method: where, sqliteCode: err.code, cause: err });
      }
      throw err;
    }
  }

  /** Runs `fn` in one IMMEDIATE transaction (takes the write lock up front: no lock-upgrade deadlock). */
  write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Runs `fn` in one read (DEFERRED) transaction: a consistent snapshot even while another connection writes. */
  read<T>(fn: () => T): T {
    return this.db.transaction(fn).deferred();
  }

  /** The store's clock, checked: integer epoch milliseconds. */
  clock(): number {
    const t = this.now();
    if (!Number.isSafeInteger(t)) throw new StoreError(`the store's clock returned ${String(t)}, expected integer epoch milliseconds`);
    return t;
  }

  /** `sql` prepared once for this connection (named parameters). */
  cached<R>(sql: string): Database.Statement<[Record<string, unknown>], R> {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare<[Record<string, unknown>], unknown>(sql);
      this.statements.set(sql, stmt);
    }
    return stmt as Database.Statement<[Record<string, unknown>], R>;
  }

  /**
   * The row `sql` selects for `id` (one `?` parameter).
   * @throws StoreError `${where}: no ${noun} with id ${id}` (context: method and `[key]: id`) when there is none.
   */
  rowById<R>(where: string, sql: string, id: number, noun: string, key: string): R {
    const row = this.db.prepare<[number], R>(sql).get(id);
    if (row === undefined) throw new StoreError(`${where}: no ${noun} with id ${id}`, { method: where, [key]: id });
    return row;
  }

  /** Connection facts, for diagnostics and tests. */
  info(): StoreInfo {
    return this.guard('info', () => {
      const tables = this.db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .all()
        .map((r) => r.name);
      return Object.freeze({
        file: this.file,
        schemaVersion: Number(this.db.pragma('user_version', { simple: true })),
        journalMode: String(this.db.pragma('journal_mode', { simple: true })),
        foreignKeys: Number(this.db.pragma('foreign_keys', { simple: true })) === 1,
        busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
        readonly: this.db.readonly,
        tables: Object.freeze(tables),
      });
    });
  }

  /** Closes the connection; idempotent. Any `guard` afterwards throws. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }
}

/** Why the store cannot be written, for the SQLite codes that mean so; null for other codes. */
function unwritableReason(code: string): string | null {
  if (code === 'SQLITE_FULL') return 'the disk is full';
  if (code.startsWith('SQLITE_READONLY')) return 'the store is read-only (read-only file system or no write permission)';
  if (code.startsWith('SQLITE_IOERR')) return 'an I/O error (disk full, removed or failing)';
  if (code.startsWith('SQLITE_CANTOPEN')) return 'cannot open its journal files';
  return null;
}

/**
 * better-sqlite3's errors, recognised by shape: `instanceof Database.SqliteError` fails when the
 * package's JS was loaded twice in one process (one jest module registry per test file) because
 * the native addon keeps the first copy's error class.
 */
function isSqliteError(err: unknown): err is Error & { code: string } {
  // Not `instanceof Error` either: under jest the first copy's Error is another realm's.
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  return e.name === 'SqliteError' && typeof e.code === 'string' && typeof e.message === 'string';
}
