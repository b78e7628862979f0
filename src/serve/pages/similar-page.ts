import type { TrackListItem } from '../../store';
import { html } from '../html';
import { layout } from './layout';
import type { PageContext } from './page-context';
import { trackTable } from './track-table';

/** One ranked match of "find this person". */
export interface SimilarMatch {
  readonly track: TrackListItem;
  /** Cosine similarity of the two F_M, in [-1, 1]. */
  readonly cosine: number;
}

/** GET /tracks/:id/similar: tracks ranked by cosine similarity of their F_M to this track's. */
export function similarPage(query: TrackListItem, modelId: string, matches: readonly SimilarMatch[], ctx: PageContext): string {
  const cosineById = new Map(matches.map((m) => [m.track.id, m.cosine]));
  const body = html`<p class="lead">Tracks ranked by cosine similarity of their F_M (embedder <b>${modelId}</b>) to
<a href="/tracks/${query.id}">track ${query.id}</a> <img class="thumb" src="/img/tracks/${query.id}/lr0" alt="LR_0 of track ${query.id}" width="48" height="48"></p>
${trackTable(
  matches.map((m) => m.track),
  ctx,
  { header: 'rank · cosine', cell: (t, i) => html`<span class="rank">${i + 1}</span> · <span class="cosine">${(cosineById.get(t.id) ?? NaN).toFixed(4)}</span>` },
)}`;
  return layout(`Find this person: track ${query.id}`, body, ctx);
}
