import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../../../src/contracts';
import { MIGRATIONS, SCHEMA_VERSION, openStore } from '../../../src/store';
import { applyMigrations } from '../../../src/store/migrations';
import { makeTempDir } from './store-fixtures';

const ALL_TABLES = ['crops', 'detections', 'embeddings', 'fused_identities', 'jobs', 'runs', 'sources', 'sr_outputs', 'tracks'];

describe('openStore and migrations', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  it('creates the newest schema with WAL, foreign keys and a busy timeout', () => {
    const file = path.join(tmp.dir, 'a.db');
    const store = openStore(file, { busyTimeoutMs: 1234 });
    const info = store.info();
    expect(info.schemaVersion).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(info.journalMode).toBe('wal');
    expect(info.foreignKeys).toBe(true);
    expect(info.busyTimeoutMs).toBe(1234);
    expect(info.tables).toEqual(ALL_TABLES);
    expect(info.file).toBe(path.resolve(file));
    store.close();
    // WAL is a property of the file: a plain connection sees it too.
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    raw.close();
  });

  it('re-opening applies nothing and keeps the data', () => {
    const file = path.join(tmp.dir, 'a.db');
    const s1 = openStore(file);
    s1.upsertSource({ path: '/v/a.mp4', sizeBytes: 1, mtimeMs: 2 });
    s1.close();
    // A second open must not re-run CREATE TABLE (it would throw "table already exists").
    const s2 = openStore(file);
    expect(s2.info().schemaVersion).toBe(SCHEMA_VERSION);
    expect(s2.info().tables).toEqual(ALL_TABLES);
    expect(s2.findSourceByPath('/v/a.mp4')?.sizeBytes).toBe(1);
    s2.close();
  });

  it('two connections open the same file at once and both work', () => {
    const file = path.join(tmp.dir, 'a.db');
    const s1 = openStore(file);
    const s2 = openStore(file);
    const src = s1.upsertSource({ path: '/v/a.mp4', sizeBytes: 1, mtimeMs: 2 });
    expect(s2.getSource(src.id).path).toBe('/v/a.mp4');
    s1.close();
    s2.close();
  });

  it('every foreign key has an index that starts with its column (cascades and FK checks never scan)', () => {
    const file = path.join(tmp.dir, 'a.db');
    openStore(file).close();
    const raw = new Database(file, { readonly: true });
    const missing: string[] = [];
    let fkCount = 0;
    for (const table of ALL_TABLES) {
      const leading = new Set<string>();
      for (const idx of raw.pragma(`index_list(${table})`) as { name: string }[]) {
        const cols = raw.pragma(`index_info(${idx.name})`) as { seqno: number; name: string }[];
        const first = cols.find((c) => c.seqno === 0);
        if (first !== undefined) leading.add(first.name);
      }
      for (const fk of raw.pragma(`foreign_key_list(${table})`) as { from: string; table: string }[]) {
        fkCount++;
        if (!leading.has(fk.from)) missing.push(`${table}.${fk.from} -> ${fk.table}`);
      }
    }
    raw.close();
    expect(fkCount).toBe(11);
    expect(missing).toEqual([]);
  });

  it('refuses a file whose schema is newer than the code', () => {
    const file = path.join(tmp.dir, 'future.db');
    openStore(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openStore(file)).toThrow(
      new StoreError(`database schema version ${SCHEMA_VERSION + 1} is newer than the newest this code knows (${SCHEMA_VERSION}); upgrade fasr`),
    );
  });

  it('migrates a v1 file: its tracks stay, with no parts; a joined track can then be written', () => {
    const file = path.join(tmp.dir, 'v1.db');
    const raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    applyMigrations(raw, MIGRATIONS.slice(0, 1));
    raw.prepare("INSERT INTO sources (path, size_bytes, mtime_ms, status, created_at_ms, updated_at_ms) VALUES ('/v/a.mp4', 1, 1, 'pending', 0, 0)").run();
    raw.prepare(
      "INSERT INTO tracks (source_id, track_key, first_frame_index, last_frame_index, first_pts_ms, last_pts_ms, detection_count, crop_count, embedding_count, best_quality, status, created_at_ms) VALUES (1, 3, 0, 4, 0, 160, 5, 0, 0, 0.5, 'ok', 0)",
    ).run();
    raw.prepare(
      `INSERT INTO detections (track_id, frame_index, pts_ms, bbox_x_px, bbox_y_px, bbox_w_px, bbox_h_px, score, landmarks_json, yaw_deg, pitch_deg, roll_deg, quality, sharpness, frontalness)
       VALUES (1, 0, 0, 1, 1, 10, 10, 0.9, '{}', 0, 0, 0, 0.5, 1, 0.9)`,
    ).run();
    raw.prepare('UPDATE tracks SET lr0_detection_id = 1').run();
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    raw.close();
    const store = openStore(file);
    expect(store.info().schemaVersion).toBe(SCHEMA_VERSION);
    const [t] = store.listTracks({}).items;
    expect(t).toMatchObject({ trackKey: 3, detectionCount: 5, parts: null });
    store.close();
    const after = new Database(file, { readonly: true });
    expect((after.prepare('PRAGMA table_info(tracks)').all() as { name: string }[]).map((c) => c.name)).toContain('parts_json');
    // The column refuses a single part or text that is not JSON.
    after.close();
    const rw = new Database(file);
    expect(() => rw.prepare("UPDATE tracks SET parts_json = '[{}]'").run()).toThrow(/CHECK constraint failed/);
    expect(() => rw.prepare("UPDATE tracks SET parts_json = 'x'").run()).toThrow(/CHECK constraint failed/);
    rw.close();
  });

  it('rolls a failing migration back entirely', () => {
    const file = path.join(tmp.dir, 'm.db');
    const raw = new Database(file);
    // A valid step 1 that fails half-way: the first table must not survive.
    expect(() =>
      applyMigrations(raw, [{ version: 1, name: 'broken', sql: 'CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER);' }]),
    ).toThrow(/^migration 1 \(broken\) failed: table a already exists$/);
    expect(raw.pragma('user_version', { simple: true })).toBe(0);
    expect(raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({ n: 0 });
    // And then the real migrations apply exactly once.
    expect(applyMigrations(raw).applied).toEqual(MIGRATIONS.map((m) => `${m.version}-${m.name}`));
    expect(applyMigrations(raw).applied).toEqual([]);
    raw.close();
  });

  it('read-only: opens a migrated file, refuses writes, refuses a missing or unmigrated file', () => {
    const file = path.join(tmp.dir, 'ro.db');
    openStore(file).close();
    const ro = openStore(file, { readonly: true });
    expect(ro.info().readonly).toBe(true);
    expect(() => ro.upsertSource({ path: '/x', sizeBytes: 1, mtimeMs: 1 })).toThrow(/^upsertSource: cannot write the store .*ro\.db: the store is read-only .*\(SQLite SQLITE_READONLY: /);
    ro.close();
    expect(() => openStore(path.join(tmp.dir, 'missing.db'), { readonly: true })).toThrow(
      `openStore: expected file to exist when opts.readonly is true, received ${JSON.stringify(path.join(tmp.dir, 'missing.db'))}`,
    );
    const empty = path.join(tmp.dir, 'empty.db');
    new Database(empty).close();
    expect(() => openStore(empty, { readonly: true })).toThrow(new RegExp(`^openStore: expected schema version ${SCHEMA_VERSION} in read-only .*, received version 0$`));
  });

  it('rejects bad arguments with clear messages', () => {
    expect(() => openStore('')).toThrow(new StoreError('openStore.file: expected a non-empty string of at most 4096 characters, received an empty string'));
    expect(() => openStore(42 as unknown as string)).toThrow('openStore.file: expected a non-empty string of at most 4096 characters, received 42');
    const file = path.join(tmp.dir, 'a.db');
    expect(() => openStore(file, { busyTimout: 5 } as never)).toThrow(
      'openStore.opts: unknown key "busyTimout"; valid keys: readonly, busyTimeoutMs, now',
    );
    expect(() => openStore(file, { busyTimeoutMs: -1 })).toThrow('openStore.opts.busyTimeoutMs: expected an integer in [0, 600000], received -1');
    expect(() => openStore(path.join(tmp.dir, 'no', 'such', 'dir', 'a.db'))).toThrow(/^openStore: expected the directory of file to exist/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses a file that is not a SQLite database, and leaves it as it was', () => {
    const file = path.join(tmp.dir, 'junk.db');
    fs.writeFileSync(file, 'this is not a database, just some text that is long enough to be read as a header'.repeat(20));
    const before = fs.readFileSync(file);
    expect(() => openStore(file)).toThrow(/^openStore: refusing .*junk\.db": not a fasr store \(not an SQLite database: it starts with "this is not a da"\); the file was not modified$/);
    expect(() => openStore(file, { readonly: true })).toThrow(/not a fasr store/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(tmp.dir)).toEqual(['junk.db']);
  });

  it("refuses another application's SQLite database (tables, no fasr schema) without touching it", () => {
    const file = path.join(tmp.dir, 'other.db');
    const raw = new Database(file);
    raw.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('ann');");
    raw.close();
    const before = fs.readFileSync(file);
    expect(() => openStore(file)).toThrow(
      /^openStore: refusing .*other\.db": not a fasr store \(an SQLite database with schema version 0 and tables contacts\); the file was not modified$/,
    );
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(new Database(file, { readonly: true }).pragma('journal_mode', { simple: true })).toBe('delete');
  });

  it('refuses a corrupt store (damaged pages) on open, byte for byte unchanged', () => {
    const file = path.join(tmp.dir, 'corrupt.db');
    const s = openStore(file);
    for (let i = 0; i < 300; i++) s.upsertSource({ path: `/v/clip-${i}.mp4`, sizeBytes: i + 1, mtimeMs: i });
    s.close();
    // Switch it back to a rollback journal (WAL writes its header on open), then scribble over
    // pages 3-4 (the schema on page 1 stays readable, so only the check finds the damage).
    const raw = new Database(file);
    raw.pragma('journal_mode = DELETE');
    const pageSize = Number(raw.pragma('page_size', { simple: true }));
    raw.close();
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBeGreaterThan(5 * pageSize);
    bytes.fill(0x5a, 2 * pageSize + 8, 4 * pageSize);
    fs.writeFileSync(file, bytes);
    expect(() => openStore(file)).toThrow(StoreError);
    expect(() => openStore(file)).toThrow(/^openStore: (refusing .*corrupt\.db": the store is corrupt \(SQLite quick_check: .*\); the file was not modified|cannot use .*corrupt\.db" as a store: .*\(corrupt or not a database; the file was not modified\))/);
    expect(() => openStore(file, { readonly: true })).toThrow(/corrupt/);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    expect(fs.readdirSync(tmp.dir).sort()).toEqual(['corrupt.db']);
  });

  it('a truncated header (a copy cut short) is refused and left alone', () => {
    const file = path.join(tmp.dir, 'short.db');
    fs.writeFileSync(file, 'SQLite for');
    expect(() => openStore(file)).toThrow(/not a fasr store \(not an SQLite database: it starts with "SQLite for"\)/);
    expect(fs.readFileSync(file, 'utf8')).toBe('SQLite for');
  });

  it('throws after close, and close is idempotent', () => {
    const store = openStore(path.join(tmp.dir, 'a.db'));
    store.close();
    store.close();
    expect(() => store.listSources()).toThrow(/^listSources: the store is closed \(.*a\.db\)$/);
  });
});
