import { InputError, type FaceCrop, type FaceLandmarks5 } from '../../contracts';
import { checkOptionKeys } from '../../validate';
import type { RgbImage, RgbRegionReader } from '../../image';
import { ffhqCrop } from './ffhq-transform';
import { invertSimilarity, type SimilarityTransform } from './similarity-transform';
import { warpSimilarity } from './warp-similarity';

/** Options of {@link alignFace}. */
export interface AlignOptions {
  /**
   * Output side in pixels, or 'native' for the face's own scale (round(FFHQ qsize), at least 8):
   * 128 for the SR model; 'native' for the full-resolution export crop. Default 128.
   */
  readonly sizePx?: number | 'native';
  /** Antialiasing prefilter when shrinking; see WarpOptions. Default true. */
  readonly antialias?: boolean;
  /** Scale of FFHQ's quad: 1 = FFHQ framing (default); ≈ 0.74 ≈ the FASR authors' CelebA framing (see ffhqCrop). */
  readonly quadScale?: number;
}

/** An aligned face and the maps between crop and source pixels. */
export interface AlignedFace {
  readonly crop: FaceCrop;
  /** Crop pixel index → source image pixel index. */
  readonly cropToFrame: SimilarityTransform;
  /** Source image pixel index → crop pixel index. */
  readonly frameToCrop: SimilarityTransform;
  /** Side of the FFHQ square in source pixels (the face's native crop size). */
  readonly quadSizePx: number;
}

const OPTION_KEYS = ['sizePx', 'antialias', 'quadScale'];

/**
 * The project's one canonical face alignment (pipeline and training data): FFHQ's crop
 * ({@link ffhqCrop}) warped into a square with bilinear sampling, antialiased when shrinking.
 * Works on a video `Frame` (structurally an RgbImage) or any decoded image, e.g. an already aligned
 * dataset face (UTKFace 200x200) once its five landmarks are known.
 * @param landmarks five points in the image's pixel coordinates (contracts.ts FaceLandmarks5).
 * @throws InputError on bad options, a bad image or degenerate landmarks.
 */
export function alignFace(image: RgbImage | RgbRegionReader, landmarks: FaceLandmarks5, options: AlignOptions = {}): AlignedFace {
  checkOptionKeys('alignFace', options, OPTION_KEYS, { error: InputError });
  const requested = options.sizePx ?? 128;
  const quadScale = options.quadScale ?? 1;
  let sizePx: number;
  if (requested === 'native') {
    sizePx = Math.max(8, Math.round(ffhqCrop(landmarks, 1, quadScale).quadSizePx));
  } else if (Number.isInteger(requested) && requested > 0) {
    sizePx = requested;
  } else {
    throw new InputError(`alignFace: sizePx must be a positive integer or 'native', got ${String(requested)}`, { option: 'sizePx' });
  }
  const geom = ffhqCrop(landmarks, sizePx, quadScale);
  const rgb = warpSimilarity(image, geom.cropToFrame, sizePx, { antialias: options.antialias ?? true });
  return {
    crop: { width: sizePx, height: sizePx, rgb },
    cropToFrame: geom.cropToFrame,
    frameToCrop: invertSimilarity(geom.cropToFrame),
    quadSizePx: geom.quadSizePx,
  };
}
