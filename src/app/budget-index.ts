// The budgets of the runtime snapshot, indexed by tenant so that finding the budgets that apply
// to a request is one map lookup and a short scan, with no database round trip.
import type { BudgetDef } from '../budget/types.js';

const NONE: readonly BudgetDef[] = Object.freeze([]);

export class BudgetIndex {
  readonly #byTenant = new Map<string, BudgetDef[]>();
  readonly size: number;

  constructor(budgets: readonly BudgetDef[]) {
    // Sorted by id once: the budget engine takes locks in this order (no deadlock between
    // two requests reserving in overlapping scopes), and budgetsFor keeps it.
    const sorted = [...budgets].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const b of sorted) {
      const list = this.#byTenant.get(b.tenantId) ?? [];
      list.push(Object.freeze({ ...b }));
      this.#byTenant.set(b.tenantId, list);
    }
    this.size = sorted.length;
  }

  /**
   * Every budget a request by this tenant, key and worker must fit in, sorted by id: the
   * tenant's own, the key's (when the key has one) and the worker's (when the request names
   * a worker that has one).
   */
  budgetsFor(tenantId: string, apiKeyId: string, workerId: string): readonly BudgetDef[] {
    const list = this.#byTenant.get(tenantId);
    if (!list) return NONE;
    const out = list.filter(
      (b) =>
        b.scope === 'tenant' ||
        (b.scope === 'api_key' && apiKeyId !== '' && b.apiKeyId === apiKeyId) ||
        (b.scope === 'worker' && workerId !== '' && b.workerId === workerId),
    );
    return out.length === 0 ? NONE : out;
  }

  /** All budgets, sorted by id. */
  all(): BudgetDef[] {
    return [...this.#byTenant.values()].flat().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

export const NO_BUDGETS = new BudgetIndex([]);
