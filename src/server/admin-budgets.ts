// AdminService: budgets (CRUD) and usage queries. The handlers convert the request; the use
// cases (src/admin/budgets.ts, usage.ts) validate a budget against the tenants and keys, refuse
// to edit the config file's budgets, and make each change visible on every replica.
//
// QueryUsage is the one AdminService method a tenant key may call (app.ts TENANT_ADMIN_METHODS):
// its tenant filter is forced to the key's own tenant; naming another is PERMISSION_DENIED.
import { create } from '@bufbuild/protobuf';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import * as pb from '../../gen/switchyard/v1/admin_pb.js';
import { BudgetPeriod, BudgetScope, UsageGroupBy, type AdminService } from '../../gen/switchyard/v1/admin_pb.js';
import * as budgets from '../admin/budgets.js';
import type { AdminDeps } from '../admin/deps.js';
import { MAX_USAGE_RANGE_DAYS, queryUsage, type UsageDimension } from '../admin/usage.js';
import { afterToPageToken, pageTokenToAfter } from './admin-convert.js';
import { callerOf } from './guard.js';
import { checkTimestamp, Violations } from './validate.js';

const DAY_MS = 86_400_000;

const SCOPES: Partial<Record<BudgetScope, budgets.BudgetScope>> = {
  [BudgetScope.TENANT]: 'tenant',
  [BudgetScope.API_KEY]: 'api_key',
  [BudgetScope.WORKER]: 'worker',
};
const PERIODS: Partial<Record<BudgetPeriod, budgets.BudgetPeriod>> = {
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

export function budgetToProto(b: budgets.BudgetUsage | budgets.Budget): pb.Budget {
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

/** The Budget message as given; an unset or unknown scope or period is left for the use case to name. */
function budgetInput(b: pb.Budget | undefined): budgets.BudgetInput {
  const v = new Violations();
  if (!b) v.add('budget', 'is required');
  v.throwIfAny();
  return {
    id: b!.id,
    tenant: b!.tenant,
    scope: SCOPES[b!.scope],
    apiKeyId: b!.apiKeyId,
    workerId: b!.workerId,
    period: PERIODS[b!.period],
    limit: b!.limit,
  };
}

export function budgetHandlers(d: AdminDeps): Partial<ServiceImpl<typeof AdminService>> {
  return {
    async createBudget(req) {
      const row = await budgets.createBudget(d, budgetInput(req.budget));
      return create(pb.CreateBudgetResponseSchema, { budget: budgetToProto(row) });
    },
    async updateBudget(req) {
      const row = await budgets.updateBudget(d, budgetInput(req.budget));
      return create(pb.UpdateBudgetResponseSchema, { budget: budgetToProto(row) });
    },
    async listBudgets(req) {
      const v = new Violations();
      if (req.pageSize < 0) v.add('page_size', 'must not be negative');
      v.throwIfAny();
      const p = await budgets.listBudgets(
        d,
        { limit: Math.min(req.pageSize || 100, 1000), after: pageTokenToAfter(req.pageToken) },
        req.tenant || undefined,
      );
      return create(pb.ListBudgetsResponseSchema, { budgets: p.items.map(budgetToProto), nextPageToken: afterToPageToken(p.next) });
    },
    async deleteBudget(req) {
      await budgets.deleteBudget(d, req.id);
      return create(pb.DeleteBudgetResponseSchema, {});
    },

    async queryUsage(req, ctx: HandlerContext) {
      const v = new Violations();
      v.enums(pb.QueryUsageRequestSchema, req);
      const start = checkTimestamp(v, 'start', req.start);
      const end = checkTimestamp(v, 'end', req.end);
      if (!req.start) v.add('start', 'is required');
      if (!req.end) v.add('end', 'is required');
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

      const { tenant, admin } = callerOf(ctx);
      const rows = await queryUsage(d, { start: start!, end: end!, groupBy, tenant: req.tenant || undefined }, { tenant, admin });
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
