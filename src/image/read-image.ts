import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { InputError } from '../contracts';
import { parsePnm } from './parse-pnm';
import type { RgbImage } from './rgb-image';

/**
 * Reads an image file (JPEG, PNG, GIF first frame, WebP, TIFF… through sharp; PGM/PPM through
 * {@link parsePnm}) to 8-bit RGB HWC. EXIF orientation is applied; alpha is dropped; grey and
 * palette images are expanded to RGB. The format is recognised from the content, not the name.
 * @throws InputError with the path when the file cannot be read or decoded.
 */
export async function readImageRgb(file: string): Promise<RgbImage> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (err) {
    throw new InputError(`readImageRgb: cannot read '${file}': ${(err as Error).message}`, { path: file, reason: 'unreadable' });
  }
  return decodeImageRgb(buf, file);
}

/**
 * Decodes an in-memory encoded image to 8-bit RGB HWC; see {@link readImageRgb}.
 * @param source a name for error messages.
 */
export async function decodeImageRgb(buf: Uint8Array, source = '<buffer>'): Promise<RgbImage> {
  if (buf.length >= 2 && buf[0] === 0x50 && [0x32, 0x33, 0x35, 0x36].includes(buf[1] ?? 0)) {
    return parsePnm(buf, source);
  }
  try {
    const { data, info } = await sharp(buf, { pages: 1 })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new Error(`decoded to ${info.channels} channels, expected 3`);
    }
    return { width: info.width, height: info.height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new InputError(`readImageRgb: cannot decode '${source}': ${(err as Error).message}`, { path: source, reason: 'undecodable' });
  }
}
