// AdminService: budgets (CRUD) and usage queries.
//
// Budgets: every change reloads this replica's state at once and NOTIFYs switchyard_config so
// every other replica reloads too (their budget engines read budgets from the snapshot).
// Budgets seeded from the config file are read-only here: the file is re-applied at every
// start, so an admin edit would silently come undone; they answer FAILED_PRECONDITION.
//
// QueryUsage is the one AdminService method a tenant key may call (app.ts TENANT_ADMIN_METHODS):
// its tenant filter is forced to the key's own tenant; naming another is PERMISSION_DENIED.
import { randomBytes } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import * as pb from '../../gen/switchyard/v1/admin_pb.js';
import { BudgetPeriod, BudgetScope, UsageGroupBy, type AdminService } from '../../gen/switchyard/v1/admin_pb.js';
import { configKeyId } from '../app/budget-config.js';
import type { RuntimeState } from '../app/state.js';
import type { BudgetPeriod as Period, BudgetScope as Scope } from '../budget/types.js';
import { SwitchyardError } from '../errors.js';
import { notify, type Db } from '../store/db.js';
import { CONFIG_CHANNEL } from '../app/state.js';
import { NotFoundError } from '../store/errors.js';
import { getApiKey } from '../store/repos/api-keys.js';
import * as repo from '../store/repos/budgets.js';
import { getTenant } from '../store/repos/tenants.js';
import { queryUsage, type UsageDimension } from '../store/repos/usage.js';
import { afterToPageToken, pageTokenToAfter } from './admin-convert.js';
import { principalOf } from './guard.js';
import { Violations } from './validate.js';

export interface BudgetDeps {
  db: Db;
  state: Pick<RuntimeState, 'reload' | 'configKeys'>;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** A usage query spans at most this many days (the ledger index keeps a range cheap; this keeps it bounded). */
export const MAX_USAGE_RANGE_DAYS = 400;
const DAY_MS = 86_400_000;

const SCOPES: Partial<Record<BudgetScope, Scope>> = {
  [BudgetScope.TENANT]: 'tenant',
  [BudgetScope.API_KEY]: 'api_key',
  [BudgetScope.WORKER]: 'worker',
};
const PERIODS: Partial<Record<BudgetPeriod, Period>> = {
  [BudgetPeriod.DAY]: 'day',
  [BudgetPeriod.MONTH]: 'month',
  [BudgetPeriod.TOTAL]: 'total',
};
const DIMENSIONS: Partial<Record<UsageGroupBy, UsageDimension>> = {
  [UsageGroupBy.TENANT]: 'tenant',
  [UsageGroupBy.API_KEY]: 'api_key',
  [UsageGroupBy.WORKER]: 'worker',
  [UsageGroupBy.PROVIDER]: 'provider',
  [UsageGroupBy.MODEL]: 'model',
  [UsageGroupBy.DAY]: 'day',
};
const invert = <K extends string | number, V extends string>(m: Partial<Record<K, V>>) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [v, Number(k)])) as Record<V, K>;
const SCOPE_TO_PROTO = invert(SCOPES);
const PERIOD_TO_PROTO = invert(PERIODS);

export function budgetToProto(b: repo.BudgetUsage | repo.Budget): pb.Budget {
  return create(pb.BudgetSchema, {
    id: b.id,
    scope: SCOPE_TO_PROTO[b.scope],
    tenant: b.tenantId,
    apiKeyId: b.apiKeyId,
    workerId: b.workerId,
    period: PERIOD_TO_PROTO[b.period],
    limit: b.limit,
    spent: 'spent' in b ? b.spent : 0n,
    reserved: 'reserved' in b ? b.reserved : 0n,
  });
}

/** Validates a Budget message (every problem at once, each naming its field) → the row to write. */
async function validBudget(d: BudgetDeps, b: pb.Budget | undefined, idRequired: boolean): Promise<repo.NewBudget> {
  const v = new Violations();
  if (!b) {
    v.add('budget', 'is required');
    v.throwIfAny();
  }
  const budget = b!;
  // Update names an existing budget (config ones have ids like "config:acme:tenant:month");
  // a new id must be plain.
  if (idRequired && !budget.id) v.add('budget.id', 'is required: it names the budget to replace');
  if (!idRequired && budget.id && !ID.test(budget.id)) {
    v.add('budget.id', 'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  const scope = SCOPES[budget.scope];
  const period = PERIODS[budget.period];
  if (!scope) v.add('budget.scope', 'must be set to TENANT, API_KEY or WORKER');
  if (!period) v.add('budget.period', 'must be set to DAY, MONTH or TOTAL');
  if (budget.limit < 0n) v.add('budget.limit', 'must not be negative (pico-USD)');
  if (scope === 'api_key' && !budget.apiKeyId) v.add('budget.api_key_id', 'is required for scope API_KEY');
  if (scope !== 'api_key' && budget.apiKeyId) v.add('budget.api_key_id', 'must be empty unless scope is API_KEY');
  if (scope === 'worker' && !budget.workerId) v.add('budget.worker_id', 'is required for scope WORKER');
  if (scope !== 'worker' && budget.workerId) v.add('budget.worker_id', 'must be empty unless scope is WORKER');
  if (!budget.tenant) v.add('budget.tenant', 'is required');
  else if (!(await getTenant(d.db, budget.tenant))) v.add('budget.tenant', `unknown tenant "${budget.tenant}"`);
  else if (scope === 'api_key' && budget.apiKeyId && !(await keyOfTenant(d, budget.apiKeyId, budget.tenant))) {
    v.add('budget.api_key_id', `no API key "${budget.apiKeyId}" belongs to tenant "${budget.tenant}"`);
  }
  v.throwIfAny();
  return {
    id: budget.id || `bud_${randomBytes(8).toString('hex')}`,
    tenantId: budget.tenant,
    scope: scope!,
    apiKeyId: budget.apiKeyId,
    workerId: budget.workerId,
    period: period!,
    limit: budget.limit,
  };
}

/** A stored key of the tenant, or a config file key of the tenant (id `config:<tenant>:<name>`). */
async function keyOfTenant(d: BudgetDeps, keyId: string, tenant: string): Promise<boolean> {
  if (d.state.configKeys.some((k) => k.tenant === tenant && configKeyId(k) === keyId)) return true;
  const key = await getApiKey(d.db, keyId);
  return key !== null && key.tenantId === tenant;
}

async function requireAdminOwned(db: Db, id: string): Promise<void> {
  const existing = await repo.getBudget(db, id);
  if (!existing) throw new NotFoundError('budget', id);
  if (existing.source === 'config') {
    throw new SwitchyardError('failed_precondition', `budget "${id}" comes from the config file: change it there`, {
      reason: 'BUDGET_FROM_CONFIG',
      metadata: { id },
    });
  }
}

export function budgetHandlers(d: BudgetDeps): Partial<ServiceImpl<typeof AdminService>> {
  // This replica at once; every other replica through NOTIFY (app.ts listens).
  const reload = async () => {
    await d.state.reload();
    await notify(d.db, CONFIG_CHANNEL, 'budgets');
  };
  return {
    async createBudget(req) {
      const b = await validBudget(d, req.budget, false);
      const row = await repo.createBudget(d.db, b);
      await reload();
      return create(pb.CreateBudgetResponseSchema, { budget: budgetToProto(row) });
    },
    async updateBudget(req) {
      const b = await validBudget(d, req.budget, true);
      await requireAdminOwned(d.db, b.id);
      await repo.updateBudget(d.db, b);
      await reload();
      const row = await repo.getBudget(d.db, b.id);
      if (!row) throw new NotFoundError('budget', b.id);
      return create(pb.UpdateBudgetResponseSchema, { budget: budgetToProto(row) });
    },
    async listBudgets(req) {
      const v = new Violations();
      if (req.pageSize < 0) v.add('page_size', 'must not be negative');
      v.throwIfAny();
      const p = await repo.listBudgets(d.db, {
        limit: Math.min(req.pageSize || 100, 1000),
        after: pageTokenToAfter(req.pageToken),
        tenantId: req.tenant || undefined,
      });
      return create(pb.ListBudgetsResponseSchema, { budgets: p.items.map(budgetToProto), nextPageToken: afterToPageToken(p.next) });
    },
    async deleteBudget(req) {
      await requireAdminOwned(d.db, req.id);
      await repo.deleteBudget(d.db, req.id);
      await reload();
      return create(pb.DeleteBudgetResponseSchema, {});
    },

    async queryUsage(req, ctx: HandlerContext) {
      const v = new Violations();
      v.enums(pb.QueryUsageRequestSchema, req);
      const start = req.start ? timestampDate(req.start) : undefined;
      const end = req.end ? timestampDate(req.end) : undefined;
      if (!start) v.add('start', 'is required');
      if (!end) v.add('end', 'is required');
      if (start && end) {
        if (start.getTime() >= end.getTime()) v.add('end', 'must be after start');
        else if (end.getTime() - start.getTime() > MAX_USAGE_RANGE_DAYS * DAY_MS) {
          v.add('end', `must be at most ${MAX_USAGE_RANGE_DAYS} days after start`);
        }
      }
      const groupBy: UsageDimension[] = [];
      req.groupBy.forEach((g, i) => {
        const dim = DIMENSIONS[g];
        if (!dim) v.add(`group_by[${i}]`, 'must be TENANT, API_KEY, WORKER, PROVIDER, MODEL or DAY');
        else if (groupBy.includes(dim)) v.add(`group_by[${i}]`, `repeats ${UsageGroupBy[g]}`);
        else groupBy.push(dim);
      });
      v.throwIfAny();

      const who = principalOf(ctx);
      let tenant = req.tenant || undefined;
      if (!who.admin) {
        // A tenant key sees its own usage only, whatever it asks for.
        if (tenant !== undefined && tenant !== who.tenant) {
          throw new SwitchyardError('permission_denied', 'a tenant key may query only its own tenant\'s usage', {
            reason: 'OTHER_TENANT',
            metadata: { tenant },
          });
        }
        tenant = who.tenant;
      }
      const rows = await queryUsage(d.db, { start: start!, end: end!, groupBy, tenant });
      return create(pb.QueryUsageResponseSchema, {
        rows: rows.map((r) => ({
          group: r.group as Record<string, string>,
          requests: r.requests,
          inputTokens: r.inputTokens,
          outputTokens: r.outputTokens,
          cachedInputTokens: r.cachedInputTokens,
          reasoningTokens: r.reasoningTokens,
          cost: r.cost,
        })),
      });
    },
  };
}
