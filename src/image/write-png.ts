import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { InputError } from '../contracts';
import { checkOptionKeys } from '../validate';
import { addPngText } from './png-text';
import type { RgbImage } from './rgb-image';
import { validateImageShape } from './validate-image';

/** Options of {@link encodePng} / {@link writePng}. */
export interface PngOptions {
  /**
   * Text chunks to embed (iTXt, UTF-8), e.g. `{ Description: 'synthesized by fasr …', Software: 'fasr' }`.
   * A synthesized face should always carry such a label. Default none.
   */
  readonly text?: Readonly<Record<string, string>>;
  /** zlib level 0–9. Default 6. */
  readonly compressionLevel?: number;
}

/**
 * Encodes 8-bit RGB HWC to PNG with sharp, then adds the text chunks.
 * @throws InputError on a bad image, option or keyword.
 */
export async function encodePng(image: RgbImage, options: PngOptions = {}): Promise<Buffer> {
  checkOptionKeys('encodePng', options, ['text', 'compressionLevel'], { error: InputError });
  validateImageShape('encodePng', image.rgb.length, image.height, image.width, 3);
  const level = options.compressionLevel ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new InputError(`encodePng: compressionLevel must be an integer 0-9, got ${String(level)}`, { option: 'compressionLevel' });
  }
  const png = await sharp(Buffer.from(image.rgb.buffer, image.rgb.byteOffset, image.rgb.length), {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .png({ compressionLevel: level })
    .toBuffer();
  return options.text === undefined ? png : addPngText(png, options.text);
}

/**
 * Writes 8-bit RGB HWC as a PNG file; see {@link encodePng}.
 * @throws InputError when the file cannot be written.
 */
export async function writePng(file: string, image: RgbImage, options: PngOptions = {}): Promise<void> {
  const png = await encodePng(image, options);
  try {
    await fs.writeFile(file, png);
  } catch (err) {
    throw new InputError(`writePng: cannot write '${file}': ${(err as Error).message}`, { path: file, reason: 'unwritable' });
  }
}
