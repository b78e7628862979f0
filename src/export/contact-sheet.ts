import sharp from 'sharp';
import { InputError } from '../contracts';
import { addPngText } from '../image';

/** One tile of a contact sheet: an encoded image (PNG/JPEG) and its caption. */
export interface ContactSheetTile {
  readonly image: Uint8Array;
  /** Short caption drawn under the tile (plain text; escaped here). */
  readonly caption: string;
  /** Draw the tile with a red frame and "SYNTHESIZED" caption colour: an SR output. */
  readonly synthesized: boolean;
}

/** Layout of {@link contactSheet}. */
export interface ContactSheetLayout {
  /** Tile side, px. */
  readonly tilePx: number;
  /** Text chunks for the PNG (e.g. the synthesized label). */
  readonly text: Readonly<Record<string, string>>;
}

const GAP_PX = 6;
const CAPTION_PX = 18;

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

/**
 * A contact sheet: the tiles side by side in one row (crops that formed F_M, LR_0, the enhanced
 * faces), each resized to `tilePx` square (nearest-neighbour, so low-resolution inputs look as
 * coarse as they are), a caption under each, composited with sharp onto a white canvas. SR tiles
 * get a red frame. Returns a PNG with the given text chunks.
 * @throws InputError when there is no tile or a tile is not a decodable image.
 */
export async function contactSheet(tiles: readonly ContactSheetTile[], layout: ContactSheetLayout): Promise<Buffer> {
  if (tiles.length === 0) throw new InputError('contactSheet: at least one tile is needed', { option: 'tiles' });
  const t = layout.tilePx;
  const width = GAP_PX + tiles.length * (t + GAP_PX);
  const height = GAP_PX + t + CAPTION_PX + GAP_PX;
  const layers: sharp.OverlayOptions[] = [];
  for (const [i, tile] of tiles.entries()) {
    const left = GAP_PX + i * (t + GAP_PX);
    let resized: Buffer;
    try {
      resized = await sharp(tile.image).removeAlpha().resize(t, t, { fit: 'contain', kernel: 'nearest', background: { r: 255, g: 255, b: 255 } }).png().toBuffer();
    } catch (err) {
      throw new InputError(`contactSheet: tile ${i} ("${tile.caption}") is not a readable image (${err instanceof Error ? err.message : String(err)})`, { option: 'tiles' });
    }
    if (tile.synthesized) {
      const frame = Buffer.from(`<svg width="${t + 4}" height="${t + 4}"><rect x="1" y="1" width="${t + 2}" height="${t + 2}" fill="none" stroke="#d00" stroke-width="2"/></svg>`);
      layers.push({ input: frame, left: left - 2, top: GAP_PX - 2 });
    }
    layers.push({ input: resized, left, top: GAP_PX });
    const colour = tile.synthesized ? '#c00' : '#222';
    const caption = Buffer.from(
      `<svg width="${t}" height="${CAPTION_PX}"><text x="${t / 2}" y="${CAPTION_PX - 5}" font-family="sans-serif" font-size="11" text-anchor="middle" fill="${colour}">${escapeXml(tile.caption)}</text></svg>`,
    );
    layers.push({ input: caption, left, top: GAP_PX + t });
  }
  const png = await sharp({ create: { width, height, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite(layers)
    .png()
    .toBuffer();
  return addPngText(png, layout.text);
}
