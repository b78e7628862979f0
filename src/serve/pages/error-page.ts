import { html } from '../html';
import { layout } from './layout';
import type { PageContext } from './page-context';

/** An error as a page (status and message; never a stack). */
export function errorPage(statusCode: number, message: string, ctx: PageContext): string {
  return layout(`Error ${statusCode}`, html`<p class="error" id="error-message">${message}</p><p><a href="/">back to the sources</a></p>`, ctx);
}
