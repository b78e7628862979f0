import { z } from 'zod';
import { ConfigError } from '../src/contracts';
import { EMBEDDER_NAMES, type EmbedderName } from '../src/fuse';
import { DAMAGE_POLICIES, FULL_FRAME_FORMATS, type DamagePolicy, type FullFrameFormat } from '../src/ingest';
import {
  parseFaceApiFaceDetectorConfig,
  parseHumanFaceDetectorConfig,
  type FaceApiFaceDetectorConfig,
  parseQualityConfig,
  parseTrackerConfig,
  type HumanFaceDetectorConfig,
  type QualityConfig,
  type TrackerConfig,
} from '../src/track';

/** How frames are sampled and decoded (src/ingest `DecodeOptions`, less the source id). */
export interface ProcessDecodeConfig {
  /**
   * Analysis rate, frames per second of video time, in (0, 240]. Default 5: CCTV is recorded at
   * 10–30 fps; 5 sightings a second keep the box motion between samples small enough for the
   * tracker's IoU gate while detection and embedding (the costly steps) run 2–6x less often.
   */
  readonly fps: number;
  /**
   * Width, px (integer >= 16), of the downscaled copy the detector sees; crops are cut from the
   * full-resolution frame. null: detect on the full frame. Default 640: Human's blazeface looks at
   * 256x256 and face-api's SSD at 512x512 (a 16:9 frame padded to a square) anyway, so a wider
   * analysis copy only costs upload time; faces that are too small at this width need
   * `detector.tileSizePx` (tiles of the analysis copy), not a wider copy.
   */
  readonly analysisMaxWidth: number | null;
  /** First presentation time to process, ms, >= 0 (stream timeline, as Frame.ptsMs). Default 0. */
  readonly startMs: number;
  /** Length of the range to process, ms, > 0; null: to the end. Default null. */
  readonly durationMs: number | null;
  /** Decoded frames held ahead of the pipeline, integer 1–64. Default 2. */
  readonly maxBufferedFrames: number;
  /** Damaged input: 'stop' keeps only frames from before the first error (default); 'continue' keeps what ffmpeg still decodes. */
  readonly onDamage: DamagePolicy;
  /**
   * Watchdog, ms, integer in [100, 3600000]: ffprobe not finished, or ffmpeg silent (no frame, no
   * output) while the pipeline waits, for this long → its process group is killed and the source
   * fails with reason 'stalled'; the run goes on (src/ingest `DecodeOptions.stallTimeoutMs`). Default 60000.
   */
  readonly stallTimeoutMs: number;
  /**
   * How ffmpeg hands over the full-resolution frame (src/ingest `DecodeOptions.fullFrameFormat`):
   * 'yuv420p' (default) or 'rgb24'. With 'yuv420p' ffmpeg writes the frame as it decoded it (1.5
   * bytes/px, no conversion of the whole frame) and only the regions a face crop reads are
   * converted to RGB, bit-exactly as ffmpeg's rgb24 conversion (docs/pipeline.md, "Full-resolution
   * frames as yuv420p"): the same crops, detections and tracks, less decode time on a gated night.
   * Applies only to yuv420p sources (limited range, BT.601/709) with an analysis copy; others decode
   * as rgb24 anyway. 'rgb24': ffmpeg converts every frame (the behaviour before).
   */
  readonly fullFrameFormat: FullFrameFormat;
}

/** The face detectors `processSource` can run, by name (docs/pipeline.md, "Detectors"). */
export const DETECTOR_NAMES = Object.freeze(['human', 'face-api-ssd', 'face-api-tiny'] as const);
export type DetectorName = (typeof DETECTOR_NAMES)[number];

/**
 * The detector section: `name` picks the implementation (default 'human'); the other keys are that
 * detector's settings, parsed by its own parser ('human': src/track `HumanFaceDetectorConfig`;
 * 'face-api-ssd' / 'face-api-tiny': `FaceApiFaceDetectorConfig` with `model` fixed by the name).
 */
export type ProcessDetectorConfig =
  | ({ readonly name: 'human' } & Readonly<HumanFaceDetectorConfig>)
  | ({ readonly name: 'face-api-ssd' | 'face-api-tiny' } & Readonly<FaceApiFaceDetectorConfig>);

/**
 * Named detector presets (`detectorPreset` of the process config). 'cctv': SSD MobileNet v1 with
 * minConfidence 0.15, for wide scenes with faces of 15–40 px (docs/pipeline.md, "Detectors").
 */
export const DETECTOR_PRESETS = Object.freeze({
  cctv: Object.freeze({ name: 'face-api-ssd', minConfidence: 0.15 }),
} as const);
export type DetectorPresetName = keyof typeof DETECTOR_PRESETS;

/** Splits `name` off a detector section and parses the rest with the named detector's parser. @throws ConfigError */
export function parseProcessDetectorConfig(input: unknown): ProcessDetectorConfig {
  const raw = input ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`expected an object, received ${JSON.stringify(raw)}`);
  const { name = 'human', ...rest } = raw as Record<string, unknown>;
  if (typeof name !== 'string' || !(DETECTOR_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError(`name: expected one of ${DETECTOR_NAMES.map((n) => `'${n}'`).join(', ')}, received ${JSON.stringify(name)}`);
  }
  if (name === 'human') return { name, ...parseHumanFaceDetectorConfig(rest) };
  const model = name === 'face-api-ssd' ? 'ssd' : 'tiny';
  // A parsed config carries the model its name implies (so a parsed config parses again, e.g. on a queue worker); any other is refused.
  if ('model' in rest && rest.model !== model) throw new ConfigError(`model: set by the detector name ('${name}' runs '${model}'), remove the key; received ${JSON.stringify(rest.model)}`);
  return { name: name as 'face-api-ssd' | 'face-api-tiny', ...parseFaceApiFaceDetectorConfig({ ...rest, model }) };
}

/** The canonical alignment and the model's LR_0 (docs/tracking.md, "Alignment" and "LR degradation"). */
export interface ProcessAlignConfig {
  /** Side of the aligned crop the SR model and the embedder see, px, integer 16–1024. Default 128 (the paper's HR size). */
  readonly modelSizePx: number;
  /**
   * Scale of FFHQ's quad (alignFace `quadScale`), in [0.25, 4]. Default 1: FFHQ framing, the
   * canonical one. The FASR authors' CelebA checkpoint was trained on crops framed ≈ 0.74 of it.
   */
  readonly quadScale: number;
  /** Down-scaling factor of the authors' degradation for the model's LR_0 (128 → 16 → 128), integer >= 1 dividing modelSizePx. Default 8. */
  readonly lrScale: number;
  /** Largest side of the full-resolution ('native') aligned export crop, px, integer 16–4096; bigger faces are shrunk to it. Default 512. */
  readonly exportMaxPx: number;
}

/** What is kept in memory and stored per track. */
export interface ProcessRetentionConfig {
  /**
   * Detections per track whose crops ('aligned', 'aligned-native') are kept and stored: the K best
   * by quality (earliest on ties, so LR_0 is always among them), integer 1–1000. Every detection
   * keeps its box, landmarks, angles, quality and embedding; only crops are capped, so memory per
   * track stays bounded whatever its length. Default 8.
   */
  readonly cropsPerTrack: number;
}

/**
 * Motion gating before detection (docs/pipeline.md, "Motion gate"): a frame goes to the detector
 * when something in the view changed since the last detected frame (grey thumbnails, src/ingest
 * `changedFraction`), when a track is alive (never gated then), or when the last detection is
 * `fullDetectionIntervalMs` old. A gated frame is tracked as a frame with no detection.
 */
export interface ProcessMotionGateConfig {
  /** Gate the detector on change. Default true; false: every analysed frame is detected. */
  readonly enabled: boolean;
  /** Width of the grey thumbnail compared, cells, integer 4–1024. Default 64 (10x10-px cells on the 640-px analysis copy). */
  readonly thumbnailWidthPx: number;
  /** Difference of a cell's mean luma (0–255) that counts as change, in (0, 255]. Default 8 (sensor noise averaged over a cell stays well below). */
  readonly minGreyDelta: number;
  /**
   * Fraction of the thumbnail's cells that must change for a frame to be detected, in (0, 1].
   * Default 0.001 (3 cells of 64x36: one 30-px region of the analysis copy).
   */
  readonly minChangedFraction: number;
  /**
   * Longest time without a detector pass, ms of video, integer >= 0: a person who entered unseen
   * and stands still is found within this time. Default 2000. 0 detects every frame.
   */
  readonly fullDetectionIntervalMs: number;
}

/**
 * The small-face pass (docs/pipeline.md, "Small faces by default"): a second detector, face-api's
 * SSD MobileNet v1 at a low score threshold, run beside the main detector for faces of 15–40 px in
 * 720p/1080p views that Human's blazeface (on the 640-px analysis copy) does not find. Its faces no
 * bigger than `maxFacePx` and overlapping none of the main detector's are added to the frame's
 * detections. While its last run found such a face it runs on every detected frame, on the
 * full-resolution frame; otherwise it probes the analysis copy once every `probeIntervalMs` where
 * the view changed (`idleProbeIntervalMs` where it did not). Only
 * sources whose frames are at least `minFrameSidePx` on their shorter side run it.
 */
export interface ProcessSmallFacesConfig {
  /**
   * Run the pass. Default: true when the config names no detector (neither `detectorPreset` nor
   * `detector.name`), false when it names one (`--detector human` / `cctv` keep exactly that
   * detector: the presets are for tuning). An explicit value always wins.
   */
  readonly enabled: boolean;
  /** Sources whose frame's shorter side is below this, px (integer >= 0), never run the pass. Default 720 (720p and up; a 640x360 view is analysed at full resolution already). */
  readonly minFrameSidePx: number;
  /** The pass's faces whose box's shorter side is above this, full-resolution px (> 0), are left to the main detector. Default 96. */
  readonly maxFacePx: number;
  /**
   * While the last pass found no small face, the pass probes at most once per this much video
   * time on frames where something may have come into view (the motion gate saw a change, a track
   * is alive, or the gate is off), ms, integer >= 0 (0: every such frame). Default 2000: a small
   * face that comes into view is found within 2 s, and from then on in every detected frame.
   */
  readonly probeIntervalMs: number;
  /**
   * On frames the motion gate let through only for its interval (nothing in the view changed
   * since the last detected frame), the pass probes at most once per this much video time, ms,
   * integer >= 0. Default 20000: a small face that stands still is found within 20 s; on a static
   * night the probes cost 1 SSD pass per 20 s instead of per 2 s.
   */
  readonly idleProbeIntervalMs: number;
  /** The SSD's settings (src/track `FaceApiFaceDetectorConfig`, `model` fixed to 'ssd'). Default `{ minConfidence: 0.15 }` (the cctv preset's). */
  readonly detector: Readonly<FaceApiFaceDetectorConfig>;
  /**
   * Run the SSD in its own worker thread (docs/pipeline.md, "The small-face pass in a worker
   * thread"): on a frame the pass runs on, it detects on one core while the main detector detects
   * on the other. The detections are the same as with false (same models, same backend); the
   * thread costs its own copy of tfjs and the SSD in memory (≈ 130 MB). Acts where the deps are
   * made (`createProcessDeps`). Default false (the SSD in the pipeline's thread, after the main
   * detector): on the shared 2-core machine it measured no faster (bench:threads, docs/pipeline.md).
   */
  readonly worker: boolean;
}

/** The FUSION methods of src/fuse/fusion, by the name stored with F_M. */
export const FUSION_METHODS = Object.freeze(['mean-3sigma', 'mean', 'quality-weighted'] as const);
export type FusionMethod = (typeof FUSION_METHODS)[number];

/** How F_M is made from a track's embeddings (docs/tracking.md, "Fusion"). */
export interface ProcessFusionConfig {
  /**
   * 'mean-3sigma' (default): the authors' 3-sigma outlier removal applied to each member's cosine
   * distance to the mean direction (`fuseMean3Sigma`, rule 'cosine-distance'), then the mean;
   * 'mean': the paper's plain mean; 'quality-weighted': mean weighted by detection quality.
   */
  readonly method: FusionMethod;
  /** Rejection threshold of 'mean-3sigma', standard deviations, > 0. Default 3 (the authors'). */
  readonly sigmaThreshold: number;
}

/**
 * Which detections are embedded (docs/pipeline.md, "Embeddings once per track"). The embedder is
 * the costly per-face step (faceres ≈ 60–120 ms a crop on wasm), and F_M needs only a track's best crops.
 */
export interface ProcessEmbedConfig {
  /**
   * K, integer 0–1000. K >= 1: a detection the tracker surely joins to a confirmed track is
   * embedded only if it can still enter that track's K best by quality (earliest on ties), and F_M
   * is fused from the track's K best; detections of new or tentative tracks, or contested by
   * several tracks, are always embedded (association and re-entry use them). 0: every detection
   * is embedded and F_M is fused from all of them (the pipeline before this setting). Default 8
   * (= `retention.cropsPerTrack`'s default: F_M's members are the detections whose crops are stored).
   */
  readonly topK: number;
  /**
   * Run the embedder in its own worker thread (docs/pipeline.md, "Embeddings in a worker thread"):
   * while it embeds frame N's crops on one core, the pipeline detects frame N+1 on the other. The
   * tracks, embeddings and F_M are the same as with false (same model, same backend, same order
   * of decisions); the thread costs a second copy of the embedder's model in memory. Acts where the
   * deps are made (`createProcessDeps`). Default true; false embeds in the pipeline's thread.
   */
  readonly worker: boolean;
}

/**
 * Joining of one person's split tracks (docs/pipeline.md, "Joining split tracks"): after a
 * source's tracks are built, two tracks are joined when the second starts after the first ends,
 * at most `join.maxGapMs` later, and their F_M agree (cosine >= `join.minCosine`). Two tracks that
 * overlap in time are never joined: two faces in one frame are two people.
 */
export interface ProcessJoinConfig {
  /** On by default; false keeps every track as the tracker made it. */
  readonly enabled: boolean;
  /** F_M cosine at or above which two time-disjoint tracks are one person. Default 0.8 (faceres, measured in docs/pipeline.md). */
  readonly minCosine: number;
  /** Longest gap, ms of stream time, from the end of one track to the start of the next. Default 5000. */
  readonly maxGapMs: number;
  /**
   * Both tracks must have a face at least this large (largest bbox side, px of the full-resolution
   * frame): below about 32 px faceres barely tells people apart (verification AUC 0.76 at 24 px,
   * 0.86 at 32 px: scripts/fm-identity-by-size.ts, docs/training.md), so an F_M match means
   * little. Default 32; 0 joins faces of any size.
   */
  readonly minFacePx: number;
}

/** Every setting of `processSource`, parsed once at the edge by {@link parseProcessConfig}. */
export interface ProcessConfig {
  readonly decode: Readonly<ProcessDecodeConfig>;
  /**
   * Face detector by name and its settings ({@link ProcessDetectorConfig}); used when the deps are
   * created. Default: Human with its defaults.
   */
  readonly detector: ProcessDetectorConfig;
  /** Embedder by name (src/fuse `EMBEDDER_NAMES`). Default 'faceres' (`DEFAULT_EMBEDDER_NAME`). */
  readonly embedder: EmbedderName;
  /** Tracker settings (src/track `TrackerConfig`); the pipeline's defaults are tuned for faceres (see DEFAULT_PROCESS_CONFIG). */
  readonly tracker: Readonly<TrackerConfig>;
  /** Quality score settings (src/track `QualityConfig`). */
  readonly quality: Readonly<QualityConfig>;
  readonly align: Readonly<ProcessAlignConfig>;
  readonly retention: Readonly<ProcessRetentionConfig>;
  readonly fusion: Readonly<ProcessFusionConfig>;
  /** Which detections are embedded ({@link ProcessEmbedConfig}). Default: the 8 best of each track. */
  readonly embed: Readonly<ProcessEmbedConfig>;
  /** Motion gating of the detector ({@link ProcessMotionGateConfig}). Default: on. */
  readonly motionGate: Readonly<ProcessMotionGateConfig>;
  /** The small-face pass beside the main detector ({@link ProcessSmallFacesConfig}). Default: on when no detector is named. */
  readonly smallFaces: Readonly<ProcessSmallFacesConfig>;
  /** Joining of one person's tracks split by a short gap or a cut ({@link ProcessJoinConfig}). Default: on, F_M cosine >= 0.8, gap <= 5 s. */
  readonly join: Readonly<ProcessJoinConfig>;
}

/**
 * Tracker overrides of the pipeline. The tracker's own defaults were set for ArcFace-style
 * embeddings; faceres cosines run higher for different people (docs/pipeline.md, "Tracker
 * thresholds for faceres"), so its gates are raised here; and re-entry needs faces of at least
 * 32 px (the size from which faceres tells people apart, as `join.minFacePx`).
 */
export const PIPELINE_TRACKER_OVERRIDES = Object.freeze({ minAppearanceCosine: 0.3, reentryMinCosine: 0.7, reentryMinFacePx: 32 });

const decodeSchema = z
  .object({
    fps: z.number().finite().gt(0).max(240).default(5),
    analysisMaxWidth: z.number().int().min(16).nullable().default(640),
    startMs: z.number().finite().min(0).default(0),
    durationMs: z.number().finite().gt(0).nullable().default(null),
    maxBufferedFrames: z.number().int().min(1).max(64).default(2),
    onDamage: z.enum(DAMAGE_POLICIES as [DamagePolicy, ...DamagePolicy[]]).default('stop'),
    stallTimeoutMs: z.number().int().min(100).max(3_600_000).default(60000),
    fullFrameFormat: z.enum(FULL_FRAME_FORMATS as [FullFrameFormat, ...FullFrameFormat[]]).default('yuv420p'),
  })
  .strict();

const alignSchema = z
  .object({
    modelSizePx: z.number().int().min(16).max(1024).default(128),
    quadScale: z.number().finite().min(0.25).max(4).default(1),
    lrScale: z.number().int().min(1).default(8),
    exportMaxPx: z.number().int().min(16).max(4096).default(512),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.modelSizePx % a.lrScale !== 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['lrScale'], message: `must divide modelSizePx (${a.modelSizePx}), received ${a.lrScale}` });
    }
  });

const schema = z
  .object({
    decode: decodeSchema.default({}),
    detector: z.unknown().optional(),
    detectorPreset: z.enum(Object.keys(DETECTOR_PRESETS) as [DetectorPresetName]).optional(),
    embedder: z.enum(EMBEDDER_NAMES).default('faceres'),
    tracker: z.unknown().optional(),
    quality: z.unknown().optional(),
    align: alignSchema.default({}),
    retention: z.object({ cropsPerTrack: z.number().int().min(1).max(1000).default(8) }).strict().default({}),
    fusion: z
      .object({ method: z.enum(FUSION_METHODS).default('mean-3sigma'), sigmaThreshold: z.number().finite().gt(0).default(3) })
      .strict()
      .default({}),
    embed: z.object({ topK: z.number().int().min(0).max(1000).default(8), worker: z.boolean().default(true) }).strict().default({}),
    motionGate: z
      .object({
        enabled: z.boolean().default(true),
        thumbnailWidthPx: z.number().int().min(4).max(1024).default(64),
        minGreyDelta: z.number().finite().gt(0).max(255).default(8),
        minChangedFraction: z.number().finite().gt(0).max(1).default(0.001),
        fullDetectionIntervalMs: z.number().int().min(0).default(2000),
      })
      .strict()
      .default({}),
    smallFaces: z
      .object({
        enabled: z.boolean().optional(),
        minFrameSidePx: z.number().int().min(0).default(720),
        maxFacePx: z.number().finite().gt(0).default(96),
        probeIntervalMs: z.number().int().min(0).default(2000),
        idleProbeIntervalMs: z.number().int().min(0).default(20000),
        detector: z.unknown().optional(),
        worker: z.boolean().default(false),
      })
      .strict()
      .default({}),
    join: z
      .object({
        enabled: z.boolean().default(true),
        minCosine: z.number().finite().min(-1).max(1).default(0.7),
        maxGapMs: z.number().finite().gt(0).max(3_600_000).default(5000),
        minFacePx: z.number().finite().min(0).max(4096).default(32),
      })
      .strict()
      .default({}),
  })
  .strict();

/** The small-face pass's SSD settings when the config gives none (the cctv preset's threshold). */
export const SMALL_FACES_DETECTOR_DEFAULTS = Object.freeze({ minConfidence: 0.15 });

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function sectionError(section: string, err: unknown): string {
  return `${section}: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * Validates a partial pipeline config (every field optional, unknown or misspelled keys rejected
 * at every level) and fills the defaults. `detectorPreset` (optional, a {@link DETECTOR_PRESETS}
 * key) is the base the `detector` section refines. The detector, tracker and quality sections are parsed
 * by their own stage's parser; the tracker section starts from {@link PIPELINE_TRACKER_OVERRIDES}.
 * @throws ConfigError listing every problem with its key path.
 */
export function parseProcessConfig(input: unknown = {}): Readonly<ProcessConfig> {
  const r = schema.safeParse(input ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) =>
      i.code === 'unrecognized_keys'
        ? `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}unknown key(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}`
        : `${i.path.join('.') || '(config)'}: ${i.message}`,
    );
    throw new ConfigError(`invalid process config: ${issues.join('; ')}`, { issues: r.error.issues });
  }
  const d = r.data;
  const problems: string[] = [];
  const sub = <T>(section: string, parse: () => T): T | null => {
    try {
      return parse();
    } catch (err) {
      problems.push(sectionError(section, err));
      return null;
    }
  };
  const detector = sub('detector', () => {
    if (d.detectorPreset === undefined) return parseProcessDetectorConfig(d.detector ?? {});
    // A preset is a base the detector section refines (same name or no name).
    const own = d.detector ?? {};
    if (typeof own !== 'object' || own === null || Array.isArray(own)) throw new ConfigError(`expected an object, received ${JSON.stringify(own)}`);
    return parseProcessDetectorConfig({ ...DETECTOR_PRESETS[d.detectorPreset], ...own });
  });
  const trackerInput = d.tracker ?? {};
  const tracker = sub('tracker', () => {
    if (typeof trackerInput !== 'object' || trackerInput === null || Array.isArray(trackerInput)) {
      throw new ConfigError(`expected an object, received ${JSON.stringify(trackerInput)}`);
    }
    return parseTrackerConfig({ ...PIPELINE_TRACKER_OVERRIDES, ...trackerInput });
  });
  const quality = sub('quality', () => parseQualityConfig(d.quality ?? {}));
  const smallFacesDetector = sub('smallFaces.detector', () => {
    const own = d.smallFaces.detector ?? {};
    if (typeof own !== 'object' || own === null || Array.isArray(own)) throw new ConfigError(`expected an object, received ${JSON.stringify(own)}`);
    if ('model' in own && (own as Record<string, unknown>).model !== 'ssd') throw new ConfigError(`model: the small-face pass runs 'ssd', remove the key; received ${JSON.stringify((own as Record<string, unknown>).model)}`);
    return parseFaceApiFaceDetectorConfig({ ...SMALL_FACES_DETECTOR_DEFAULTS, ...own, model: 'ssd' });
  });
  // The pass is the default's; a config that names its detector gets exactly that detector.
  const namesDetector = d.detectorPreset !== undefined || (typeof d.detector === 'object' && d.detector !== null && 'name' in d.detector);
  const smallFaces = { ...d.smallFaces, enabled: d.smallFaces.enabled ?? !namesDetector, detector: smallFacesDetector };
  if (problems.length > 0 || detector === null || tracker === null || quality === null || smallFacesDetector === null) {
    throw new ConfigError(`invalid process config: ${problems.join('; ')}`, { sections: problems });
  }
  return deepFreeze({
    decode: { ...d.decode },
    detector: { ...detector },
    embedder: d.embedder,
    tracker: { ...tracker },
    quality: { ...quality, weights: { ...quality.weights } },
    align: { ...d.align },
    retention: { ...d.retention },
    fusion: { ...d.fusion },
    embed: { ...d.embed },
    motionGate: { ...d.motionGate },
    smallFaces: { ...smallFaces, detector: { ...smallFacesDetector } },
    join: { ...d.join },
  });
}

/** The defaults, frozen (`parseProcessConfig({})`). */
export const DEFAULT_PROCESS_CONFIG: Readonly<ProcessConfig> = parseProcessConfig({});
