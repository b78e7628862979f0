/** Store methods of the `sr_outputs` table: enhanced faces (or native crops kept instead), one per track and SR request (model, sampler, steps, seed, ...). */
import { StoreError } from '../../contracts';
import { MAX_IMAGE_SIDE_PX, pngSizePx } from '../image-bytes';
import { toSrOutputRow, type SrOutputRaw } from '../row-mappers';
import { SR_OUTPUT_METHODS, type InsertSrOutputResult, type SrOutputInput, type SrOutputRow } from '../store';
import type { StoreCore } from '../store-core';
import { ArgCheck } from '../validate';
import { requireRun } from './runs';
import { requireTrack } from './tracks';

const SR_KEYS = [
  'trackId', 'runId', 'method', 'keptNative', 'modelId', 'modelSha256', 'sampler', 'steps', 'networkEvaluations', 'seed', 'conditioning',
  'engine', 'backend', 'png', 'widthPx', 'heightPx', 'timingsMs',
] as const;

export function insertSrOutput(core: StoreCore, input: SrOutputInput): InsertSrOutputResult {
  const where = 'insertSrOutput';
  const a: ArgCheck = new ArgCheck(where);
  const o = a.object('input', input, SR_KEYS);
  const trackId = a.id('input.trackId', o.trackId);
  const runId = o.runId === undefined || o.runId === null ? null : a.id('input.runId', o.runId);
  const widthPx = a.int('input.widthPx', o.widthPx, 1, MAX_IMAGE_SIDE_PX);
  const heightPx = a.int('input.heightPx', o.heightPx, 1, MAX_IMAGE_SIDE_PX);
  const png = a.bytes('input.png', o.png);
  const size = pngSizePx(png);
  if (size === null) a.fail('input.png', 'a PNG file', png);
  if (size.widthPx !== widthPx || size.heightPx !== heightPx) {
    a.fail('input.png', `a ${widthPx}x${heightPx} PNG (input.widthPx x input.heightPx)`, `${size.widthPx}x${size.heightPx} PNG`);
  }
  const method = o.method === undefined ? 'synthesized' : a.oneOf('input.method', o.method, SR_OUTPUT_METHODS);
  const kept = method === 'kept-native';
  // A kept-native output ran no sampler and no network, and says why; a synthesized one did, and has no such reason.
  let keptNative: { reason: string; nativeSidePx: number } | null = null;
  if (kept) {
    const k = a.object('input.keptNative', o.keptNative, ['reason', 'nativeSidePx']);
    keptNative = { reason: a.string('input.keptNative.reason', k.reason, 256), nativeSidePx: a.int('input.keptNative.nativeSidePx', k.nativeSidePx, 1) };
  } else if (o.keptNative !== undefined && o.keptNative !== null) {
    a.fail('input.keptNative', "null or absent for method 'synthesized'", o.keptNative);
  }
  const timings = a.record('input.timingsMs', o.timingsMs);
  for (const [k, t] of Object.entries(timings)) a.number(`input.timingsMs.${k}`, t, 0);
  const row = {
    track_id: trackId,
    run_id: runId,
    model_id: a.string('input.modelId', o.modelId, 256),
    model_sha256: a.sha256('input.modelSha256', o.modelSha256),
    sampler: a.string('input.sampler', o.sampler, 256),
    method,
    kept_native_reason: keptNative?.reason ?? null,
    native_side_px: keptNative?.nativeSidePx ?? null,
    steps: kept ? a.int('input.steps', o.steps, 0, 0) : a.int('input.steps', o.steps, 1, 1_000_000),
    nfe: kept ? a.int('input.networkEvaluations', o.networkEvaluations, 0, 0) : a.int('input.networkEvaluations', o.networkEvaluations, 1, 10_000_000),
    seed: a.int('input.seed', o.seed, 0),
    conditioning: o.conditioning === undefined ? 'fm' : a.string('input.conditioning', o.conditioning, 64),
    engine: a.string('input.engine', o.engine, 64),
    backend: a.string('input.backend', o.backend, 64),
    image: png,
    width_px: widthPx,
    height_px: heightPx,
    timings_json: a.json('input.timingsMs', timings),
  };
  return core.guard(where, () =>
    core.write(() => {
      requireTrack(core, where, trackId);
      requireRun(core, where, runId);
      const inserted = core.db
        .prepare<[Record<string, unknown>], { id: number }>(
          `INSERT INTO sr_outputs (track_id, run_id, method, kept_native_reason, native_side_px, model_id, model_sha256, sampler, steps, nfe, seed,
             conditioning, engine, backend, image, width_px, height_px, timings_json, created_at_ms)
           VALUES (@track_id, @run_id, @method, @kept_native_reason, @native_side_px, @model_id, @model_sha256, @sampler, @steps, @nfe, @seed,
             @conditioning, @engine, @backend, @image, @width_px, @height_px, @timings_json, @now)
           ON CONFLICT (track_id, model_sha256, sampler, steps, seed, conditioning, engine, backend) DO NOTHING
           RETURNING id`,
        )
        .get({ ...row, now: core.clock() });
      if (inserted !== undefined) return Object.freeze({ id: inserted.id, inserted: true });
      const existing = core.db
        .prepare<[Record<string, unknown>], { id: number }>(
          'SELECT id FROM sr_outputs WHERE track_id = @track_id AND model_sha256 = @model_sha256 AND sampler = @sampler AND steps = @steps AND seed = @seed AND conditioning = @conditioning AND engine = @engine AND backend = @backend',
        )
        .get(row);
      if (existing === undefined) throw new StoreError(`${where}: insert was skipped but no conflicting row was found`);
      return Object.freeze({ id: existing.id, inserted: false });
    }),
  );
}

export function getSrOutput(core: StoreCore, srOutputId: number): SrOutputRow {
  const where = 'getSrOutput';
  const id = new ArgCheck(where).id('srOutputId', srOutputId);
  return core.guard(where, () => toSrOutputRow(core.rowById<SrOutputRaw>(where, 'SELECT * FROM sr_outputs WHERE id = ?', id, 'SR output', 'srOutputId')));
}

export function listSrOutputs(core: StoreCore, trackId: number): readonly SrOutputRow[] {
  const where = 'listSrOutputs';
  const id = new ArgCheck(where).id('trackId', trackId);
  return core.guard(where, () => {
    requireTrack(core, where, id);
    return Object.freeze(core.db.prepare<[number], SrOutputRaw>('SELECT * FROM sr_outputs WHERE track_id = ? ORDER BY id').all(id).map(toSrOutputRow));
  });
}
