import { analysisTiles } from '../../../../src/track/detector';

describe('analysisTiles', () => {
  it('is one tile when the tile covers the frame', () => {
    expect(analysisTiles(200, 100, 256, 64)).toEqual([{ x: 0, y: 0, width: 200, height: 100 }]);
  });

  it('covers a 1280x720 frame with square tiles that overlap by at least the requested amount', () => {
    const tiles = analysisTiles(1280, 720, 320, 64);
    // x: ceil((1280-320)/256)+1 = 5 columns; y: ceil((720-320)/256)+1 = 3 rows
    expect(tiles).toHaveLength(15);
    for (const t of tiles) {
      expect(t.width).toBe(320);
      expect(t.height).toBe(320);
      expect(t.x).toBeGreaterThanOrEqual(0);
      expect(t.y).toBeGreaterThanOrEqual(0);
      expect(t.x + t.width).toBeLessThanOrEqual(1280);
      expect(t.y + t.height).toBeLessThanOrEqual(720);
    }
    const xs = [...new Set(tiles.map((t) => t.x))].sort((a, b) => a - b);
    expect(xs[0]).toBe(0);
    expect(xs[xs.length - 1]).toBe(960);
    for (let i = 1; i < xs.length; i++) expect((xs[i - 1] as number) + 320 - (xs[i] as number)).toBeGreaterThanOrEqual(64);
    // every pixel is covered
    for (const [px, py] of [[0, 0], [1279, 719], [640, 360], [959, 400]] as const) {
      expect(tiles.some((t) => px >= t.x && px < t.x + t.width && py >= t.y && py < t.y + t.height)).toBe(true);
    }
  });

  it('rejects bad sizes', () => {
    expect(() => analysisTiles(0, 10, 64, 0)).toThrow(RangeError);
    expect(() => analysisTiles(100, 100, 64, 64)).toThrow(/overlapPx must be in \[0, 64\), received 64/);
  });
});
