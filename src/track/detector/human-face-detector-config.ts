import { z } from 'zod';
import { ConfigError } from '../../contracts';

/**
 * Settings of {@link createHumanFaceDetector}. Every field is optional on input; defaults in
 * {@link DEFAULT_HUMAN_FACE_DETECTOR_CONFIG}. Unknown keys are rejected.
 */
export interface HumanFaceDetectorConfig {
  /** Minimum blazeface box score in [0, 1] for a face to be kept. Default 0.3. */
  readonly minConfidence: number;
  /** Most faces returned per frame (after merging tiles), 1–500. Default 50. */
  readonly maxFaces: number;
  /** Faces whose box is smaller than this on its shorter side, in frame pixels, are dropped. Default 0. */
  readonly minFaceSizePx: number;
  /** Two boxes overlapping more than this IoU are one face (Human's NMS and the tile merge), (0, 1]. Default 0.3. */
  readonly iouThreshold: number;
  /**
   * Side of the square analysis tiles in frame pixels, or null for whole-frame analysis only.
   * Blazeface sees its input at 256x256, so a face of s pixels in a frame of side L reaches the
   * model at about s·256/L pixels; tiles of side T bring that to s·256/T. With tiles the whole
   * frame is analysed too (for faces larger than a tile). Minimum 64. Default null.
   */
  readonly tileSizePx: number | null;
  /** Overlap of neighbouring tiles in frame pixels (< tileSizePx); at least the largest face a tile must hold whole. Default 64. */
  readonly tileOverlapPx: number;
  /**
   * Factor (1–4) by which each analysis input (frame or tile) is enlarged with bilinear
   * interpolation before Human sees it. Default 1.
   */
  readonly upscale: number;
  /** Human's rotation correction: the mesh is run on a roll-corrected crop (slower, better for tilted heads). Default false. */
  readonly rotationCorrection: boolean;
}

const baseSchema = z.object({
    minConfidence: z.number().min(0).max(1).default(0.3),
    maxFaces: z.number().int().min(1).max(500).default(50),
    minFaceSizePx: z.number().min(0).default(0),
    iouThreshold: z.number().gt(0).max(1).default(0.3),
    tileSizePx: z.number().int().min(64).nullable().default(null),
    tileOverlapPx: z.number().int().min(0).default(64),
    upscale: z.number().min(1).max(4).default(1),
    rotationCorrection: z.boolean().default(false),
  });

const schema = baseSchema
  .strict()
  .superRefine((c, ctx) => {
    if (c.tileSizePx !== null && c.tileOverlapPx >= c.tileSizePx) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['tileOverlapPx'], message: `must be less than tileSizePx (${c.tileSizePx}), received ${c.tileOverlapPx}` });
    }
  });

/** The defaults, frozen. */
export const DEFAULT_HUMAN_FACE_DETECTOR_CONFIG: Readonly<HumanFaceDetectorConfig> = Object.freeze(schema.parse({}));

/**
 * Validates a partial config and fills the defaults.
 * @throws ConfigError listing every invalid or unknown key, with what was expected and received.
 */
export function parseHumanFaceDetectorConfig(input: unknown = {}): Readonly<HumanFaceDetectorConfig> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => {
      const where = i.path.length > 0 ? i.path.join('.') : '(config)';
      return i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')} (valid keys: ${Object.keys(baseSchema.shape).join(', ')})` : `${where}: ${i.message}`;
    });
    throw new ConfigError(`invalid HumanFaceDetector config: ${issues.join('; ')}`, { issues: result.error.issues });
  }
  return Object.freeze(result.data);
}
