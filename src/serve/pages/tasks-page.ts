import { html } from '../html';
import type { TaskView } from '../task-runner';
import { formatWallMs } from './format';
import { layout } from './layout';
import type { PageContext } from './page-context';

/**
 * GET /tasks: the enhance / export tasks kept in the store, newest first (polled while any is
 * active); a failed or interrupted one has a re-run button (unless read-only).
 */
export function tasksPage(tasks: readonly TaskView[], ctx: PageContext): string {
  const active = tasks.some((t) => t.status === 'queued' || t.status === 'running');
  const rows = tasks.map(
    (t) => html`<tr class="task-row" data-task-id="${t.id}"><td>${t.id}</td><td>${t.kind}</td><td>${t.description}</td>
<td><span class="st st-${t.status}">${t.status}</span></td><td>${t.done} / ${t.total}</td><td>${formatWallMs(t.createdAtMs)}</td>
<td class="error">${t.error ?? ''}</td><td><pre class="result">${t.result === null ? '' : JSON.stringify(t.result, null, 1)}</pre></td>
<td>${(t.status === 'failed' || t.status === 'interrupted') && !ctx.readOnly ? html`<button type="button" class="rerun" data-endpoint="/api/tasks/${t.id}/rerun">re-run</button><div class="task-status"></div>` : null}</td></tr>`,
  );
  const body = html`<table class="list" id="tasks"${active ? html` data-reload-while-active="1"` : null}>
<thead><tr><th>id</th><th>kind</th><th>what</th><th>status</th><th>progress</th><th>created (UTC)</th><th>error</th><th>result</th><th></th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="9" class="muted">no tasks yet</td></tr>` : rows}</tbody></table>`;
  return layout('Tasks', body, ctx);
}
