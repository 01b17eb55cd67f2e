// Tenants: the unit of isolation for keys, budgets and policies.

import type { Queryable } from '../db.js';
import { mapWriteError, NotFoundError } from '../errors.js';
import { pageSize, toPage, type Page, type PageRequest } from './page.js';

export interface Tenant {
  id: string;
  name: string;
  disabled: boolean;
  createdAt: Date;
}

interface TenantRow {
  id: string;
  name: string;
  disabled: boolean;
  created_at: Date;
}

const COLUMNS = 'id, name, disabled, created_at';

function toTenant(r: TenantRow): Tenant {
  return { id: r.id, name: r.name, disabled: r.disabled, createdAt: r.created_at };
}

export interface NewTenant {
  id: string;
  name?: string;
  disabled?: boolean;
}

export async function createTenant(q: Queryable, t: NewTenant): Promise<Tenant> {
  try {
    const { rows } = await q.query<TenantRow>(`INSERT INTO tenants (id, name, disabled) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`, [
      t.id,
      t.name ?? '',
      t.disabled ?? false,
    ]);
    return toTenant(rows[0]!);
  } catch (err) {
    return mapWriteError(err, 'tenant', t.id);
  }
}

export async function getTenant(q: Queryable, id: string): Promise<Tenant | null> {
  const { rows } = await q.query<TenantRow>(`SELECT ${COLUMNS} FROM tenants WHERE id = $1`, [id]);
  return rows[0] ? toTenant(rows[0]) : null;
}

/** Tenants ordered by id. */
export async function listTenants(q: Queryable, page: PageRequest = {}): Promise<Page<Tenant>> {
  const size = pageSize(page.limit);
  const { rows } = await q.query<TenantRow>(`SELECT ${COLUMNS} FROM tenants WHERE $1::text IS NULL OR id > $1 ORDER BY id LIMIT $2`, [
    page.after ?? null,
    size + 1,
  ]);
  return toPage(rows, size, toTenant, (t) => t.id);
}

export interface TenantPatch {
  name?: string;
  disabled?: boolean;
}

/** Changes the given fields only; throws NotFoundError when the tenant does not exist. */
export async function updateTenant(q: Queryable, id: string, patch: TenantPatch): Promise<Tenant> {
  const { rows } = await q.query<TenantRow>(
    `UPDATE tenants SET name = COALESCE($2, name), disabled = COALESCE($3, disabled)
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, patch.name ?? null, patch.disabled ?? null],
  );
  if (!rows[0]) throw new NotFoundError('tenant', id);
  return toTenant(rows[0]);
}

/** Deletes the tenant and (ON DELETE CASCADE) its API keys. */
export async function deleteTenant(q: Queryable, id: string): Promise<void> {
  const { rowCount } = await q.query('DELETE FROM tenants WHERE id = $1', [id]);
  if (rowCount === 0) throw new NotFoundError('tenant', id);
}

/** Creates the tenant or updates its name; idempotent (config seeding, several replicas at once). */
export async function upsertTenant(q: Queryable, t: { id: string; name: string }): Promise<void> {
  await q.query(
    `INSERT INTO tenants (id, name) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name WHERE tenants.name IS DISTINCT FROM EXCLUDED.name`,
    [t.id, t.name],
  );
}
