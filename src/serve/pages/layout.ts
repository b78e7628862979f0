import { html, type SafeHtml } from '../html';
import type { PageContext } from './page-context';

/** The page shell: navigation, the read-only badge, the shared stylesheet and script (no inline code: CSP). */
export function layout(title: string, body: SafeHtml, ctx: PageContext): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · fasr review</title>
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body data-poll-ms="${ctx.pollIntervalMs}">
<header class="top">
  <a class="brand" href="/">fasr review</a>
  <nav><a href="/">Sources</a> <a href="/search">Search</a> <a href="/tasks">Tasks</a></nav>
  ${ctx.readOnly ? html`<span class="badge ro" id="read-only">read-only</span>` : null}
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`.text;
}

/** Previous / next links of a keyset-paginated list. */
export function pager(firstHref: string | null, nextHref: string | null): SafeHtml {
  return html`<nav class="pager">${firstHref !== null ? html`<a href="${firstHref}" rel="first">first page</a>` : null} ${
    nextHref !== null ? html`<a href="${nextHref}" rel="next" class="next-page">next page</a>` : html`<span class="muted">last page</span>`
  }</nav>`;
}
