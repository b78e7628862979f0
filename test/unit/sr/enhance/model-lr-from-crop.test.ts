import { degradeLikeAuthors, floatToUint8, resizeAntialiased, uint8ToFloat } from '../../../../src/image';
import { modelLrFromCrop } from '../../../../src/sr/enhance';

function crop(side: number, seed: number): { width: number; height: number; rgb: Uint8Array } {
  const rgb = new Uint8Array(side * side * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37 + seed * 11 + ((i >> 5) % 7) * 19) & 0xff;
  return { width: side, height: side, rgb };
}

describe('modelLrFromCrop', () => {
  it('degrades a crop of the model size exactly like the authors, quantised once', () => {
    const c = crop(32, 1);
    const expected = uint8ToFloat(floatToUint8(degradeLikeAuthors(uint8ToFloat(c.rgb), 32, { scale: 8 })));
    expect(modelLrFromCrop(c, 32, 8)).toEqual(expected);
  });

  it('only upsamples a true LR crop (side = size/lrScale), and resizes other sizes first', () => {
    const lr = crop(4, 2);
    expect(modelLrFromCrop(lr, 32, 8)).toEqual(uint8ToFloat(floatToUint8(resizeAntialiased(uint8ToFloat(lr.rgb), 4, 4, 3, 32, 32, 'keys-cubic'))));
    const big = crop(128, 3);
    const atSize = resizeAntialiased(uint8ToFloat(big.rgb), 128, 128, 3, 32, 32, 'triangle');
    expect(modelLrFromCrop(big, 32, 8)).toEqual(uint8ToFloat(floatToUint8(degradeLikeAuthors(atSize, 32, { scale: 8 }))));
  });

  it('rejects a non-square crop and an lrScale that does not divide the size', () => {
    expect(() => modelLrFromCrop({ width: 4, height: 8, rgb: new Uint8Array(96) }, 32, 8)).toThrow('LR_0: expected a square aligned face crop, received 4x8');
    expect(() => modelLrFromCrop(crop(32, 0), 32, 3)).toThrow('LR_0: lrScale must be a positive integer dividing the model size 32, received 3');
  });
});
