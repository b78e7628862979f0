import { html } from '../html';
import type { TaskView } from '../task-runner';
import { formatWallMs } from './format';
import { layout } from './layout';
import type { PageContext } from './page-context';

/** GET /tasks: this server's enhance / export tasks, newest first (polled while any is active). */
export function tasksPage(tasks: readonly TaskView[], ctx: PageContext): string {
  const active = tasks.some((t) => t.status === 'queued' || t.status === 'running');
  const rows = tasks.map(
    (t) => html`<tr class="task-row" data-task-id="${t.id}"><td>${t.id}</td><td>${t.kind}</td><td>${t.description}</td>
<td><span class="st st-${t.status}">${t.status}</span></td><td>${t.done} / ${t.total}</td><td>${formatWallMs(t.createdAtMs)}</td>
<td class="error">${t.error ?? ''}</td><td><pre class="result">${t.result === null ? '' : JSON.stringify(t.result, null, 1)}</pre></td></tr>`,
  );
  const body = html`<table class="list" id="tasks"${active ? html` data-reload-while-active="1"` : null}>
<thead><tr><th>id</th><th>kind</th><th>what</th><th>status</th><th>progress</th><th>created (UTC)</th><th>error</th><th>result</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="8" class="muted">no tasks since the server started</td></tr>` : rows}</tbody></table>`;
  return layout('Tasks', body, ctx);
}
