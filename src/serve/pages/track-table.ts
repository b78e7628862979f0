import type { TrackListItem } from '../../store';
import { html, type SafeHtml } from '../html';
import { baseName, formatFixed, formatPtsMs, formatWallMs } from './format';
import type { PageContext } from './page-context';

/** An extra leading column (e.g. rank and cosine of a similarity search). */
export interface ExtraColumn {
  readonly header: string;
  readonly cell: (t: TrackListItem, index: number) => SafeHtml | string;
}

/** Why the action buttons are disabled, or null when they work. */
export function actionBlock(ctx: PageContext, action: 'enhance' | 'export'): string | null {
  if (ctx.readOnly) return 'read-only mode: actions are disabled';
  if (!(action === 'enhance' ? ctx.canEnhance : ctx.canExport)) return ctx.unavailableReasons[action];
  return null;
}

/** Where an action's task status appears (app.js fills it). */
export function taskStatusBox(): SafeHtml {
  return html`<div class="task-status" role="status" aria-live="polite"></div>`;
}

/**
 * A table of tracks with a thumbnail of LR_0 and, for export, a checkbox per row inside a form
 * that app.js posts to /api/export.
 */
export function trackTable(items: readonly TrackListItem[], ctx: PageContext, extra?: ExtraColumn): SafeHtml {
  const blocked = actionBlock(ctx, 'export');
  const rows = items.map(
    (t, i) => html`<tr class="track-row" data-track-id="${t.id}">
  <td><input type="checkbox" name="trackId" value="${t.id}" aria-label="select track ${t.id}"></td>
  ${extra !== undefined ? html`<td class="extra">${extra.cell(t, i)}</td>` : null}
  <td><a class="track-link" href="/tracks/${t.id}"><img class="thumb" src="/img/tracks/${t.id}/lr0" alt="LR_0 of track ${t.id}" loading="lazy" width="48" height="48"></a></td>
  <td><a class="track-link" href="/tracks/${t.id}">track ${t.id}</a> <span class="muted">key ${t.trackKey}</span></td>
  <td><a href="/sources/${t.sourceId}" title="${t.sourcePath}">${baseName(t.sourcePath)}</a></td>
  <td>${t.camera ?? '–'}</td>
  <td>${formatPtsMs(t.firstPtsMs)} – ${formatPtsMs(t.lastPtsMs)}</td>
  <td>${formatWallMs(t.startAtMs)}</td>
  <td>${t.detectionCount}</td>
  <td>${formatFixed(t.bestQuality, 3)}</td>
  <td><span class="st st-${t.status}">${t.status}</span>${t.rejectReason !== null ? html` <span class="muted">${t.rejectReason}</span>` : null}</td>
</tr>`,
  );
  return html`<form class="export-form" data-endpoint="/api/export">
<table class="list tracks">
<thead><tr><th></th>${extra !== undefined ? html`<th>${extra.header}</th>` : null}<th>LR_0</th><th>track</th><th>source</th><th>camera</th><th>stream time</th><th>start (UTC)</th><th>detections</th><th>best quality</th><th>status</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="11" class="muted">no tracks</td></tr>` : rows}</tbody>
</table>
<p><button type="submit" class="export-button"${blocked !== null ? html` disabled title="${blocked}"` : null}>Export selected tracks</button>
${blocked !== null ? html`<span class="muted unavailable">${blocked}</span>` : null}</p>
${taskStatusBox()}
</form>`;
}
