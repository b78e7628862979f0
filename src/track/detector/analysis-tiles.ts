/** A rectangle of the frame analysed on its own, in frame pixels (integers). */
export interface AnalysisTile {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

function starts(length: number, tile: number, overlap: number): number[] {
  if (tile >= length) return [0];
  const stride = tile - overlap;
  const count = Math.ceil((length - tile) / stride) + 1;
  const out: number[] = [];
  // Spread the tiles evenly so the last one ends exactly at the border.
  for (let i = 0; i < count; i++) out.push(Math.round((i * (length - tile)) / (count - 1)));
  return out;
}

/**
 * Square tiles of side `tileSizePx` (clipped to the frame) covering a `width` x `height` frame,
 * neighbours overlapping by at least `overlapPx`, row-major order.
 * @throws RangeError for non-positive sizes or overlap >= tile size.
 */
export function analysisTiles(width: number, height: number, tileSizePx: number, overlapPx: number): AnalysisTile[] {
  if (!(width > 0 && height > 0 && tileSizePx > 0)) throw new RangeError(`analysisTiles: sizes must be positive, received ${width}x${height}, tile ${tileSizePx}`);
  if (!(overlapPx >= 0 && overlapPx < tileSizePx)) throw new RangeError(`analysisTiles: overlapPx must be in [0, ${tileSizePx}), received ${overlapPx}`);
  const tiles: AnalysisTile[] = [];
  const tw = Math.min(tileSizePx, width);
  const th = Math.min(tileSizePx, height);
  for (const y of starts(height, th, overlapPx)) {
    for (const x of starts(width, tw, overlapPx)) tiles.push({ x, y, width: tw, height: th });
  }
  return tiles;
}
