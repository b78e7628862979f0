import * as path from 'node:path';
import type { SourceOutcome } from '..';
import { hashFile } from '../../src/ingest';
import type { Store } from '../../src/store';
import type { SourceProcessor } from './source-processor';

/** A file to take as a source, with what its folder layout says. */
export interface SourceCandidate {
  /** The video file (made absolute: the store keys sources by absolute path). */
  readonly path: string;
  /** Camera name from the recorder layout; null when unknown. */
  readonly camera: string | null;
  /** Recording start from the layout, Unix epoch ms (UTC layouts only); null when unknown. */
  readonly recordedAtMs: number | null;
}

/** What happened to one candidate. */
export type SourceStepResult =
  | {
      readonly kind: 'skipped';
      readonly path: string;
      /** The done source whose results stand for this file: itself, or another path with the same content. */
      readonly doneSourceId: number;
      readonly doneSourcePath: string;
      readonly sha256: string;
      /** One line for people. */
      readonly reason: string;
    }
  | { readonly kind: 'processed'; readonly path: string; readonly outcome: SourceOutcome };

/** Options of {@link runSourceStep}. */
export interface SourceStepOptions {
  /** Redo a source even when a done source has the same content. */
  readonly force: boolean;
  /** Store id of the current run. */
  readonly runId: number;
}

/**
 * One source of a batch or a watch, crash-safe and idempotent:
 * 1. hash the file (sha256, streamed); 2. unless `force`, skip it when a `done` source has that
 * hash (the same path unchanged, or a copy under another path: its results stay with that row);
 * 3. record camera and recording time from the layout (`upsertSource`, same fingerprint as the
 * processor writes, so the status is not reset); 4. run the processor, which marks the source
 * running, computes, and writes all results with `done` in ONE transaction (or records `failed`
 * with the reason).
 *
 * After a crash at any point the source is `pending` or `running` with either its previous
 * results or none, never a mix: the next run does not find it `done` and redoes it.
 * A file that cannot be hashed (missing, unreadable, changing) goes straight to the processor,
 * which records the failure with its reason.
 */
export async function runSourceStep(store: Store, candidate: SourceCandidate, processor: SourceProcessor, opts: SourceStepOptions): Promise<SourceStepResult> {
  const filePath = path.resolve(candidate.path);
  let fp: { sha256: string; sizeBytes: number; mtimeMs: number } | null = null;
  try {
    fp = await hashFile(filePath);
  } catch {
    fp = null; // the processor fingerprints again and records the reason
  }
  if (fp !== null && fp.sizeBytes > 0) {
    if (!opts.force) {
      const done = store.findSourcesBySha256(fp.sha256).filter((s) => s.status === 'done');
      const same = done.find((s) => s.path === filePath) ?? done[0];
      if (same !== undefined) {
        const reason = same.path === filePath ? 'already done (same content hash)' : `same content as ${same.path} (already done)`;
        return { kind: 'skipped', path: filePath, doneSourceId: same.id, doneSourcePath: same.path, sha256: fp.sha256, reason };
      }
    }
    // The store takes camera names of 1-256 characters; a layout match is never empty, a longer one is cut.
    const camera = candidate.camera === null || candidate.camera.trim() === '' ? null : [...candidate.camera].slice(0, 256).join('');
    if (camera !== null || candidate.recordedAtMs !== null) {
      // processSource keys by the same path with the floored mtime it computes; matching it keeps the status.
      store.upsertSource({
        path: filePath,
        sizeBytes: fp.sizeBytes,
        mtimeMs: Math.floor(fp.mtimeMs),
        sha256: fp.sha256,
        ...(camera !== null ? { camera } : {}),
        ...(candidate.recordedAtMs !== null ? { recordedAtMs: candidate.recordedAtMs } : {}),
      });
    }
  }
  const outcome = await processor(store, filePath, opts.runId);
  return { kind: 'processed', path: filePath, outcome };
}
