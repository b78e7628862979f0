/**
 * The one writer of a source's results: its tracks with their detections, crops, embeddings and
 * F_M, replaced as a whole in one transaction.
 */
import { planSourceResults } from '../results-plan';
import type { ReplaceSourceResultsOptions, ReplaceSourceResultsReport, SourceResultsInput } from '../store';
import type { StoreCore } from '../store-core';
import { ArgCheck } from '../validate';
import { float32ToBlob } from '../vector-blob';
import { requireRun } from './runs';
import { setSourceDone, sourceRaw } from './sources';

const REPLACE_OPTION_KEYS = ['markDone'] as const;

export function replaceSourceResults(core: StoreCore, sourceId: number, results: SourceResultsInput, opts?: ReplaceSourceResultsOptions): ReplaceSourceResultsReport {
  const where = 'replaceSourceResults';
  const a: ArgCheck = new ArgCheck(where);
  const id = a.id('sourceId', sourceId);
  const plan = planSourceResults(a, results);
  const o = a.optionalObject('opts', opts, REPLACE_OPTION_KEYS);
  const markDone = o.markDone === undefined ? false : o.markDone;
  if (typeof markDone !== 'boolean') a.fail('opts.markDone', 'a boolean', markDone);

  return core.guard(where, () =>
    core.write(() => {
      sourceRaw(core, where, id);
      requireRun(core, where, plan.runId);
      const now = core.clock();
      const deletedTrackCount = core.db.prepare('DELETE FROM tracks WHERE source_id = ?').run(id).changes;
      const insTrack = core.db.prepare(
        `INSERT INTO tracks (source_id, run_id, track_key, first_frame_index, last_frame_index, first_pts_ms, last_pts_ms,
           lr0_detection_id, detection_count, crop_count, embedding_count, best_quality, status, reject_reason, parts_json, created_at_ms)
         VALUES (@source_id, @run_id, @track_key, @first_frame_index, @last_frame_index, @first_pts_ms, @last_pts_ms,
           NULL, @detection_count, @crop_count, @embedding_count, @best_quality, @status, @reject_reason, @parts_json, @now)`,
      );
      const insDet = core.db.prepare(
        `INSERT INTO detections (track_id, frame_index, pts_ms, bbox_x_px, bbox_y_px, bbox_w_px, bbox_h_px, score, landmarks_json,
           yaw_deg, pitch_deg, roll_deg, quality, sharpness, frontalness)
         VALUES (@track_id, @frame_index, @pts_ms, @x, @y, @w, @h, @score, @landmarks_json,
           @yaw_deg, @pitch_deg, @roll_deg, @quality, @sharpness, @frontalness)`,
      );
      const insCrop = core.db.prepare(
        'INSERT INTO crops (detection_id, kind, width_px, height_px, format, image) VALUES (?, ?, ?, ?, ?, ?)',
      );
      const insEmb = core.db.prepare('INSERT INTO embeddings (detection_id, crop_id, model_id, dim, vector) VALUES (?, ?, ?, ?, ?)');
      const insFused = core.db.prepare(
        `INSERT INTO fused_identities (track_id, model_id, method, dim, vector, member_embedding_ids_json, rejected_embedding_ids_json)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      const setLr0 = core.db.prepare('UPDATE tracks SET lr0_detection_id = ? WHERE id = ?');

      const trackIds: number[] = [];
      let detectionCount = 0;
      let cropCount = 0;
      let embeddingCount = 0;
      let fusedCount = 0;
      for (const t of plan.tracks) {
        const trackId = Number(
          insTrack.run({
            source_id: id, run_id: plan.runId, track_key: t.trackKey, first_frame_index: t.firstFrameIndex,
            last_frame_index: t.lastFrameIndex, first_pts_ms: t.firstPtsMs, last_pts_ms: t.lastPtsMs,
            detection_count: t.detections.length, crop_count: t.cropCount, embedding_count: t.embeddingCount,
            best_quality: t.bestQuality, status: t.status, reject_reason: t.rejectReason, parts_json: t.partsJson, now,
          }).lastInsertRowid,
        );
        trackIds.push(trackId);
        const embeddingIdsByModel = new Map<string, number[]>();
        let lr0DetectionId = 0;
        t.detections.forEach((dp, i) => {
          const d = dp.detection;
          const detectionId = Number(
            insDet.run({
              track_id: trackId, frame_index: d.frameIndex, pts_ms: d.ptsMs,
              x: d.bboxXYWH[0], y: d.bboxXYWH[1], w: d.bboxXYWH[2], h: d.bboxXYWH[3], score: d.score,
              landmarks_json: dp.landmarksJson, yaw_deg: d.yawDeg, pitch_deg: d.pitchDeg, roll_deg: d.rollDeg,
              quality: d.quality, sharpness: d.sharpness, frontalness: d.frontalness,
            }).lastInsertRowid,
          );
          if (i === t.lr0Index) lr0DetectionId = detectionId;
          const cropIds = new Map<string, number>();
          for (const c of dp.crops) {
            cropIds.set(c.kind, Number(insCrop.run(detectionId, c.kind, c.widthPx, c.heightPx, c.format, c.image).lastInsertRowid));
          }
          for (const e of dp.embeddings) {
            const cropId = e.cropKind === null ? null : (cropIds.get(e.cropKind) ?? null);
            const embId = Number(insEmb.run(detectionId, cropId, e.modelId, e.vector.length, float32ToBlob(e.vector)).lastInsertRowid);
            const list = embeddingIdsByModel.get(e.modelId) ?? [];
            list.push(embId);
            embeddingIdsByModel.set(e.modelId, list);
          }
          detectionCount += 1;
          cropCount += dp.crops.length;
          embeddingCount += dp.embeddings.length;
        });
        setLr0.run(lr0DetectionId, trackId);
        for (const f of t.fused) {
          // stored as a FusedIdentityRow: the embedder id in model_id (as in every store row), member indices as embedding row ids
          const ids = embeddingIdsByModel.get(f.embedderId) ?? [];
          const toIds = (indices: readonly number[]): number[] => indices.map((i) => ids[i] as number);
          insFused.run(
            trackId, f.embedderId, f.method, f.featureVector.length, float32ToBlob(f.featureVector),
            JSON.stringify(toIds(f.memberIndices)), JSON.stringify(toIds(f.rejectedIndices)),
          );
          fusedCount += 1;
        }
      }
      if (markDone) setSourceDone(core, where, id);
      return Object.freeze({ trackIds: Object.freeze(trackIds), deletedTrackCount, detectionCount, cropCount, embeddingCount, fusedCount });
    }),
  );
}
