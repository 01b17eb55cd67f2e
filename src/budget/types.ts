// Budgets as the budget engine sees them. Money is integer pico-USD (bigint).
//
// The shapes of the rows (a budget, its scope and period, a lease's flushed consumption) are
// defined in src/store/repos/, next to their SQL, since store/ may not import the engine;
// they are re-exported here so the engine's callers take all of its vocabulary from one place.
import type { BudgetDef } from '../store/repos/budgets.js';

export type { BudgetDef, BudgetPeriod, BudgetScope } from '../store/repos/budgets.js';
export type { LeaseDelta } from '../store/repos/budget-leases.js';

/** Refusal of a reservation: the scope without room, for RESOURCE_EXHAUSTED. */
export class BudgetExhausted extends Error {
  constructor(
    readonly budget: BudgetDef,
    readonly needed: bigint,
  ) {
    super(
      `budget ${budget.id} (${describeScope(budget)}, ${budget.period}) has no room for this request's worst-case cost of ${needed} pico-USD`,
    );
    this.name = 'BudgetExhausted';
  }
}

export function describeScope(b: BudgetDef): string {
  if (b.scope === 'api_key') return `api key ${b.apiKeyId} of tenant ${b.tenantId}`;
  if (b.scope === 'worker') return `worker ${b.workerId} of tenant ${b.tenantId}`;
  return `tenant ${b.tenantId}`;
}
