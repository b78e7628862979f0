import type { FfmpegBinaries, SourceProbe } from '../src/ingest';
import { InputError } from '../src/contracts';
import { hashFile, probeSource } from '../src/ingest';
import type { JsonValue, SourceProbeInput, SourceRow, Store } from '../src/store';

/** Size, mtime and content hash as the store keys a source. */
interface StoredFingerprint {
  readonly sizeBytes: number;
  /**
   * Unix epoch ms, floored to an integer: the key every writer of sources uses (pipelines/batch's
   * source step floors hashFile's fractional mtime the same way), so a re-run finds the same row.
   */
  readonly mtimeMs: number;
  readonly sha256: string;
}

/**
 * hashFile (src/ingest: one streamed pass, size/mtime from the open descriptor, 'changed while
 * hashing' detected) plus the pipeline's own rule: an empty file is not a video.
 * @throws InputError with `path` and `reason`.
 */
async function fingerprint(filePath: string): Promise<StoredFingerprint> {
  let fp;
  try {
    fp = await hashFile(filePath);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    // The reasons as the pipeline has always stored them (docs/pipeline.md, "Failure policy").
    const reason = typeof err.context['reason'] === 'string' ? err.context['reason'] : 'unreadable';
    if (reason === 'not found') throw new InputError(`${filePath}: no such file`, { path: filePath, reason: 'missing' });
    if (reason === 'not a regular file') throw new InputError(`${filePath}: not a regular file (a video file was expected)`, { path: filePath, reason: 'not a file' });
    throw new InputError(`${filePath}: ${reason}`, { path: filePath, reason });
  }
  if (fp.sizeBytes === 0) throw new InputError(`${filePath}: the file is empty (0 bytes)`, { path: filePath, reason: 'empty' });
  return { sizeBytes: fp.sizeBytes, mtimeMs: Math.floor(fp.mtimeMs), sha256: fp.sha256 };
}

/** What {@link registerSource} recorded. */
export interface RegisteredSource {
  /** The source row, now `running`. */
  readonly source: SourceRow;
  /** ffprobe's view of the file; null when it could not be read or probed. */
  readonly probe: SourceProbe | null;
  /** The first error met (fingerprint or probe), returned rather than thrown; null when none. */
  readonly problem: unknown;
}

function probeInput(probe: SourceProbe): SourceProbeInput {
  return {
    probe: JSON.parse(JSON.stringify(probe)) as JsonValue,
    durationMs: probe.durationMs,
    codec: probe.codecName,
    widthPx: probe.width,
    heightPx: probe.height,
    fps: probe.avgFrameRate ?? probe.realFrameRate,
    rotationDeg: probe.rotationDeg,
  };
}

/**
 * The first step of a source, done by whoever owns the store (in-process run or queue
 * coordinator): fingerprint (size, mtime, sha256) and ffprobe the file, upsert the source with
 * them, and mark it running. A file that cannot be read keeps what was recorded of it (or is
 * registered with size and mtime 0, "nothing could be read", docs/pipeline.md); the error is
 * returned in `problem` for the caller to record.
 * @param storePath the absolute path the store keys the source by.
 * @throws StoreError when the store refuses the source.
 */
export async function registerSource(
  store: Store,
  storePath: string,
  filePath: string,
  binaries: FfmpegBinaries,
  runId: number | null,
  /** ffprobe's watchdog, ms (ProcessDecodeConfig.stallTimeoutMs); default probeSource's 30000. */
  probeTimeoutMs?: number,
): Promise<RegisteredSource> {
  let fp: StoredFingerprint | null = null;
  let probe: SourceProbe | null = null;
  let problem: unknown = null;
  try {
    fp = await fingerprint(filePath);
    probe = await probeSource(filePath, binaries, probeTimeoutMs !== undefined ? { timeoutMs: probeTimeoutMs } : {});
  } catch (err) {
    problem = err;
  }
  let source: SourceRow;
  const known = store.findSourceByPath(storePath);
  if (fp !== null) {
    source = store.upsertSource({ path: storePath, sizeBytes: fp.sizeBytes, mtimeMs: fp.mtimeMs, sha256: fp.sha256, ...(probe !== null ? { probe: probeInput(probe) } : {}) });
  } else if (known !== undefined) {
    source = known; // cannot read the file now: keep what was recorded of it
  } else {
    // Never readable: the store needs a size and an mtime; 0/0 says "nothing could be read" (docs/pipeline.md).
    source = store.upsertSource({ path: storePath, sizeBytes: 0, mtimeMs: 0, sha256: null });
  }
  source = store.markSourceRunning(source.id, { runId });
  return { source, probe, problem };
}
