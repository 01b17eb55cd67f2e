// Rate limits made through AdminService (table rate_limits, migration 0007). What they are
// only: the counting lives in Redis (src/limits/).
import type { Queryable } from '../db.js';
import { mapWriteError, NotFoundError } from '../errors.js';
import { pageSize, toPage, type Page, type PageRequest } from './page.js';

export type RateLimitScope = 'tenant' | 'api_key' | 'model';

export interface StoredRateLimit {
  id: string;
  tenantId: string;
  scope: RateLimitScope;
  apiKeyId: string;
  model: string;
  requestsPerMinute: number;
  tokensPerMinute: number;
  concurrent: number;
}

interface Row {
  id: string;
  tenant_id: string;
  scope: RateLimitScope;
  api_key_id: string;
  model: string;
  requests_per_minute: number;
  tokens_per_minute: string | number | bigint;
  concurrent: number;
}

const COLUMNS = 'id, tenant_id, scope, api_key_id, model, requests_per_minute, tokens_per_minute, concurrent';

const toLimit = (r: Row): StoredRateLimit => ({
  id: r.id,
  tenantId: r.tenant_id,
  scope: r.scope,
  apiKeyId: r.api_key_id,
  model: r.model,
  requestsPerMinute: Number(r.requests_per_minute),
  tokensPerMinute: Number(r.tokens_per_minute),
  concurrent: Number(r.concurrent),
});

const params = (l: StoredRateLimit) => [
  l.id,
  l.tenantId,
  l.scope,
  l.apiKeyId,
  l.model,
  l.requestsPerMinute,
  l.tokensPerMinute,
  l.concurrent,
];

export async function createRateLimit(q: Queryable, l: StoredRateLimit): Promise<StoredRateLimit> {
  try {
    const { rows } = await q.query<Row>(
      `INSERT INTO rate_limits (id, tenant_id, scope, api_key_id, model, requests_per_minute, tokens_per_minute, concurrent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      params(l),
    );
    return toLimit(rows[0]!);
  } catch (err) {
    return mapWriteError(err, 'rate_limit', l.id, { entity: 'tenant', id: l.tenantId });
  }
}

export async function updateRateLimit(q: Queryable, l: StoredRateLimit): Promise<StoredRateLimit> {
  let rows: Row[];
  try {
    ({ rows } = await q.query<Row>(
      `UPDATE rate_limits SET tenant_id = $2, scope = $3, api_key_id = $4, model = $5, requests_per_minute = $6,
              tokens_per_minute = $7, concurrent = $8, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      params(l),
    ));
  } catch (err) {
    return mapWriteError(err, 'rate_limit', l.id, { entity: 'tenant', id: l.tenantId });
  }
  if (rows.length === 0) throw new NotFoundError('rate_limit', l.id);
  return toLimit(rows[0]!);
}

export async function getRateLimit(q: Queryable, id: string): Promise<StoredRateLimit | null> {
  const { rows } = await q.query<Row>(`SELECT ${COLUMNS} FROM rate_limits WHERE id = $1`, [id]);
  return rows[0] ? toLimit(rows[0]) : null;
}

/** Keyset-paged by id; `tenantId`: only that tenant's. */
export async function listRateLimits(
  q: Queryable,
  page: PageRequest & { tenantId?: string | undefined } = {},
): Promise<Page<StoredRateLimit>> {
  const size = pageSize(page.limit);
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM rate_limits
      WHERE ($1::text IS NULL OR id > $1) AND ($2::text IS NULL OR tenant_id = $2)
      ORDER BY id LIMIT $3`,
    [page.after ?? null, page.tenantId ?? null, size + 1],
  );
  return toPage(rows, size, toLimit, (l) => l.id);
}

export async function deleteRateLimit(q: Queryable, id: string): Promise<void> {
  const { rowCount } = await q.query('DELETE FROM rate_limits WHERE id = $1', [id]);
  if (rowCount === 0) throw new NotFoundError('rate_limit', id);
}
