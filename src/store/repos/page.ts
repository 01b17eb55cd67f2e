// Keyset paging shared by the repositories: `after` is the last key of the previous page, so a
// page costs one index range scan however deep it is, and rows inserted meanwhile never shift
// later pages (OFFSET paging would skip or repeat them).

export interface PageRequest {
  /** The `next` value of the previous page; omit for the first page. */
  after?: string | undefined;
  /** Page size, 1..1000 (default 100). */
  limit?: number | undefined;
}

export interface Page<T> {
  items: T[];
  /** Pass as `after` to get the next page; null on the last page. */
  next: string | null;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`page limit must be a positive integer, got ${limit}`);
  return Math.min(limit, MAX_PAGE_SIZE);
}

/**
 * Builds a page from rows fetched with LIMIT size+1: the extra row only tells whether another
 * page exists, which saves the client a final empty request.
 */
export function toPage<R, T>(rows: R[], size: number, map: (r: R) => T, key: (t: T) => string): Page<T> {
  const items = rows.slice(0, size).map(map);
  const last = items[items.length - 1];
  return { items, next: rows.length > size && last !== undefined ? key(last) : null };
}

/** Reads every page of a keyset-paged listing (where every row is needed: reloads, seeding). */
export async function readAll<T, Q>(list: (q: Q, page: PageRequest) => Promise<Page<T>>, q: Q): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await list(q, { after, limit: MAX_PAGE_SIZE });
    out.push(...page.items);
    if (!page.next) return out;
    after = page.next;
  }
}
