import { InputError } from '../../contracts';
import type { FaceCrop } from '../../contracts';
import { degradeLikeAuthors, floatToUint8, resizeAntialiased, uint8ToFloat, upsampleLrFace } from '../../image';
import type { SrFormulation } from '../formulation';

/**
 * LR_0 as the model takes it, from an aligned face crop (RGB 8-bit, square), quantised once to 8
 * bits like the pipeline's stored 'lr0-model' crop:
 * - a crop of side size/lrScale is a true LR image: only the second half of the authors'
 *   degradation is applied (antialiased Keys-cubic up to size);
 * - otherwise the crop is brought to size (TF-exact antialiased triangle resize when needed) and
 *   degraded exactly as the authors' code does (`degradeLikeAuthors`: down lrScale, bicubic up).
 * @returns size*size*3 floats in [0, 1] (multiples of 1/255).
 * @throws InputError for a non-square crop or an lrScale that does not divide size.
 */
export function modelLrFromCrop(crop: FaceCrop, size: number, lrScale: number, formulation?: SrFormulation): Float32Array {
  if (crop.width !== crop.height) {
    throw new InputError(`LR_0: expected a square aligned face crop, received ${crop.width}x${crop.height}`, { reason: 'not square' });
  }
  if (formulation !== undefined && formulation.kind === 'residual-edm' && formulation.lrInput === 'native') return nativeModelLr(crop, size);
  if (!Number.isInteger(lrScale) || lrScale < 1 || size % lrScale !== 0) {
    throw new InputError(`LR_0: lrScale must be a positive integer dividing the model size ${size}, received ${String(lrScale)}`, { option: 'lrScale' });
  }
  const img = uint8ToFloat(crop.rgb);
  let degraded: Float32Array;
  if (crop.width === size / lrScale && lrScale > 1) {
    degraded = resizeAntialiased(img, crop.height, crop.width, 3, size, size, 'keys-cubic');
  } else {
    const atSize = crop.width === size ? img : resizeAntialiased(img, crop.height, crop.width, 3, size, size, 'triangle');
    degraded = degradeLikeAuthors(atSize, size, { scale: lrScale });
  }
  return uint8ToFloat(floatToUint8(degraded));
}

/**
 * LR_0 of a model trained on native-size LR faces (formulation `lrInput: 'native'`): the aligned
 * crop at the face's own resolution, brought to the model size once — the authors' antialiased
 * Keys-cubic up-resize for a smaller crop (the training's LR path), their triangle down-resize for
 * a larger one — and quantised to 8 bits. Never degraded further.
 * @returns size*size*3 floats in [0, 1].
 */
export function nativeModelLr(crop: FaceCrop, size: number): Float32Array {
  if (crop.width !== crop.height) {
    throw new InputError(`LR_0: expected a square aligned face crop, received ${crop.width}x${crop.height}`, { reason: 'not square' });
  }
  const f = crop.width <= size ? upsampleLrFace(crop.rgb, crop.width, size) : resizeAntialiased(uint8ToFloat(crop.rgb), crop.height, crop.width, 3, size, size, 'triangle');
  return uint8ToFloat(floatToUint8(f));
}
