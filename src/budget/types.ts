// Budgets as the budget engine sees them. Money is integer pico-USD (bigint).

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

/** What one settled lease owes Postgres since the last flush (src/ledger/writer.ts). */
export interface LeaseDelta {
  leaseId: string;
  budgetId: string;
  periodStart: Date;
  /** Cost settled within what the lease had been granted. */
  consumed: bigint;
  /** Cost settled beyond it (could not be covered by borrowing more). */
  overage: bigint;
}

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
