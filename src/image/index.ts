/** Image utilities: TF-exact antialiased resize, the authors' LR degradation, IO through sharp, conversions. */
export type { RgbImage, FloatImageHWC } from './rgb-image';
export { resizeAntialiased, RESIZE_KERNELS } from './resize-antialiased';
export type { ResizeKernel, ResizeOptions } from './resize-antialiased';
export { degradeLikeAuthors } from './degrade-like-authors';
export type { DegradeOptions } from './degrade-like-authors';
export { uint8ToFloat } from './uint8-to-float';
export { floatToUint8 } from './float-to-uint8';
export { cropRgb } from './crop-rgb';
export { rgbToGrey } from './rgb-to-grey';
export { psnr } from './psnr';
export { parsePnm } from './parse-pnm';
export { readImageRgb, decodeImageRgb } from './read-image';
export { encodePng, writePng } from './write-png';
export type { PngOptions } from './write-png';
export { addPngText, readPngText } from './png-text';
export { ssim } from './ssim';
export type { SsimOptions } from './ssim';
