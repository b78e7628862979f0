import * as path from 'node:path';
import { openStore, type ListTracksQuery, type Store, type TrackListItem, type TrackResultInput } from '../../../src/store';
import { makeDetection, makeTempDir } from './store-fixtures';

const SOURCES = 20;
const TRACKS_PER_SOURCE = 500; // 10,000 tracks in all
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const HOUR_MS = 3_600_000;

/** A light track: two detections, no crops or embeddings. Track k spans [k*1000, k*1000 + 400] ms into its source. */
function lightTrack(k: number): TrackResultInput {
  return {
    trackKey: k,
    lr0Index: 0,
    detections: [
      { detection: makeDetection(k * 25, { ptsMs: k * 1000 }) },
      { detection: makeDetection(k * 25 + 10, { ptsMs: k * 1000 + 400 }) },
    ],
    ...(k % 7 === 0 ? { status: 'rejected' as const, rejectReason: 'too short' } : {}),
  };
}

function collect(store: Store, query: ListTracksQuery): TrackListItem[] {
  const out: TrackListItem[] = [];
  let afterId: number | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = store.listTracks({ ...query, ...(afterId === undefined ? {} : { afterId }) });
    out.push(...page.items);
    if (page.nextAfterId === null) return out;
    expect(page.items).toHaveLength(query.limit ?? 100);
    afterId = page.nextAfterId;
  }
  throw new Error('pagination did not end');
}

describe('listTracks over 10,000 tracks', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let store: Store;
  const all: { id: number; camera: string; startAtMs: number | null; endAtMs: number | null; sourceId: number; status: string }[] = [];

  beforeAll(() => {
    tmp = makeTempDir();
    store = openStore(path.join(tmp.dir, 'store.db'));
    for (let s = 0; s < SOURCES; s++) {
      const camera = `cam-${s % 4}`;
      // Source 19 has no known recording time: it never matches a time window.
      const recordedAtMs = s === SOURCES - 1 ? null : T0 + s * HOUR_MS;
      const src = store.upsertSource({ path: `/nvr/${camera}/${s}.mp4`, sizeBytes: 1, mtimeMs: 1, camera, recordedAtMs });
      const tracks = Array.from({ length: TRACKS_PER_SOURCE }, (_, k) => lightTrack(k));
      const { trackIds } = store.replaceSourceResults(src.id, { tracks });
      trackIds.forEach((id, k) =>
        all.push({
          id, camera, sourceId: src.id, status: k % 7 === 0 ? 'rejected' : 'ok',
          startAtMs: recordedAtMs === null ? null : recordedAtMs + k * 1000,
          endAtMs: recordedAtMs === null ? null : recordedAtMs + k * 1000 + 400,
        }),
      );
    }
  });
  afterAll(() => {
    store.close();
    tmp.cleanup();
  });

  it('returns every track exactly once, in id order, page by page', () => {
    const got = collect(store, { limit: 1000 });
    expect(got).toHaveLength(SOURCES * TRACKS_PER_SOURCE);
    expect(got.map((t) => t.id)).toEqual(all.map((t) => t.id).sort((x, y) => x - y));
    // A page size that does not divide the total.
    const odd = collect(store, { limit: 333 });
    expect(new Set(odd.map((t) => t.id)).size).toBe(10_000);
    expect(odd).toHaveLength(10_000);
  });

  it('filters by camera, source, status and wall-clock window, exactly like a brute-force scan', () => {
    const ids = (xs: { id: number }[]): number[] => xs.map((t) => t.id);
    expect(ids(collect(store, { camera: 'cam-2', limit: 250 }))).toEqual(ids(all.filter((t) => t.camera === 'cam-2')));
    expect(ids(collect(store, { sourceId: 5 }))).toEqual(ids(all.filter((t) => t.sourceId === 5)));
    expect(ids(collect(store, { status: 'rejected', camera: 'cam-1', limit: 1000 }))).toEqual(
      ids(all.filter((t) => t.status === 'rejected' && t.camera === 'cam-1')),
    );
    // A window straddling the boundary between source 3's and source 4's hour.
    const fromMs = T0 + 3 * HOUR_MS + 400_200; // source 3: tracks k >= 400 end at or after it
    const toMs = T0 + 4 * HOUR_MS + 120_000;
    const window = all.filter((t) => t.startAtMs !== null && t.endAtMs !== null && t.endAtMs >= fromMs && t.startAtMs <= toMs);
    expect(window.length).toBeGreaterThan(100);
    const got = collect(store, { fromMs, toMs, limit: 50 });
    expect(ids(got)).toEqual(ids(window));
    expect(got[0]?.camera).toBe('cam-3');
    expect(got.every((t) => t.startAtMs !== null && (t.endAtMs as number) >= fromMs && (t.startAtMs as number) <= toMs)).toBe(true);
    expect(ids(collect(store, { fromMs, toMs, camera: 'cam-0' }))).toEqual(ids(window.filter((t) => t.camera === 'cam-0')));
    expect(() => store.listTracks({ fromMs: 10, toMs: 5 })).toThrow('listTracks.query.toMs: expected >= query.fromMs (10), received 5');
    expect(() => store.listTracks({ camera: 'cam-1', cameraName: 'x' } as never)).toThrow(
      'listTracks.query: unknown key "cameraName"; valid keys: sourceId, camera, fromMs, toMs, status, afterId, limit',
    );
  });

  it('iterateTracks yields exactly the tracks listTracks pages through, with the same filters and cursor', () => {
    const ids = (xs: Iterable<{ id: number }>): number[] => Array.from(xs, (t) => t.id);
    expect(ids(store.iterateTracks({ limit: 333 }))).toEqual(ids(collect(store, { limit: 1000 })));
    expect(ids(store.iterateTracks({ status: 'rejected', camera: 'cam-1', limit: 7 }))).toEqual(
      ids(all.filter((t) => t.status === 'rejected' && t.camera === 'cam-1')),
    );
    const start = all[4321]!.id;
    expect(ids(store.iterateTracks({ sourceId: all[4321]!.sourceId, afterId: start }))).toEqual(
      ids(all.filter((t) => t.sourceId === all[4321]!.sourceId && t.id > start)),
    );
    expect(ids(store.iterateTracks({ camera: 'no-such-camera' }))).toEqual([]);
    // Checked at the call, before anything is read.
    expect(() => store.iterateTracks({ fromMs: 10, toMs: 5 })).toThrow('iterateTracks.query.toMs: expected >= query.fromMs (10), received 5');
    expect(() => store.iterateTracks({ limit: 0 })).toThrow(/^iterateTracks.query.limit: expected .*received 0$/);
  });
});

describe('iterateTracks while the store changes', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  it('reads one page at a time: sees tracks written after it started, and stops with a StoreError when the store is closed', () => {
    const store = openStore(path.join(tmp.dir, 'store.db'));
    const a = store.upsertSource({ path: '/a.mp4', sizeBytes: 1, mtimeMs: 1 });
    store.replaceSourceResults(a.id, { tracks: [0, 1, 2, 3, 4].map(lightTrack) });
    const it = store.iterateTracks({ limit: 2 });
    const first = it.next();
    expect(first.done).toBe(false);
    const b = store.upsertSource({ path: '/b.mp4', sizeBytes: 1, mtimeMs: 1 });
    const added = store.replaceSourceResults(b.id, { tracks: [0, 1].map(lightTrack) }).trackIds;
    const rest = Array.from({ length: 6 }, () => it.next()).filter((r) => r.done !== true).map((r) => (r.value as TrackListItem).id);
    expect(rest.slice(-2)).toEqual([...added]);
    expect(rest).toHaveLength(6);

    const again = store.iterateTracks({ limit: 2 });
    again.next();
    again.next();
    store.close();
    expect(() => again.next()).toThrow(/^iterateTracks: the store is closed/);
  });
});
