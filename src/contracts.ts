/**
 * The few types that cross stage boundaries (ingest → track → fuse → sr → store) and the
 * project's error classes. Nothing else is shared implicitly between stages.
 */

/** One decoded video frame, RGB 8-bit interleaved (HWC). */
export interface Frame {
  /** Store id of the source the frame came from. */
  readonly sourceId: number;
  /** 0-based index of the frame among the frames emitted for this source (after fps sampling). */
  readonly index: number;
  /**
   * Presentation time of the frame in ms, in the stream's own timeline (ffprobe's pts_time x 1000):
   * a file whose first frame is stamped 852 ms starts at 852, not 0. Real pts, so variable frame rate stays right.
   */
  readonly ptsMs: number;
  readonly width: number;
  readonly height: number;
  /** width*height*3 bytes, row-major RGB. */
  readonly rgb: Uint8Array;
}

/**
 * Five facial points in pixel coordinates of the full-resolution frame. `leftEye` / `mouthLeft`
 * are the points on the IMAGE's left for an upright face (the subject's right eye / mouth corner):
 * the ArcFace / insightface 5-point order.
 */
export interface FaceLandmarks5 {
  readonly leftEye: readonly [number, number];
  readonly rightEye: readonly [number, number];
  readonly nose: readonly [number, number];
  readonly mouthLeft: readonly [number, number];
  readonly mouthRight: readonly [number, number];
}

/** A face found in one frame. Coordinates are in full-resolution frame pixels. */
export interface Detection {
  readonly frameIndex: number;
  readonly ptsMs: number;
  /** [x, y, width, height] in pixels. */
  readonly bboxXYWH: readonly [number, number, number, number];
  /** Detector confidence in [0, 1]. */
  readonly score: number;
  readonly landmarks: FaceLandmarks5;
  /** Head angles in degrees (0 = frontal). */
  readonly yawDeg: number;
  readonly pitchDeg: number;
  readonly rollDeg: number;
}

/** A detection with the quality figures the tracker and the LR_0 choice use. */
export interface ScoredDetection extends Detection {
  /** Combined quality in [0, 1]; higher is better (see src/track/quality). */
  readonly quality: number;
  /** Variance of the Laplacian of the grey face crop (sharpness). */
  readonly sharpness: number;
  /** Frontalness in [0, 1] from the head angles. */
  readonly frontalness: number;
}

/** An aligned face crop, RGB 8-bit HWC. */
export interface FaceCrop {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

/** A person track: the detections of one face over time. */
export interface Track {
  /** Tracker-local id, unique within a source. */
  readonly trackKey: number;
  readonly sourceId: number;
  readonly detections: readonly ScoredDetection[];
  /** Index into `detections` of the LR_0 reference (the best quality). */
  readonly lr0Index: number;
}

/**
 * The crop kind (crops.kind in the store) of LR_0 as the SR model takes it: the LR_0 detection's
 * aligned crop degraded like the authors (down by lrScale, bicubic up). Written by the process
 * pipeline, read by the SR step, the export and the review UI.
 */
export const LR0_MODEL_CROP_KIND = 'lr0-model';

/** The fused identity descriptor F_M of a track. */
export interface FusedIdentity {
  /** F_M, the fused descriptor. */
  readonly featureVector: Float32Array;
  /** Embedder id that produced the member embeddings. */
  readonly embedderId: string;
  /** Fusion method, e.g. "mean", "mean-3sigma", "quality-weighted". */
  readonly method: string;
  /** Indices of the member embeddings used (the others were rejected as outliers). */
  readonly memberIndices: readonly number[];
  readonly rejectedIndices: readonly number[];
}

/** What the SR stage needs for one face. */
export interface SrRequest {
  /** LR_0 brought to the model resolution (degraded and bicubic-upsampled), RGB in [0,1], HWC. */
  readonly lrImageHWC: Float32Array;
  readonly size: number;
  /** F_M, or null for the feature-free ablation (zero vector). */
  readonly featureVector: Float32Array | null;
  readonly seed: number;
}

/** The SR stage's output for one face. */
export interface SrResult {
  /** RGB in [0,1], HWC, size x size. */
  readonly imageHWC: Float32Array;
  readonly size: number;
  readonly modelId: string;
  readonly modelSha256: string;
  readonly sampler: string;
  readonly steps: number;
  readonly networkEvaluations: number;
  readonly seed: number;
  readonly elapsedMs: number;
}

/** Base class of every error the project throws on purpose. */
export class FasrError extends Error {
  readonly code: string;
  readonly context: Readonly<Record<string, unknown>>;
  constructor(code: string, message: string, context: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.context = Object.freeze({ ...context });
  }
}

/** Bad user input: a path, an option, a file's content. */
export class InputError extends FasrError {
  constructor(message: string, context: { path?: string; option?: string; reason?: string } & Record<string, unknown> = {}) {
    super('E_INPUT', message, context);
  }
}

/** Invalid configuration (schema validation failures, unknown keys). */
export class ConfigError extends FasrError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('E_CONFIG', message, context);
  }
}

/** An ffmpeg / ffprobe process failed. */
export class FfmpegError extends FasrError {
  readonly exitCode: number | null;
  readonly stderrTail: string;
  constructor(message: string, exitCode: number | null, stderrTail: string, context: Record<string, unknown> = {}) {
    super('E_FFMPEG', message, { ...context, exitCode, stderrTail });
    this.exitCode = exitCode;
    this.stderrTail = stderrTail;
  }
}

/** A checkpoint or model file could not be read or does not match the model. */
export class CheckpointError extends FasrError {
  constructor(message: string, context: { path?: string; tensor?: string; expected?: unknown; actual?: unknown } & Record<string, unknown> = {}) {
    super('E_CHECKPOINT', message, context);
  }
}

/** The store rejected an operation (bad arguments, missing rows, constraint violations). */
export class StoreError extends FasrError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('E_STORE', message, context);
  }
}

/** A compute backend could not be initialised. */
export class BackendError extends FasrError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('E_BACKEND', message, context);
  }
}
