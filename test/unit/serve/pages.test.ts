import { assignLanes, trackTimeline } from '../../../src/serve/pages/source-page';
import { formatPtsMs, formatWallMs } from '../../../src/serve/pages/format';
import type { TrackListItem } from '../../../src/store';

function track(id: number, firstPtsMs: number, lastPtsMs: number): TrackListItem {
  return {
    id, sourceId: 1, runId: null, trackKey: id, firstFrameIndex: 0, lastFrameIndex: 1, firstPtsMs, lastPtsMs, lr0DetectionId: 1,
    detectionCount: 2, cropCount: 0, embeddingCount: 0, bestQuality: 0.5, status: 'ok', rejectReason: null, parts: null, createdAtMs: 0,
    sourcePath: '/v.mp4', camera: null, startAtMs: null, endAtMs: null,
  };
}

describe('timeline', () => {
  it('puts overlapping tracks on different lanes and reuses a lane once it is free', () => {
    expect(assignLanes([{ startMs: 0, endMs: 10 }, { startMs: 5, endMs: 20 }, { startMs: 11, endMs: 30 }, { startMs: 21, endMs: 25 }])).toEqual([0, 1, 0, 1]);
    expect(assignLanes([])).toEqual([]);
  });

  it('draws one linked bar per track, scaled to the source duration', () => {
    const svg = trackTimeline([track(7, 0, 5000), track(8, 2500, 10000)], 10000).text;
    expect(svg.match(/<rect class="bar/g)).toHaveLength(2);
    expect(svg).toContain('<a href="/tracks/7" class="bar-link"><rect class="bar bar-ok" data-track-id="7" x="0" y="22" width="500" height="13">');
    expect(svg).toContain('data-track-id="8" x="250" y="38" width="750"');
  });
});

describe('formatting', () => {
  it('formats stream and wall-clock times', () => {
    expect(formatPtsMs(61234)).toBe('1:01.234');
    expect(formatPtsMs(852)).toBe('0:00.852');
    expect(formatPtsMs(null)).toBe('–');
    expect(formatWallMs(Date.UTC(2024, 4, 1, 12, 0, 5, 123))).toBe('2024-05-01T12:00:05Z');
  });
});
