import { InputError } from '../../contracts';
import type { Frame } from '../../contracts';
import type { RgbImage } from '../../image';
import { alignFace } from '../../track';
import type { FaceDetector } from '../../track';

/** The image with a mid-grey border of `pad` pixels on every side, as a detector frame. */
function padFrame(image: { width: number; height: number; rgb: Uint8Array }, pad: number, index: number): Frame {
  if (pad === 0) return { sourceId: 0, index, ptsMs: 0, width: image.width, height: image.height, rgb: image.rgb };
  const width = image.width + 2 * pad;
  const height = image.height + 2 * pad;
  const rgb = new Uint8Array(width * height * 3).fill(128);
  for (let y = 0; y < image.height; y++) {
    rgb.set(image.rgb.subarray(y * image.width * 3, (y + 1) * image.width * 3), ((y + pad) * width + pad) * 3);
  }
  return { sourceId: 0, index, ptsMs: 0, width, height, rgb };
}

/**
 * A training image's face in the pipeline's framing: the project's detector (highest-scoring face,
 * on the image framed by a grey border of `padFraction` × its larger side so that tightly cropped
 * faces are found; landmarks mapped back) and the canonical FFHQ alignment at `sizePx`.
 * @returns the aligned RGB face, or the reason it was skipped.
 */
export async function alignTrainingFace(
  detector: FaceDetector,
  image: RgbImage,
  index: number,
  options: { readonly sizePx: number; readonly quadScale: number; readonly padFraction: number },
): Promise<{ readonly rgb: Uint8Array } | { readonly skipped: string }> {
  const pad = Math.round(options.padFraction * Math.max(image.width, image.height));
  const found = (await detector.detect(padFrame(image, pad, index)))[0];
  if (found === undefined) return { skipped: 'no face detected' };
  const shift = (p: readonly [number, number]): [number, number] => [p[0] - pad, p[1] - pad];
  const l = found.landmarks;
  const landmarks = { leftEye: shift(l.leftEye), rightEye: shift(l.rightEye), nose: shift(l.nose), mouthLeft: shift(l.mouthLeft), mouthRight: shift(l.mouthRight) };
  try {
    return { rgb: alignFace(image, landmarks, { sizePx: options.sizePx, quadScale: options.quadScale }).crop.rgb };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { skipped: `alignment failed: ${err.message}` };
  }
}
