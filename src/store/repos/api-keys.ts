// API keys. The caller hashes the secret (SHA-256, hex) before it gets here: the store never
// sees a usable key, and authentication is one indexed lookup by hash.

import type { Queryable } from '../db.js';
import { mapWriteError, NotFoundError } from '../errors.js';
import { pageSize, toPage, type Page, type PageRequest } from './page.js';

export interface ApiKey {
  id: string;
  /** null for a platform admin key. */
  tenantId: string | null;
  admin: boolean;
  name: string;
  /** SHA-256 of the secret, lowercase hex. */
  keyHash: string;
  /** The visible start of the key, for listings. */
  prefix: string;
  revoked: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

interface ApiKeyRow {
  id: string;
  tenant_id: string | null;
  admin: boolean;
  name: string;
  key_hash: string;
  prefix: string;
  revoked: boolean;
  created_at: Date;
  last_used_at: Date | null;
}

const COLUMNS = 'id, tenant_id, admin, name, key_hash, prefix, revoked, created_at, last_used_at';

function toApiKey(r: ApiKeyRow): ApiKey {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    admin: r.admin,
    name: r.name,
    keyHash: r.key_hash,
    prefix: r.prefix,
    revoked: r.revoked,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  };
}

export interface NewApiKey {
  id: string;
  tenantId: string | null;
  admin: boolean;
  name?: string;
  keyHash: string;
  prefix: string;
}

/**
 * Throws AlreadyExistsError for a taken id or hash, NotFoundError('tenant') for a missing
 * tenant. A key that is neither admin nor tied to a tenant violates a check constraint (23514).
 */
export async function createApiKey(q: Queryable, k: NewApiKey): Promise<ApiKey> {
  try {
    const { rows } = await q.query<ApiKeyRow>(
      `INSERT INTO api_keys (id, tenant_id, admin, name, key_hash, prefix)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [k.id, k.tenantId, k.admin, k.name ?? '', k.keyHash, k.prefix],
    );
    return toApiKey(rows[0]!);
  } catch (err) {
    return mapWriteError(err, 'api_key', k.id, k.tenantId ? { entity: 'tenant', id: k.tenantId } : undefined);
  }
}

export async function getApiKey(q: Queryable, id: string): Promise<ApiKey | null> {
  const { rows } = await q.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
  return rows[0] ? toApiKey(rows[0]) : null;
}

/** The authentication lookup. Returns revoked keys too: the caller decides what to say. */
export async function findApiKeyByHash(q: Queryable, keyHash: string): Promise<ApiKey | null> {
  const { rows } = await q.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`, [keyHash]);
  return rows[0] ? toApiKey(rows[0]) : null;
}

/** Keys of one tenant ordered by id; `tenantId: null` lists the platform admin keys. */
export async function listApiKeys(q: Queryable, tenantId: string | null, page: PageRequest = {}): Promise<Page<ApiKey>> {
  const size = pageSize(page.limit);
  const { rows } = await q.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM api_keys
      WHERE tenant_id IS NOT DISTINCT FROM $1::text AND ($2::text IS NULL OR id > $2)
      ORDER BY id LIMIT $3`,
    [tenantId, page.after ?? null, size + 1],
  );
  return toPage(rows, size, toApiKey, (k) => k.id);
}

export interface ApiKeyPatch {
  name?: string;
  revoked?: boolean;
}

export async function updateApiKey(q: Queryable, id: string, patch: ApiKeyPatch): Promise<ApiKey> {
  const { rows } = await q.query<ApiKeyRow>(
    `UPDATE api_keys SET name = COALESCE($2, name), revoked = COALESCE($3, revoked)
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, patch.name ?? null, patch.revoked ?? null],
  );
  if (!rows[0]) throw new NotFoundError('api_key', id);
  return toApiKey(rows[0]);
}

export function revokeApiKey(q: Queryable, id: string): Promise<ApiKey> {
  return updateApiKey(q, id, { revoked: true });
}

export async function deleteApiKey(q: Queryable, id: string): Promise<void> {
  const { rowCount } = await q.query('DELETE FROM api_keys WHERE id = $1', [id]);
  if (rowCount === 0) throw new NotFoundError('api_key', id);
}

/**
 * Records use of several keys in one statement (callers batch: no write per request). Never
 * moves last_used_at backwards, and ignores ids that no longer exist: it is bookkeeping, not
 * a check. Returns the number of keys updated.
 */
export async function touchApiKeysLastUsed(q: Queryable, ids: readonly string[], at: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const { rowCount } = await q.query(
    `UPDATE api_keys SET last_used_at = $2
      WHERE id = ANY($1::text[]) AND (last_used_at IS NULL OR last_used_at < $2)`,
    [ids, at],
  );
  return rowCount;
}

/** Keys that can still authenticate. */
export async function countActiveApiKeys(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: bigint }>('SELECT count(*) AS n FROM api_keys WHERE NOT revoked');
  return Number(rows[0]?.n ?? 0);
}
