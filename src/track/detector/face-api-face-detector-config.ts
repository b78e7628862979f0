import { z } from 'zod';
import { ConfigError } from '../../contracts';

/** The face-api box models {@link createFaceApiFaceDetector} can run. */
export const FACE_API_BOX_MODELS = Object.freeze(['ssd', 'tiny'] as const);
export type FaceApiBoxModel = (typeof FACE_API_BOX_MODELS)[number];

/** The face-api 68-point landmark nets. */
export const FACE_API_LANDMARK_MODELS = Object.freeze(['68', '68-tiny'] as const);
export type FaceApiLandmarkModel = (typeof FACE_API_LANDMARK_MODELS)[number];

/**
 * Settings of {@link createFaceApiFaceDetector}. Every field is optional on input; defaults in
 * {@link DEFAULT_FACE_API_FACE_DETECTOR_CONFIG}. Unknown keys are rejected.
 */
export interface FaceApiFaceDetectorConfig {
  /**
   * Box model: 'ssd' (SSD MobileNet v1, input resized to 512x512, the more accurate) or 'tiny'
   * (face-api's Tiny Face Detector, a Tiny-YOLOv2, input `tinyInputSizePx`). Default 'ssd'.
   */
  readonly model: FaceApiBoxModel;
  /** Landmark net: '68' (face_landmark_68, 350 kB) or '68-tiny' (80 kB, less precise). Default '68'. */
  readonly landmarks: FaceApiLandmarkModel;
  /**
   * Minimum box score in [0, 1]. Default 0.3. SSD scores faces of 15–25 px at 0.15–0.4 (docs/tracking.md,
   * "Small faces"); the CCTV preset lowers it to 0.15.
   */
  readonly minConfidence: number;
  /** Input side of the tiny model, px: a multiple of 32 in [128, 608]; ignored by 'ssd'. Default 416. */
  readonly tinyInputSizePx: number;
  /** Most faces returned per frame (after merging tiles), 1–500. Default 50. */
  readonly maxFaces: number;
  /** Faces whose box is smaller than this on its shorter side, in frame pixels, are dropped. Default 0. */
  readonly minFaceSizePx: number;
  /** Two boxes overlapping more than this IoU are one face (the model's NMS and the tile merge), (0, 1]. Default 0.3. */
  readonly iouThreshold: number;
  /**
   * Side of the square analysis tiles in frame pixels, or null for whole-frame analysis only. The
   * model sees each input resized to its own size (512 for 'ssd'), so a face of s px in a tile of
   * side T reaches it at s·512/T px. With tiles the whole frame is analysed too. Minimum 64. Default null.
   */
  readonly tileSizePx: number | null;
  /** Overlap of neighbouring tiles in frame pixels (< tileSizePx). Default 64. */
  readonly tileOverlapPx: number;
}

const baseSchema = z.object({
  model: z.enum(FACE_API_BOX_MODELS).default('ssd'),
  landmarks: z.enum(FACE_API_LANDMARK_MODELS).default('68'),
  minConfidence: z.number().min(0).max(1).default(0.3),
  tinyInputSizePx: z
    .number()
    .int()
    .min(128)
    .max(608)
    .refine((v) => v % 32 === 0, { message: 'must be a multiple of 32' })
    .default(416),
  maxFaces: z.number().int().min(1).max(500).default(50),
  minFaceSizePx: z.number().min(0).default(0),
  iouThreshold: z.number().gt(0).max(1).default(0.3),
  tileSizePx: z.number().int().min(64).nullable().default(null),
  tileOverlapPx: z.number().int().min(0).default(64),
});

const schema = baseSchema.strict().superRefine((c, ctx) => {
  if (c.tileSizePx !== null && c.tileOverlapPx >= c.tileSizePx) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['tileOverlapPx'], message: `must be less than tileSizePx (${c.tileSizePx}), received ${c.tileOverlapPx}` });
  }
});

/** The defaults, frozen. */
export const DEFAULT_FACE_API_FACE_DETECTOR_CONFIG: Readonly<FaceApiFaceDetectorConfig> = Object.freeze(schema.parse({}));

/**
 * Validates a partial config and fills the defaults.
 * @throws ConfigError listing every invalid or unknown key, with what was expected and received.
 */
export function parseFaceApiFaceDetectorConfig(input: unknown = {}): Readonly<FaceApiFaceDetectorConfig> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => {
      const where = i.path.length > 0 ? i.path.join('.') : '(config)';
      return i.code === 'unrecognized_keys'
        ? `unknown key(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')} (valid keys: ${Object.keys(baseSchema.shape).join(', ')})`
        : `${where}: ${i.message}`;
    });
    throw new ConfigError(`invalid FaceApiFaceDetector config: ${issues.join('; ')}`, { issues: result.error.issues });
  }
  return Object.freeze(result.data);
}
