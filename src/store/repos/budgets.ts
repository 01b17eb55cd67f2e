// Budgets (table budgets, migration 0003): spending limits per tenant, API key or worker, for a
// day, a month or all time. Money is integer pico-USD (bigint). The spend of the current
// period lives in budget_periods (moved by the lease functions in ./budget-leases.ts, driven
// by the budget engine, src/budget/); reads here join the current period's row so a listing
// shows what is spent and held right now.
//
// The budget's own shape and its period arithmetic are defined here, with the rows they
// describe, so that store/ needs nothing from the budget engine above it; src/budget/types.ts
// re-exports them for the engine's callers.
import type { Queryable } from '../db.js';
import { mapWriteError, NotFoundError } from '../errors.js';
import { pageSize, toPage, type Page, type PageRequest } from './page.js';

export type BudgetScope = 'tenant' | 'api_key' | 'worker';
export type BudgetPeriod = 'day' | 'month' | 'total';

export interface BudgetDef {
  id: string;
  tenantId: string;
  scope: BudgetScope;
  /** Set for scope api_key. */
  apiKeyId: string;
  /** Set for scope worker. */
  workerId: string;
  period: BudgetPeriod;
  limit: bigint;
}

/** A "total" budget has one period, which started at the epoch. */
export const TOTAL_PERIOD_START = new Date(0);

/**
 * When the period containing `now` began, in UTC: a day at 00:00, a month on the 1st at 00:00.
 * This is budget_periods.period_start, so the engine and the listings below share it. Pure.
 */
export function periodStart(period: BudgetPeriod, now: Date): Date {
  if (period === 'total') return TOTAL_PERIOD_START;
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  return period === 'month' ? new Date(Date.UTC(y, m, 1)) : new Date(Date.UTC(y, m, now.getUTCDate()));
}

export type BudgetSource = 'config' | 'admin';

export interface Budget extends BudgetDef {
  source: BudgetSource;
  createdAt: Date;
  updatedAt: Date;
}

/** A budget with its current period's figures (zero when the period has no row yet). */
export interface BudgetUsage extends Budget {
  /** Settled spend in the current period. */
  spent: bigint;
  /** Granted to open leases and not yet consumed, in the current period. */
  reserved: bigint;
}

export type NewBudget = Omit<BudgetDef, 'apiKeyId' | 'workerId'> & {
  apiKeyId?: string;
  workerId?: string;
  source?: BudgetSource;
};

interface BudgetRow {
  id: string;
  tenant_id: string;
  scope: BudgetScope;
  api_key_id: string;
  worker_id: string;
  period: BudgetPeriod;
  limit_pico: bigint;
  source: BudgetSource;
  created_at: Date;
  updated_at: Date;
  spent?: bigint;
  leased?: bigint;
}

const COLUMNS = 'id, tenant_id, scope, api_key_id, worker_id, period, limit_pico, source, created_at, updated_at';
const B_COLUMNS = COLUMNS.split(', ')
  .map((c) => `b.${c}`)
  .join(', ');

function toBudget(r: BudgetRow): Budget {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    scope: r.scope,
    apiKeyId: r.api_key_id,
    workerId: r.worker_id,
    period: r.period,
    limit: BigInt(r.limit_pico),
    source: r.source,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toUsage(r: BudgetRow): BudgetUsage {
  return { ...toBudget(r), spent: BigInt(r.spent ?? 0n), reserved: BigInt(r.leased ?? 0n) };
}

/**
 * The FROM clause joining each budget's CURRENT period row. The three period starts are
 * computed once in JS (periodStart above, the same arithmetic the budget engine uses) and
 * passed as $1..$3, so SQL and engine can never disagree about when a period began.
 */
const WITH_PERIOD = `budgets b LEFT JOIN budget_periods p ON p.budget_id = b.id AND p.period_start =
  CASE b.period WHEN 'day' THEN $1::timestamptz WHEN 'month' THEN $2::timestamptz ELSE $3::timestamptz END`;

function periodParams(now: Date): Date[] {
  return [periodStart('day', now), periodStart('month', now), periodStart('total', now)];
}

/** AlreadyExistsError for a taken id or an identical (tenant, scope, key, worker, period); NotFoundError('tenant'). */
export async function createBudget(q: Queryable, b: NewBudget): Promise<Budget> {
  try {
    const { rows } = await q.query<BudgetRow>(
      `INSERT INTO budgets (id, tenant_id, scope, api_key_id, worker_id, period, limit_pico, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [b.id, b.tenantId, b.scope, b.apiKeyId ?? '', b.workerId ?? '', b.period, b.limit, b.source ?? 'admin'],
    );
    return toBudget(rows[0]!);
  } catch (err) {
    return mapWriteError(err, 'budget', b.id, { entity: 'tenant', id: b.tenantId });
  }
}

/** Replaces every field but the id (and source). NotFoundError when the budget does not exist. */
export async function updateBudget(q: Queryable, b: NewBudget): Promise<Budget> {
  let rows: BudgetRow[];
  try {
    ({ rows } = await q.query<BudgetRow>(
      `UPDATE budgets SET tenant_id = $2, scope = $3, api_key_id = $4, worker_id = $5, period = $6,
         limit_pico = $7, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [b.id, b.tenantId, b.scope, b.apiKeyId ?? '', b.workerId ?? '', b.period, b.limit],
    ));
  } catch (err) {
    return mapWriteError(err, 'budget', b.id, { entity: 'tenant', id: b.tenantId });
  }
  if (!rows[0]) throw new NotFoundError('budget', b.id);
  return toBudget(rows[0]);
}

export async function getBudget(q: Queryable, id: string, now: Date = new Date()): Promise<BudgetUsage | null> {
  const { rows } = await q.query<BudgetRow>(`SELECT ${B_COLUMNS}, p.spent, p.leased FROM ${WITH_PERIOD} WHERE b.id = $4`, [
    ...periodParams(now),
    id,
  ]);
  return rows[0] ? toUsage(rows[0]) : null;
}

/** Budgets ordered by id, optionally of one tenant, with their current period's figures. */
export async function listBudgets(
  q: Queryable,
  page: PageRequest & { tenantId?: string | undefined } = {},
  now: Date = new Date(),
): Promise<Page<BudgetUsage>> {
  const size = pageSize(page.limit);
  const { rows } = await q.query<BudgetRow>(
    `SELECT ${B_COLUMNS}, p.spent, p.leased FROM ${WITH_PERIOD}
      WHERE ($4::text IS NULL OR b.id > $4) AND ($5::text IS NULL OR b.tenant_id = $5)
      ORDER BY b.id LIMIT $6`,
    [...periodParams(now), page.after ?? null, page.tenantId ?? null, size + 1],
  );
  return toPage(rows, size, toUsage, (b) => b.id);
}

/** Every budget, ordered by id: what a replica's runtime snapshot holds. */
export async function listAllBudgets(q: Queryable): Promise<Budget[]> {
  const { rows } = await q.query<BudgetRow>(`SELECT ${COLUMNS} FROM budgets ORDER BY id`);
  return rows.map(toBudget);
}

/** Deletes the budget and (ON DELETE CASCADE) its periods and leases. */
export async function deleteBudget(q: Queryable, id: string): Promise<void> {
  const { rowCount } = await q.query('DELETE FROM budgets WHERE id = $1', [id]);
  if (rowCount === 0) throw new NotFoundError('budget', id);
}

/**
 * Makes the config file's budgets the set of source='config' rows: each is created or has its
 * limit updated (matched on what it limits, so its spend history survives a restart), and
 * config budgets no longer in the file are deleted. A budget an admin made for the same
 * (tenant, scope, key, worker, period) is taken over by the file. Idempotent: replicas that
 * start together with the same file converge on the same rows. Returns the ids kept.
 */
export async function syncConfigBudgets(q: Queryable, budgets: readonly NewBudget[]): Promise<string[]> {
  const ids: string[] = [];
  for (const b of budgets) {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO budgets (id, tenant_id, scope, api_key_id, worker_id, period, limit_pico, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'config')
       ON CONFLICT (tenant_id, scope, api_key_id, worker_id, period) DO UPDATE
         SET limit_pico = EXCLUDED.limit_pico, source = 'config', updated_at = now()
       RETURNING id`,
      [b.id, b.tenantId, b.scope, b.apiKeyId ?? '', b.workerId ?? '', b.period, b.limit],
    );
    ids.push(rows[0]!.id);
  }
  await q.query(`DELETE FROM budgets WHERE source = 'config' AND NOT (id = ANY($1::text[]))`, [ids]);
  return ids;
}
