/**
 * Store methods of the `fused_identities` table (F_M, one per track and embedder): the exact
 * cosine search over them, from an in-memory copy per embedder when it fits, else from SQLite.
 */
import { StoreError } from '../../contracts';
import type { FindSimilarQuery, SimilarTrack } from '../store';
import type { StoreCore } from '../store-core';
import { ArgCheck } from '../validate';
import { HOST_IS_LE, blobToFloat32 } from '../vector-blob';
import { MAX_PAGE } from './list-page';

const SIMILAR_KEYS = ['modelId', 'limit', 'minCosine', 'camera', 'excludeTrackId'] as const;

/** Largest F_M set findSimilarTracks keeps in memory per embedder (64 MiB: 16,384 tracks of dim 1024); larger sets are scanned in SQLite. */
const FUSED_CACHE_MAX_BYTES = 64 * 1024 * 1024;

interface FusedMatrix {
  readonly count: number;
  /** max(id) of the set when loaded. */
  readonly maxId: number;
  readonly fusedIds: Float64Array;
  readonly trackIds: Float64Array;
  /** count x dim, row-major. */
  readonly vectors: Float32Array;
}

/** In-memory F_M matrices of one connection, by (dim, embedder); owned by the SqliteStore, emptied on close. */
export type FusedMatrixCache = Map<string, FusedMatrix>;

export function findSimilarTracks(core: StoreCore, cache: FusedMatrixCache, vector: Float32Array, query: FindSimilarQuery): readonly SimilarTrack[] {
  const where = 'findSimilarTracks';
  const a: ArgCheck = new ArgCheck(where);
  const v = a.vector('vector', vector);
  const q = a.object('query', query, SIMILAR_KEYS);
  const modelId = a.string('query.modelId', q.modelId, 256);
  const limit = q.limit === undefined ? 10 : a.int('query.limit', q.limit, 1, MAX_PAGE);
  const minCosine = q.minCosine === undefined ? -1 : a.number('query.minCosine', q.minCosine, -1, 1);
  const camera = q.camera === undefined ? null : a.string('query.camera', q.camera, 256);
  const exclude = q.excludeTrackId === undefined ? 0 : a.id('query.excludeTrackId', q.excludeTrackId);
  let qq = 0;
  for (let i = 0; i < v.length; i++) qq += (v[i] as number) * (v[i] as number);
  if (qq === 0) a.fail('vector', 'a vector with a non-zero norm', v);
  const qNorm = Math.sqrt(qq);
  return core.guard(where, () => {
    const best: SimilarTrack[] = [];
    const consider = (trackId: number, fusedIdentityId: number, dot: number, nn: number): void => {
      if (nn === 0) return;
      // Clamp: rounding can land just outside [-1, 1] for (anti)parallel vectors.
      const cosine = Math.min(1, Math.max(-1, dot / (qNorm * Math.sqrt(nn))));
      if (cosine < minCosine) return;
      if (best.length === limit && cosine <= (best[best.length - 1] as SimilarTrack).cosine) return;
      let at = best.length;
      while (at > 0 && (best[at - 1] as SimilarTrack).cosine < cosine) at--;
      best.splice(at, 0, Object.freeze({ trackId, fusedIdentityId, cosine }));
      if (best.length > limit) best.pop();
    };
    // One read transaction: the cache's stamp and its rows come from the same snapshot.
    const cached = camera === null ? core.read(() => fusedMatrix(core, cache, modelId, v.length)) : null;
    if (cached !== null) {
      // The same arithmetic as the SQL scan below, over the in-memory copy.
      const dim = v.length;
      for (let r = 0; r < cached.fusedIds.length; r++) {
        const trackId = cached.trackIds[r] as number;
        if (trackId === exclude) continue;
        const off = r * dim;
        let dot = 0;
        let nn = 0;
        for (let i = 0; i < dim; i++) {
          const xi = cached.vectors[off + i] as number;
          dot += xi * (v[i] as number);
          nn += xi * xi;
        }
        consider(trackId, cached.fusedIds[r] as number, dot, nn);
      }
      return Object.freeze(best);
    }
    const sql = `SELECT f.id, f.track_id, f.vector FROM fused_identities f
      ${camera === null ? '' : 'JOIN tracks t ON t.id = f.track_id JOIN sources s ON s.id = t.source_id'}
      WHERE f.model_id = @modelId AND f.dim = @dim AND f.track_id <> @exclude ${camera === null ? '' : 'AND s.camera = @camera'}`;
    const stmt = core.db.prepare<[Record<string, unknown>], { id: number; track_id: number; vector: Buffer }>(sql);
    // One aligned scratch vector reused for every row: the blob's bytes are copied in (they may
    // sit at any offset) and read as float32 (the stored layout is little-endian, as is the host;
    // see vector-blob.ts).
    const scratch = new Float32Array(v.length);
    const scratchBytes = new Uint8Array(scratch.buffer);
    for (const r of stmt.iterate({ modelId, dim: v.length, exclude, camera })) {
      const x = HOST_IS_LE ? (scratchBytes.set(r.vector), scratch) : blobToFloat32(r.vector);
      let dot = 0;
      let nn = 0;
      for (let i = 0; i < v.length; i++) {
        const xi = x[i] as number;
        dot += xi * (v[i] as number);
        nn += xi * xi;
      }
      consider(r.track_id, r.id, dot, nn);
    }
    return Object.freeze(best);
  });
}

/**
 * The F_M of one embedder and dimension as one in-memory matrix (rows in id order), reloaded
 * when the set changes, or null when it would take more than FUSED_CACHE_MAX_BYTES (then the
 * caller scans SQLite). The set is identified by (count, max id): F_M rows are never updated in
 * place and ids are never reused (AUTOINCREMENT), so any insert raises max(id) and a delete
 * alone lowers the count — also when another connection wrote them. Call inside a read transaction.
 */
function fusedMatrix(core: StoreCore, cache: FusedMatrixCache, modelId: string, dim: number): FusedMatrix | null {
  const key = `${dim}:${modelId}`;
  const stamp = core.db
    .prepare<[string, number], { n: number; m: number | null }>('SELECT count(*) AS n, max(id) AS m FROM fused_identities WHERE model_id = ? AND dim = ?')
    .get(modelId, dim);
  const n = stamp?.n ?? 0;
  const maxId = stamp?.m ?? 0;
  const have = cache.get(key);
  if (have !== undefined && have.count === n && have.maxId === maxId) return have;
  cache.delete(key);
  if (n * dim * 4 > FUSED_CACHE_MAX_BYTES) return null;
  const fusedIds = new Float64Array(n);
  const trackIds = new Float64Array(n);
  const vectors = new Float32Array(n * dim);
  const bytes = new Uint8Array(vectors.buffer);
  let r = 0;
  const rows = core.db
    .prepare<[string, number], { id: number; track_id: number; vector: Buffer }>('SELECT id, track_id, vector FROM fused_identities WHERE model_id = ? AND dim = ? ORDER BY id')
    .iterate(modelId, dim);
  for (const row of rows) {
    fusedIds[r] = row.id;
    trackIds[r] = row.track_id;
    if (HOST_IS_LE) bytes.set(row.vector, r * dim * 4);
    else vectors.set(blobToFloat32(row.vector), r * dim);
    r++;
  }
  if (r !== n) throw new StoreError(`findSimilarTracks: read ${r} F_M rows where the same snapshot counted ${n}`);
  const matrix: FusedMatrix = { count: n, maxId, fusedIds, trackIds, vectors };
  cache.set(key, matrix);
  return matrix;
}
