import { InputError } from '../../contracts';
import type { FaceCrop, Frame } from '../../contracts';
import { cropRgb, floatToUint8, readImageRgb, resizeAntialiased, uint8ToFloat } from '../../image';
import type { RgbImage } from '../../image';
import { alignFace } from '../../track';
import type { FaceDetector } from '../../track';
import { fileSha256 } from './file-sha256';
import type { EvalDatasetSource } from './load-eval-dataset';

/** How faces are framed: `detect` = the project's detector + canonical FFHQ alignment; `none` = the images are face crops (centre square, resized). */
export const EVAL_ALIGN_MODES = Object.freeze(['detect', 'none'] as const);
export type EvalAlignMode = (typeof EVAL_ALIGN_MODES)[number];

/** One identity ready for the protocol: aligned HR crops of side `sizePx`. */
export interface PreparedIdentity {
  readonly id: string;
  readonly gallery: FaceCrop;
  readonly probe: FaceCrop;
  /** The remaining images (F_M is made from their degraded versions). */
  readonly features: readonly FaceCrop[];
  readonly files: { readonly gallery: string; readonly probe: string; readonly features: readonly string[] };
  /** The feature images are already low-resolution (EvalIdentitySource.featuresLowRes): not degraded again for F_M. */
  readonly featuresLowRes: boolean;
}

/** An image or identity lost during preparation, and why. */
export interface FaceLoss {
  readonly identity: string;
  /** The image (or, for stage 'identity', the identity's first image). */
  readonly file: string;
  /**
   * 'read': undecodable/missing; 'detect': no face found; 'identity': too few faces left for the
   * protocol; 'duplicate': the same bytes as the identity's gallery or probe image (or the probe's
   * copy, e.g. probe_LR), so not used again (the probe must not condition its own SR).
   */
  readonly stage: 'read' | 'detect' | 'identity' | 'duplicate';
  readonly reason: string;
}

/** Counts per preparation stage (images unless named otherwise). */
export interface PreparationCounts {
  readonly identitiesListed: number;
  /** Images examined (an identity's later images are not read once enough faces are kept). */
  readonly imagesListed: number;
  readonly imagesRead: number;
  readonly facesFound: number;
  readonly identitiesKept: number;
}

/** Options of {@link prepareEvalFaces}. */
export interface PrepareEvalFacesOptions {
  /** Side of the HR crops, px (the SR model's image size). */
  readonly sizePx: number;
  readonly align: EvalAlignMode;
  /** Required for align 'detect'. */
  readonly detector: FaceDetector | null;
  /** FFHQ quad scale of the alignment (1 = canonical, the pipeline's and training's framing). */
  readonly quadScale: number;
  /**
   * Detection runs on the image framed by a mid-grey border of this fraction of its longer side,
   * so tightly cropped faces are found (as training's data preparation does). Default 0.25.
   */
  readonly detectPadFraction?: number;
  /** Faces an identity needs (2: gallery + probe; 3 when F_M is needed). */
  readonly minFaces: number;
  /** Stop reading an identity's images once this many faces are kept (2 when no F_M is needed). Default all. */
  readonly maxFaces?: number;
  /** Called after each identity. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The centre square of an image, resized to `sizePx` (TF-exact antialiased triangle). */
export function centreSquareCrop(image: RgbImage, sizePx: number): FaceCrop {
  const side = Math.min(image.width, image.height);
  const sq = side === image.width && side === image.height ? image : cropRgb(image, [Math.floor((image.width - side) / 2), Math.floor((image.height - side) / 2), side, side]);
  if (side === sizePx) return { width: sizePx, height: sizePx, rgb: sq.rgb };
  const f = resizeAntialiased(uint8ToFloat(sq.rgb), side, side, 3, sizePx, sizePx, 'triangle');
  return { width: sizePx, height: sizePx, rgb: floatToUint8(f) };
}

/** The image with a mid-grey border of `pad` px on every side, as a detector frame. */
function paddedFrame(image: RgbImage, pad: number): Frame {
  if (pad === 0) return { sourceId: 0, index: 0, ptsMs: 0, width: image.width, height: image.height, rgb: image.rgb };
  const width = image.width + 2 * pad;
  const height = image.height + 2 * pad;
  const rgb = new Uint8Array(width * height * 3).fill(128);
  for (let y = 0; y < image.height; y++) rgb.set(image.rgb.subarray(y * image.width * 3, (y + 1) * image.width * 3), ((y + pad) * width + pad) * 3);
  return { sourceId: 0, index: 0, ptsMs: 0, width, height, rgb };
}

async function faceOf(file: string, opts: PrepareEvalFacesOptions): Promise<{ crop: FaceCrop } | { loss: Omit<FaceLoss, 'identity'> }> {
  let image: RgbImage;
  try {
    image = await readImageRgb(file);
  } catch (err) {
    if (err instanceof InputError) return { loss: { file, stage: 'read', reason: err.message } };
    throw err;
  }
  if (opts.align === 'none') return { crop: centreSquareCrop(image, opts.sizePx) };
  const detector = opts.detector;
  if (detector === null) throw new InputError('prepareEvalFaces: align "detect" needs a face detector', { option: 'detector' });
  const pad = Math.round((opts.detectPadFraction ?? 0.25) * Math.max(image.width, image.height));
  const faces = await detector.detect(paddedFrame(image, pad));
  // The largest face, as `fasr sr` does for image files.
  const best = [...faces].sort((a, b) => b.bboxXYWH[2] * b.bboxXYWH[3] - a.bboxXYWH[2] * a.bboxXYWH[3])[0];
  if (best === undefined) return { loss: { file, stage: 'detect', reason: `no face found (${image.width}x${image.height})` } };
  const shift = (p: readonly [number, number]): [number, number] => [p[0] - pad, p[1] - pad];
  const l = best.landmarks;
  const landmarks = { leftEye: shift(l.leftEye), rightEye: shift(l.rightEye), nose: shift(l.nose), mouthLeft: shift(l.mouthLeft), mouthRight: shift(l.mouthRight) };
  return { crop: alignFace(image, landmarks, { sizePx: opts.sizePx, quadScale: opts.quadScale }).crop };
}

/**
 * Reads, detects and aligns every image of the dataset's identities and assigns the protocol's
 * roles (gallery, probe, features). Lost images and identities are returned with their stage and
 * reason, never dropped silently.
 * @throws InputError for bad options; what the detector throws.
 */
export async function prepareEvalFaces(
  source: EvalDatasetSource,
  opts: PrepareEvalFacesOptions,
): Promise<{ identities: PreparedIdentity[]; losses: FaceLoss[]; counts: PreparationCounts }> {
  if (!(Number.isSafeInteger(opts.sizePx) && opts.sizePx >= 16)) throw new InputError(`prepareEvalFaces: sizePx must be an integer >= 16, received ${String(opts.sizePx)}`, { option: 'sizePx' });
  const identities: PreparedIdentity[] = [];
  const losses: FaceLoss[] = [];
  let imagesListed = 0;
  let imagesRead = 0;
  let facesFound = 0;
  for (const [i, src] of source.identities.entries()) {
    const kept: { file: string; crop: FaceCrop }[] = [];
    const lostFiles = new Set<string>();
    // Content of the gallery and probe (and the probe's copies): a feature image with the same bytes is the probe itself.
    const roleHashes = new Map<string, string>();
    for (const copy of src.probeCopies) roleHashes.set(await fileSha256(copy), `the probe's copy ${copy}`);
    for (const [fi, file] of src.files.entries()) {
      if (opts.maxFaces !== undefined && kept.length >= opts.maxFaces) break;
      const role = src.fixedRoles ? (fi === 0 ? 'gallery' : fi === 1 ? 'probe' : null) : kept.length === 0 ? 'gallery' : kept.length === 1 ? 'probe' : null;
      // An unreadable file is reported by faceOf below, with the reader's reason.
      const sha = await fileSha256(file).catch(() => null);
      const same = sha === null ? undefined : roleHashes.get(sha);
      if (same !== undefined && !(src.fixedRoles && role !== null)) {
        losses.push({ identity: src.id, file, stage: 'duplicate', reason: `same content (sha256 ${(sha as string).slice(0, 12)}) as ${same}` });
        continue;
      }
      imagesListed += 1;
      const r = await faceOf(file, opts);
      if ('loss' in r) {
        losses.push({ identity: src.id, ...r.loss });
        lostFiles.add(file);
        if (r.loss.stage !== 'read') imagesRead += 1;
      } else {
        imagesRead += 1;
        facesFound += 1;
        kept.push({ file, crop: r.crop });
        if (sha !== null && role !== null) roleHashes.set(sha, `the ${role} ${file}`);
      }
    }
    const first = src.files[0] ?? '';
    let reason: string | null = null;
    if (src.fixedRoles && (lostFiles.has(src.files[0] ?? '') || lostFiles.has(src.files[1] ?? ''))) reason = 'gallery or probe image lost';
    else if (kept.length < opts.minFaces) reason = `${kept.length} face(s) left, the protocol needs ${opts.minFaces} (gallery, probe${opts.minFaces > 2 ? ', feature images' : ''})`;
    if (reason !== null) {
      losses.push({ identity: src.id, file: first, stage: 'identity', reason });
    } else {
      const [g, p, ...f] = kept as [{ file: string; crop: FaceCrop }, { file: string; crop: FaceCrop }, ...{ file: string; crop: FaceCrop }[]];
      identities.push({
        id: src.id,
        gallery: g.crop,
        probe: p.crop,
        features: f.map((x) => x.crop),
        files: { gallery: g.file, probe: p.file, features: f.map((x) => x.file) },
        featuresLowRes: src.featuresLowRes,
      });
    }
    opts.onProgress?.(i + 1, source.identities.length);
  }
  return {
    identities,
    losses,
    counts: { identitiesListed: source.identities.length, imagesListed, imagesRead, facesFound, identitiesKept: identities.length },
  };
}
