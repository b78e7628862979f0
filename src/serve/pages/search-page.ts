import { TRACK_STATUSES, type Page, type TrackListItem } from '../../store';
import { hrefWith, html } from '../html';
import { datetimeLocalValue } from './format';
import { layout, pager } from './layout';
import type { PageContext } from './page-context';
import { trackTable } from './track-table';

export interface SearchFilter {
  readonly camera?: string;
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly status?: string;
  readonly after?: number;
}

/** GET /search: tracks by camera and wall-clock window (UTC), paginated. */
export function searchPage(filter: SearchFilter, page: Page<TrackListItem>, ctx: PageContext): string {
  const base = { camera: filter.camera, from: filter.fromMs, to: filter.toMs, status: filter.status };
  const body = html`<form class="filters" method="get" action="/search" id="search-form">
  <label>Camera <input name="camera" value="${filter.camera ?? ''}" maxlength="256"></label>
  <label>From (UTC) <input name="from" type="datetime-local" step="1" value="${datetimeLocalValue(filter.fromMs)}"></label>
  <label>To (UTC) <input name="to" type="datetime-local" step="1" value="${datetimeLocalValue(filter.toMs)}"></label>
  <label>Status <select name="status"><option value="">any</option>${TRACK_STATUSES.map(
    (k) => html`<option value="${k}"${filter.status === k ? html` selected` : null}>${k}</option>`,
  )}</select></label>
  <button type="submit">Search</button>
</form>
<p class="muted">A track matches a window when its time span overlaps it; tracks of sources without a recording time never match a window.</p>
${trackTable(page.items, ctx)}
${pager(filter.after !== undefined ? hrefWith('/search', base) : null, page.nextAfterId !== null ? hrefWith('/search', { ...base, after: page.nextAfterId }) : null)}`;
  return layout('Search tracks', body, ctx);
}
