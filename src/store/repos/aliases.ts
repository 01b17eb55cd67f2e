// Model aliases: a name callers use (e.g. "fast-chat") mapped to a body that routing/
// interprets (targets, weights…). The store keeps the body as opaque JSON.

import type { Queryable } from '../db.js';
import { mapWriteError, NotFoundError } from '../errors.js';
import { pageSize, toPage, type Page, type PageRequest } from './page.js';
import { jsonParam } from './sql.js';

export interface Alias {
  name: string;
  body: unknown;
  updatedAt: Date;
}

interface AliasRow {
  name: string;
  body: unknown;
  updated_at: Date;
}

const COLUMNS = 'name, body, updated_at';

function toAlias(r: AliasRow): Alias {
  return { name: r.name, body: r.body, updatedAt: r.updated_at };
}

export async function createAlias(q: Queryable, name: string, body: unknown): Promise<Alias> {
  try {
    const { rows } = await q.query<AliasRow>(`INSERT INTO aliases (name, body) VALUES ($1, $2::jsonb) RETURNING ${COLUMNS}`, [
      name,
      jsonParam(body),
    ]);
    return toAlias(rows[0]!);
  } catch (err) {
    return mapWriteError(err, 'alias', name);
  }
}

/** Create or replace. */
export async function putAlias(q: Queryable, name: string, body: unknown): Promise<Alias> {
  const { rows } = await q.query<AliasRow>(
    `INSERT INTO aliases (name, body) VALUES ($1, $2::jsonb)
     ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body, updated_at = now()
     RETURNING ${COLUMNS}`,
    [name, jsonParam(body)],
  );
  return toAlias(rows[0]!);
}

export async function getAlias(q: Queryable, name: string): Promise<Alias | null> {
  const { rows } = await q.query<AliasRow>(`SELECT ${COLUMNS} FROM aliases WHERE name = $1`, [name]);
  return rows[0] ? toAlias(rows[0]) : null;
}

export async function listAliases(q: Queryable, page: PageRequest = {}): Promise<Page<Alias>> {
  const size = pageSize(page.limit);
  const { rows } = await q.query<AliasRow>(`SELECT ${COLUMNS} FROM aliases WHERE $1::text IS NULL OR name > $1 ORDER BY name LIMIT $2`, [
    page.after ?? null,
    size + 1,
  ]);
  return toPage(rows, size, toAlias, (a) => a.name);
}

export async function deleteAlias(q: Queryable, name: string): Promise<void> {
  const { rowCount } = await q.query('DELETE FROM aliases WHERE name = $1', [name]);
  if (rowCount === 0) throw new NotFoundError('alias', name);
}
