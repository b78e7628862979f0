/** Cheap checks of encoded image bytes (magic numbers, PNG header); no decoding. */

export const PNG_MAGIC: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
export const JPEG_MAGIC: readonly number[] = [0xff, 0xd8, 0xff];
/** Largest crop / image side accepted, in pixels. */
export const MAX_IMAGE_SIDE_PX = 16384;

export function hasMagic(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.byteLength >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/** Width and height from a PNG's IHDR chunk, or null when `bytes` is not a PNG. */
export function pngSizePx(bytes: Uint8Array): { widthPx: number; heightPx: number } | null {
  if (bytes.byteLength < 24 || !hasMagic(bytes, PNG_MAGIC)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Signature (8) + chunk length (4) + 'IHDR' (4), then big-endian width and height.
  if (view.getUint32(12, false) !== 0x49484452) return null;
  return { widthPx: view.getUint32(16, false), heightPx: view.getUint32(20, false) };
}

