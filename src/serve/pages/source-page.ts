import type { Page, SourceRow, TrackListItem } from '../../store';
import { hrefWith, html, type SafeHtml } from '../html';
import { formatDurationMs, formatFixed, formatPtsMs, formatWallMs } from './format';
import { layout, pager } from './layout';
import type { PageContext } from './page-context';
import { actionBlock, taskStatusBox, trackTable } from './track-table';

const TIMELINE_WIDTH = 1000;
const LANE_HEIGHT = 16;
const AXIS_HEIGHT = 22;

/**
 * Assigns each interval the lowest lane whose last interval ended before it starts (greedy
 * interval colouring; optimal for intervals sorted by start).
 */
export function assignLanes(spans: readonly { readonly startMs: number; readonly endMs: number }[]): number[] {
  const order = spans.map((_, i) => i).sort((a, b) => (spans[a]?.startMs ?? 0) - (spans[b]?.startMs ?? 0));
  const laneEnds: number[] = [];
  const lanes = new Array<number>(spans.length).fill(0);
  for (const i of order) {
    const s = spans[i];
    if (s === undefined) continue;
    let lane = laneEnds.findIndex((end) => end < s.startMs);
    if (lane === -1) {
      lane = laneEnds.length;
      laneEnds.push(s.endMs);
    } else laneEnds[lane] = s.endMs;
    lanes[i] = lane;
  }
  return lanes;
}

/** SVG timeline of tracks over the source's stream time; each bar links to its track. */
export function trackTimeline(tracks: readonly TrackListItem[], durationMs: number | null): SafeHtml {
  const endMs = Math.max(durationMs ?? 0, ...tracks.map((t) => t.lastPtsMs), 1);
  const startMs = Math.min(0, ...tracks.map((t) => t.firstPtsMs));
  const span = endMs - startMs;
  const x = (ms: number): number => Math.round(((ms - startMs) / span) * TIMELINE_WIDTH * 10) / 10;
  const lanes = assignLanes(tracks.map((t) => ({ startMs: t.firstPtsMs, endMs: t.lastPtsMs })));
  const laneCount = Math.max(1, ...lanes.map((l) => l + 1));
  const height = AXIS_HEIGHT + laneCount * LANE_HEIGHT;
  const ticks: SafeHtml[] = [];
  const tickStepMs = niceStep(span / 10);
  for (let t = Math.ceil(startMs / tickStepMs) * tickStepMs; t <= endMs; t += tickStepMs) {
    ticks.push(html`<g class="tick"><line x1="${x(t)}" x2="${x(t)}" y1="0" y2="${height}"></line><text x="${x(t) + 2}" y="12">${(t / 1000).toFixed(tickStepMs < 1000 ? 1 : 0)} s</text></g>`);
  }
  const bars = tracks.map((t, i) => {
    const x0 = x(t.firstPtsMs);
    const w = Math.max(2, x(t.lastPtsMs) - x0);
    const y = AXIS_HEIGHT + (lanes[i] ?? 0) * LANE_HEIGHT;
    return html`<a href="/tracks/${t.id}" class="bar-link"><rect class="bar bar-${t.status}" data-track-id="${t.id}" x="${x0}" y="${y}" width="${w}" height="${LANE_HEIGHT - 3}"><title>track ${t.id} (key ${t.trackKey}): ${formatPtsMs(t.firstPtsMs)} – ${formatPtsMs(t.lastPtsMs)}, ${t.detectionCount} detections, best quality ${formatFixed(t.bestQuality, 3)}</title></rect></a>`;
  });
  return html`<svg id="timeline" class="timeline" role="img" aria-label="tracks over time" viewBox="0 0 ${TIMELINE_WIDTH} ${height}" width="100%" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">${ticks}${bars}</svg>`;
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

export interface SourcePageInput {
  readonly source: SourceRow;
  readonly tracks: Page<TrackListItem>;
  readonly after?: number;
}

/** GET /sources/:id: facts, the track timeline, the tracks, and "enhance all tracks". */
export function sourcePage(input: SourcePageInput, ctx: PageContext): string {
  const s = input.source;
  const blocked = actionBlock(ctx, 'enhance');
  const body = html`<dl class="facts">
  <dt>path</dt><dd id="source-path">${s.path}</dd>
  <dt>status</dt><dd><span class="st st-${s.status}">${s.status}</span> (${s.attempts} ${s.attempts === 1 ? 'attempt' : 'attempts'})</dd>
  ${s.error !== null ? html`<dt>error</dt><dd class="error">${s.error}</dd>` : null}
  <dt>camera</dt><dd>${s.camera ?? '–'}</dd>
  <dt>recorded (UTC)</dt><dd>${formatWallMs(s.recordedAtMs)}</dd>
  <dt>duration</dt><dd>${formatDurationMs(s.durationMs)}</dd>
  <dt>video</dt><dd>${s.codec ?? '–'} ${s.widthPx ?? '?'}×${s.heightPx ?? '?'} @ ${formatFixed(s.fps, 2)} fps${s.rotationDeg ? `, rotated ${s.rotationDeg}°` : ''}</dd>
  <dt>sha256</dt><dd class="mono">${s.sha256 ?? '–'}</dd>
  <dt>last run</dt><dd>${s.lastRunId ?? '–'}</dd>
</dl>
<form class="action-form" data-endpoint="/api/sources/${s.id}/enhance">
  <button type="submit"${blocked !== null ? html` disabled title="${blocked}"` : null}>Enhance all tracks of this source</button>
  ${blocked !== null ? html`<span class="muted unavailable">${blocked}</span>` : null}
  ${taskStatusBox()}
</form>
<h2>Timeline <span class="muted">(tracks on this page)</span></h2>
${trackTimeline(input.tracks.items, s.durationMs)}
<h2>Tracks</h2>
${trackTable(input.tracks.items, ctx)}
${pager(input.after !== undefined ? `/sources/${s.id}` : null, input.tracks.nextAfterId !== null ? hrefWith(`/sources/${s.id}`, { after: input.tracks.nextAfterId }) : null)}`;
  return layout(`Source ${s.id}`, body, ctx);
}
