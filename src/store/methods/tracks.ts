/**
 * Store methods that read tracks and what hangs under them: detections, crops (face images),
 * embeddings, F_M and SR outputs. Tracks are written only by replaceSourceResults (source-results.ts).
 */
import {
  toCropRow,
  toDetectionRow,
  toEmbeddingRow,
  toFusedRow,
  toSrOutputRow,
  toTrackListItem,
  type CropRaw,
  type DetectionRaw,
  type EmbeddingRaw,
  type FusedRaw,
  type SrOutputRaw,
  type TrackListRaw,
} from '../row-mappers';
import { TRACK_STATUSES, type CropRow, type ListTracksQuery, type Page, type TrackDetail, type TrackListItem } from '../store';
import type { StoreCore } from '../store-core';
import { ArgCheck } from '../validate';
import { iteratePages, pageCursor, readPage, type PageCursor, type PagedQuery } from './list-page';

const LIST_TRACKS_KEYS = ['sourceId', 'camera', 'fromMs', 'toMs', 'status', 'afterId', 'limit'] as const;

const TRACK_LIST_SELECT = `
  SELECT t.*, s.path AS source_path, s.camera AS camera,
         s.recorded_at_ms + t.first_pts_ms AS start_at_ms,
         s.recorded_at_ms + t.last_pts_ms AS end_at_ms
  FROM tracks t JOIN sources s ON s.id = t.source_id`;

/** @throws StoreError "no track with id" when there is none. */
export function requireTrack(core: StoreCore, where: string, trackId: number): void {
  core.rowById<{ id: number }>(where, 'SELECT id FROM tracks WHERE id = ?', trackId, 'track', 'trackId');
}

/** Checks a ListTracksQuery (in the order its errors have always been reported) into a paged query and its first cursor. */
function trackQuery(where: string, query: ListTracksQuery | undefined): { readonly paged: PagedQuery; readonly cursor: PageCursor } {
  const a: ArgCheck = new ArgCheck(where);
  const q = a.optionalObject('query', query, LIST_TRACKS_KEYS);
  const cursor = pageCursor(a, q);
  const sourceId = q.sourceId === undefined ? undefined : a.id('query.sourceId', q.sourceId);
  const camera = q.camera === undefined ? undefined : a.string('query.camera', q.camera, 256);
  const status = q.status === undefined ? undefined : a.oneOf('query.status', q.status, TRACK_STATUSES);
  const fromMs = q.fromMs === undefined ? undefined : a.number('query.fromMs', q.fromMs);
  const toMs = q.toMs === undefined ? undefined : a.number('query.toMs', q.toMs);
  if (fromMs !== undefined && toMs !== undefined && toMs < fromMs) a.fail('query.toMs', `>= query.fromMs (${String(fromMs)})`, toMs);
  const filters = {
    sourceId: ['t.source_id = @sourceId', sourceId],
    camera: ['s.camera = @camera', camera],
    status: ['t.status = @status', status],
    fromMs: ['s.recorded_at_ms + t.last_pts_ms >= @fromMs', fromMs],
    toMs: ['s.recorded_at_ms + t.first_pts_ms <= @toMs', toMs],
  } as const;
  return { paged: { select: TRACK_LIST_SELECT, idColumn: 't.id', filters }, cursor };
}

export function listTracks(core: StoreCore, query?: ListTracksQuery): Page<TrackListItem> {
  const where = 'listTracks';
  const { paged, cursor } = trackQuery(where, query);
  return readPage(core, where, paged, cursor, toTrackListItem);
}

/**
 * Every track `query` selects after `query.afterId`, in id order, read `query.limit` at a time.
 * The query is checked now; each page is one read, so tracks written while the caller iterates
 * are seen when their id is larger than the last one returned.
 */
export function iterateTracks(core: StoreCore, query?: ListTracksQuery): IterableIterator<TrackListItem> {
  const where = 'iterateTracks';
  const { paged, cursor } = trackQuery(where, query);
  return iteratePages(core, where, paged, cursor, toTrackListItem);
}

export function getTrack(core: StoreCore, trackId: number): TrackDetail {
  const where = 'getTrack';
  const id = new ArgCheck(where).id('trackId', trackId);
  return core.guard(where, () =>
    core.read(() => {
      const raw = core.rowById<TrackListRaw>(where, `${TRACK_LIST_SELECT} WHERE t.id = ?`, id, 'track', 'trackId');
      const detections = core.db
        .prepare<[number], DetectionRaw>('SELECT * FROM detections WHERE track_id = ? ORDER BY frame_index')
        .all(id)
        .map(toDetectionRow);
      const crops = core.db
        .prepare<[number], CropRaw>('SELECT c.* FROM crops c JOIN detections d ON d.id = c.detection_id WHERE d.track_id = ? ORDER BY d.frame_index, c.id')
        .all(id)
        .map(toCropRow);
      const embeddings = core.db
        .prepare<[number], EmbeddingRaw>(
          'SELECT e.* FROM embeddings e JOIN detections d ON d.id = e.detection_id WHERE d.track_id = ? ORDER BY d.frame_index, e.id',
        )
        .all(id)
        .map(toEmbeddingRow);
      const fused = core.db.prepare<[number], FusedRaw>('SELECT * FROM fused_identities WHERE track_id = ? ORDER BY id').all(id).map(toFusedRow);
      const srOutputs = core.db.prepare<[number], SrOutputRaw>('SELECT * FROM sr_outputs WHERE track_id = ? ORDER BY id').all(id).map(toSrOutputRow);
      return Object.freeze({
        track: toTrackListItem(raw),
        detections: Object.freeze(detections),
        crops: Object.freeze(crops),
        embeddings: Object.freeze(embeddings),
        fused: Object.freeze(fused),
        srOutputs: Object.freeze(srOutputs),
      });
    }),
  );
}

export function getTrackItem(core: StoreCore, trackId: number): TrackListItem {
  const where = 'getTrackItem';
  const id = new ArgCheck(where).id('trackId', trackId);
  return core.guard(where, () => toTrackListItem(core.rowById<TrackListRaw>(where, `${TRACK_LIST_SELECT} WHERE t.id = ?`, id, 'track', 'trackId')));
}

export function getCrop(core: StoreCore, cropId: number): CropRow {
  const where = 'getCrop';
  const id = new ArgCheck(where).id('cropId', cropId);
  return core.guard(where, () => toCropRow(core.rowById<CropRaw>(where, 'SELECT * FROM crops WHERE id = ?', id, 'crop', 'cropId')));
}

export function listDetectionCrops(core: StoreCore, detectionId: number): readonly CropRow[] {
  const where = 'listDetectionCrops';
  const id = new ArgCheck(where).id('detectionId', detectionId);
  return core.guard(where, () => {
    core.rowById<{ id: number }>(where, 'SELECT id FROM detections WHERE id = ?', id, 'detection', 'detectionId');
    return Object.freeze(core.db.prepare<[number], CropRaw>('SELECT * FROM crops WHERE detection_id = ? ORDER BY id').all(id).map(toCropRow));
  });
}
