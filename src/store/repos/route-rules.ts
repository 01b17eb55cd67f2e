// Route rules: pin a target (model, alias or provider/model, interpreted by routing/) for a
// (tenant, worker, task type) triple. '' in a key column means "any"; the unique index makes
// each triple name at most one rule.

import type { Queryable } from '../db.js';
import { mapWriteError, NotFoundError } from '../errors.js';
import { pageSize, toPage, type Page, type PageRequest } from './page.js';
import { setClause } from './sql.js';

export interface RouteRule {
  id: string;
  tenantId: string;
  workerId: string;
  taskType: string;
  target: string;
  strategy: string | null;
  updatedAt: Date;
}

interface RouteRuleRow {
  id: string;
  tenant_id: string;
  worker_id: string;
  task_type: string;
  target: string;
  strategy: string | null;
  updated_at: Date;
}

const COLUMNS = 'id, tenant_id, worker_id, task_type, target, strategy, updated_at';

function toRule(r: RouteRuleRow): RouteRule {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    workerId: r.worker_id,
    taskType: r.task_type,
    target: r.target,
    strategy: r.strategy,
    updatedAt: r.updated_at,
  };
}

export interface NewRouteRule {
  id: string;
  tenantId?: string;
  workerId?: string;
  taskType?: string;
  target: string;
  strategy?: string | null;
}

/** AlreadyExistsError when the id or the (tenant, worker, task type) triple is taken. */
export async function createRouteRule(q: Queryable, r: NewRouteRule): Promise<RouteRule> {
  try {
    const { rows } = await q.query<RouteRuleRow>(
      `INSERT INTO route_rules (id, tenant_id, worker_id, task_type, target, strategy)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [r.id, r.tenantId ?? '', r.workerId ?? '', r.taskType ?? '', r.target, r.strategy ?? null],
    );
    return toRule(rows[0]!);
  } catch (err) {
    return mapWriteError(err, 'route_rule', r.id);
  }
}

export async function getRouteRule(q: Queryable, id: string): Promise<RouteRule | null> {
  const { rows } = await q.query<RouteRuleRow>(`SELECT ${COLUMNS} FROM route_rules WHERE id = $1`, [id]);
  return rows[0] ? toRule(rows[0]) : null;
}

/** Rules ordered by id, optionally only one tenant's (tenantId '' = the platform-wide rules). */
export async function listRouteRules(q: Queryable, page: PageRequest & { tenantId?: string } = {}): Promise<Page<RouteRule>> {
  const size = pageSize(page.limit);
  const { rows } = await q.query<RouteRuleRow>(
    `SELECT ${COLUMNS} FROM route_rules
      WHERE ($1::text IS NULL OR id > $1) AND ($2::text IS NULL OR tenant_id = $2)
      ORDER BY id LIMIT $3`,
    [page.after ?? null, page.tenantId ?? null, size + 1],
  );
  return toPage(rows, size, toRule, (r) => r.id);
}

export type RouteRulePatch = Partial<Omit<NewRouteRule, 'id'>>;

const PATCH_COLUMNS: { [K in keyof RouteRulePatch]-?: string } = {
  tenantId: 'tenant_id',
  workerId: 'worker_id',
  taskType: 'task_type',
  target: 'target',
  strategy: 'strategy',
};

export async function updateRouteRule(q: Queryable, id: string, patch: RouteRulePatch): Promise<RouteRule> {
  const set = setClause(patch, PATCH_COLUMNS, 2);
  let rows: RouteRuleRow[];
  try {
    ({ rows } = await q.query<RouteRuleRow>(
      `UPDATE route_rules SET ${set.sql ? `${set.sql}, ` : ''}updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, ...set.params],
    ));
  } catch (err) {
    // Moving a rule onto a triple another rule already has.
    return mapWriteError(err, 'route_rule', id);
  }
  if (!rows[0]) throw new NotFoundError('route_rule', id);
  return toRule(rows[0]);
}

export async function deleteRouteRule(q: Queryable, id: string): Promise<void> {
  const { rowCount } = await q.query('DELETE FROM route_rules WHERE id = $1', [id]);
  if (rowCount === 0) throw new NotFoundError('route_rule', id);
}
