// Budgets through AdminService. Every change reloads this replica's state at once and NOTIFYs
// the others (publishChange), whose budget engines read budgets from their snapshot.
// Budgets seeded from the config file are read-only here: the file is re-applied at every
// start, so an admin edit would silently come undone; they answer FAILED_PRECONDITION.
import { randomBytes } from 'node:crypto';
import { SwitchyardError } from '../errors.js';
import type { Queryable } from '../store/db.js';
import { NotFoundError } from '../store/errors.js';
import { getApiKey } from '../store/repos/api-keys.js';
import * as repo from '../store/repos/budgets.js';
import type { Page, PageRequest } from '../store/repos/page.js';
import { getTenant } from '../store/repos/tenants.js';
import { configKeyId } from './budget-config.js';
import type { AdminDeps } from './deps.js';
import { FieldProblems, ID_PATTERN, ID_RULE } from './validate.js';

export type { Budget, BudgetPeriod, BudgetScope, BudgetUsage } from '../store/repos/budgets.js';

/** A Budget message as given: scope and period undefined when unset or unknown. */
export interface BudgetInput {
  /** "" on create: an id is generated. */
  id: string;
  tenant: string;
  scope: repo.BudgetScope | undefined;
  apiKeyId: string;
  workerId: string;
  period: repo.BudgetPeriod | undefined;
  /** pico-USD. */
  limit: bigint;
}

/**
 * Validates a budget (every problem at once, each naming its field in the Budget message,
 * the references to the tenant and key included) → the row to write.
 */
async function validBudget(d: AdminDeps, budget: BudgetInput, idRequired: boolean): Promise<repo.NewBudget> {
  const v = new FieldProblems();
  // Update names an existing budget (config ones have ids like "config:acme:tenant:month");
  // a new id must be plain.
  if (idRequired && !budget.id) v.add('budget.id', 'is required: it names the budget to replace');
  if (!idRequired && budget.id && !ID_PATTERN.test(budget.id)) v.add('budget.id', ID_RULE);
  const { scope, period } = budget;
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
async function keyOfTenant(d: AdminDeps, keyId: string, tenant: string): Promise<boolean> {
  if (d.state.configKeys.some((k) => k.tenant === tenant && configKeyId(k) === keyId)) return true;
  const key = await getApiKey(d.db, keyId);
  return key !== null && key.tenantId === tenant;
}

async function requireAdminOwned(q: Queryable, id: string): Promise<void> {
  const existing = await repo.getBudget(q, id);
  if (!existing) throw new NotFoundError('budget', id);
  if (existing.source === 'config') {
    throw new SwitchyardError('failed_precondition', `budget "${id}" comes from the config file: change it there`, {
      reason: 'BUDGET_FROM_CONFIG',
      metadata: { id },
    });
  }
}

export async function createBudget(d: AdminDeps, input: BudgetInput): Promise<repo.Budget> {
  const b = await validBudget(d, input, false);
  const row = await repo.createBudget(d.db, b);
  await d.changes.publishChange('budget');
  return row;
}

/** Replaces an admin-created budget; answers with its current period's figures. */
export async function updateBudget(d: AdminDeps, input: BudgetInput): Promise<repo.BudgetUsage> {
  const b = await validBudget(d, input, true);
  // One transaction: the budget checked is the budget written.
  await d.db.transaction(async (tx) => {
    await requireAdminOwned(tx, b.id);
    await repo.updateBudget(tx, b);
  });
  await d.changes.publishChange('budget');
  const row = await repo.getBudget(d.db, b.id);
  if (!row) throw new NotFoundError('budget', b.id);
  return row;
}

/** With each budget's current period's figures; `tenantId`: only that tenant's. */
export function listBudgets(d: AdminDeps, page: PageRequest, tenantId?: string): Promise<Page<repo.BudgetUsage>> {
  return repo.listBudgets(d.db, { ...page, tenantId });
}

export async function deleteBudget(d: AdminDeps, id: string): Promise<void> {
  await d.db.transaction(async (tx) => {
    await requireAdminOwned(tx, id);
    await repo.deleteBudget(tx, id);
  });
  await d.changes.publishChange('budget');
}
