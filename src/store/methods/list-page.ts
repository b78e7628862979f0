import type { Page } from '../store';
import type { StoreCore } from '../store-core';
import type { ArgCheck } from '../validate';

const DEFAULT_PAGE = 100;
/** Largest page a list returns, and the largest `limit` any store query accepts. */
export const MAX_PAGE = 1000;

/** The keyset cursor of a list query: the `limit` rows after `afterId`, in id order. */
export interface PageCursor {
  readonly afterId: number;
  readonly limit: number;
}

/** Checks a list query's `afterId` (default 0) and `limit` (1..1000, default 100). */
export function pageCursor(a: ArgCheck, q: Readonly<Record<string, unknown>>): PageCursor {
  return {
    afterId: q.afterId === undefined ? 0 : a.int('query.afterId', q.afterId, 0),
    limit: q.limit === undefined ? DEFAULT_PAGE : a.int('query.limit', q.limit, 1, MAX_PAGE),
  };
}

/**
 * The filters of a list, by parameter name: the SQL condition that binds `@name`, and its value;
 * a filter whose value is undefined is left out.
 */
export type PageFilters = Readonly<Record<string, readonly [condition: string, value: string | number | undefined]>>;

/** A list's SELECT (everything before WHERE), the id column it pages on, and its filters. */
export interface PagedQuery {
  readonly select: string;
  readonly idColumn: string;
  readonly filters: PageFilters;
}

/**
 * One page of `query` after `cursor`, in ascending id order, read by the store method `where`
 * (its name in errors). Fetches `limit + 1` rows: the extra row only says that another page
 * exists. Statements are prepared once per set of filters present.
 */
export function readPage<Raw, Row extends { readonly id: number }>(
  core: StoreCore,
  where: string,
  query: PagedQuery,
  cursor: PageCursor,
  toRow: (raw: Raw) => Row,
): Page<Row> {
  return core.guard(where, () => {
    const conds = [`${query.idColumn} > @afterId`];
    const params: Record<string, unknown> = { afterId: cursor.afterId, limit: cursor.limit + 1 };
    for (const [name, [condition, value]] of Object.entries(query.filters)) {
      if (value === undefined) continue;
      conds.push(condition);
      params[name] = value;
    }
    const sql = `${query.select} WHERE ${conds.join(' AND ')} ORDER BY ${query.idColumn} LIMIT @limit`;
    const rows = core.cached<Raw>(sql).all(params).map(toRow);
    const items = rows.slice(0, cursor.limit);
    const last = items[items.length - 1];
    return Object.freeze({ items: Object.freeze(items), nextAfterId: rows.length > cursor.limit && last !== undefined ? last.id : null });
  });
}

/**
 * Every row of `query` after `cursor.afterId`, in id order, as one iterator over its pages:
 * one {@link readPage} of `cursor.limit` rows each, read when the previous page is used up (so
 * rows written while the caller iterates are seen when their id is above the last one returned).
 */
export function iteratePages<Raw, Row extends { readonly id: number }>(
  core: StoreCore,
  where: string,
  query: PagedQuery,
  cursor: PageCursor,
  toRow: (raw: Raw) => Row,
): IterableIterator<Row> {
  return (function* pages(): IterableIterator<Row> {
    let afterId: number | null = cursor.afterId;
    while (afterId !== null) {
      const page: Page<Row> = readPage(core, where, query, { afterId, limit: cursor.limit }, toRow);
      yield* page.items;
      afterId = page.nextAfterId;
    }
  })();
}

/** How many rows of `table` have each status (every status present, 0 when none). */
export function countByStatus<S extends string>(core: StoreCore, where: string, table: 'sources' | 'jobs', statuses: readonly S[]): Readonly<Record<S, number>> {
  return core.guard(where, () => {
    const counts = Object.fromEntries(statuses.map((s) => [s, 0])) as Record<S, number>;
    for (const r of core.db.prepare<[], { status: S; n: number }>(`SELECT status, count(*) AS n FROM ${table} GROUP BY status`).all()) {
      counts[r.status] = r.n;
    }
    return Object.freeze(counts);
  });
}
