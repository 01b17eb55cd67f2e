// The limits that apply to one call, found without scanning: indexed by tenant. Immutable; the
// runtime state swaps a new index in when config or AdminService changes arrive.
import type { RateLimitDef } from './types.js';

export class LimitIndex {
  readonly #byTenant = new Map<string, RateLimitDef[]>();
  readonly all: readonly RateLimitDef[];

  constructor(defs: readonly RateLimitDef[]) {
    // Sorted by id: a stable order for the store's keys and for listings.
    this.all = [...defs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const d of this.all) {
      const list = this.#byTenant.get(d.tenant) ?? [];
      list.push(d);
      this.#byTenant.set(d.tenant, list);
    }
  }

  get size(): number {
    return this.all.length;
  }

  /**
   * Limits of the caller's tenant that apply: the tenant's own, the caller key's, and those of
   * any of `models` (the model as requested and the model the plan chose first).
   */
  for(tenant: string, keyId: string, models: readonly string[]): RateLimitDef[] {
    const list = this.#byTenant.get(tenant);
    if (!list) return [];
    return list.filter(
      (d) => d.scope === 'tenant' || (d.scope === 'api_key' && d.apiKeyId === keyId) || (d.scope === 'model' && models.includes(d.model)),
    );
  }
}

export const NO_LIMITS = new LimitIndex([]);
