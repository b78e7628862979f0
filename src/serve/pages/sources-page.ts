import { SOURCE_STATUSES, type JobStatus, type Page, type RunRow, type SourceRow, type SourceStatus } from '../../store';
import { hrefWith, html, type SafeHtml } from '../html';
import { baseName, formatDurationMs, formatWallMs } from './format';
import { layout, pager } from './layout';
import type { PageContext } from './page-context';

/** Everything the status panel shows (also the JSON of GET /api/status). */
export interface StatusSummary {
  readonly sources: Readonly<Record<SourceStatus, number>>;
  readonly jobs: Readonly<Record<JobStatus, number>>;
  /** Runs still marked running (a batch or watch in progress, or one that crashed). */
  readonly runningRuns: readonly Pick<RunRow, 'id' | 'command' | 'startedAtMs'>[];
  /** Sources being processed now. */
  readonly runningSources: readonly Pick<SourceRow, 'id' | 'path' | 'lastRunId' | 'startedAtMs'>[];
  /** This server's own tasks (enhance / export) not finished yet. */
  readonly activeTasks: number;
}

/** The live status panel; app.js refreshes the [data-field] elements from /api/status. */
export function statusPanel(s: StatusSummary): SafeHtml {
  const total = SOURCE_STATUSES.reduce((n, k) => n + s.sources[k], 0);
  const finished = s.sources.done + s.sources.failed;
  return html`<section id="status" class="panel" data-poll="/api/status">
  <p>Sources: ${SOURCE_STATUSES.map(
    (k) => html`<span class="st st-${k}"><b data-field="sources.${k}">${s.sources[k]}</b> ${k}</span> `,
  )}</p>
  <p>Progress: <progress id="batch-progress" max="${Math.max(total, 1)}" value="${finished}"></progress>
    <span data-field="progressText">${finished} / ${total} sources finished</span></p>
  <p>Runs in progress: <span data-field="runningRunsText">${runningRunsText(s)}</span></p>
  <p>Processing now: <span data-field="runningSourcesText">${runningSourcesText(s)}</span></p>
  <p>Jobs: <b data-field="jobs.queued">${s.jobs.queued}</b> queued, <b data-field="jobs.running">${s.jobs.running}</b> running,
    <b data-field="jobs.done">${s.jobs.done}</b> done, <b data-field="jobs.failed">${s.jobs.failed}</b> failed ·
    server tasks active: <b data-field="activeTasks">${s.activeTasks}</b> (<a href="/tasks">tasks</a>)</p>
</section>`;
}

/** One-line texts of the panel (the JSON carries them too, so the script only sets textContent). */
export function runningRunsText(s: StatusSummary): string {
  return s.runningRuns.length === 0 ? 'none' : s.runningRuns.map((r) => `#${r.id} ${r.command} (since ${formatWallMs(r.startedAtMs)})`).join('; ');
}

export function runningSourcesText(s: StatusSummary): string {
  return s.runningSources.length === 0 ? 'none' : s.runningSources.map((r) => baseName(r.path)).join(', ');
}

export interface SourcesPageInput {
  readonly status: StatusSummary;
  readonly page: Page<SourceRow>;
  readonly filter: { readonly status?: string; readonly camera?: string; readonly after?: number };
}

/** GET /: the sources with status, duration, camera and errors, and the live progress panel. */
export function sourcesPage(input: SourcesPageInput, ctx: PageContext): string {
  const { page, filter } = input;
  const rows = page.items.map(
    (s) => html`<tr class="source-row" data-source-id="${s.id}">
  <td>${s.id}</td>
  <td><a class="source-link" href="/sources/${s.id}" title="${s.path}">${baseName(s.path)}</a></td>
  <td>${s.camera ?? '–'}</td>
  <td><span class="st st-${s.status}">${s.status}</span>${s.attempts > 1 ? html` <span class="muted">(${s.attempts} attempts)</span>` : null}</td>
  <td>${formatDurationMs(s.durationMs)}</td>
  <td>${s.widthPx !== null && s.heightPx !== null ? `${s.widthPx}×${s.heightPx}` : '–'}</td>
  <td>${formatWallMs(s.recordedAtMs)}</td>
  <td class="error">${s.error ?? ''}</td>
</tr>`,
  );
  const base = { status: filter.status, camera: filter.camera };
  const body = html`${statusPanel(input.status)}
<form class="filters" method="get" action="/">
  <label>Status <select name="status"><option value="">any</option>${SOURCE_STATUSES.map(
    (k) => html`<option value="${k}"${filter.status === k ? html` selected` : null}>${k}</option>`,
  )}</select></label>
  <label>Camera <input name="camera" value="${filter.camera ?? ''}" maxlength="256"></label>
  <button type="submit">Filter</button>
</form>
<table id="sources" class="list">
<thead><tr><th>id</th><th>file</th><th>camera</th><th>status</th><th>duration</th><th>size</th><th>recorded (UTC)</th><th>error</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="8" class="muted">no sources</td></tr>` : rows}</tbody>
</table>
${pager(filter.after !== undefined ? hrefWith('/', base) : null, page.nextAfterId !== null ? hrefWith('/', { ...base, after: page.nextAfterId }) : null)}`;
  return layout('Sources', body, ctx);
}
