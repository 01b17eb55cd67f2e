// Usage totals from the ledger. The one admin use case a tenant key may call (app.ts lets
// QueryUsage through for tenant keys): a tenant caller sees its own tenant's usage only, and
// naming another tenant is PERMISSION_DENIED.
import { SwitchyardError } from '../errors.js';
import { queryUsage as totals, type UsageQuery, type UsageTotals } from '../store/repos/usage.js';
import type { AdminDeps } from './deps.js';

export type { UsageDimension, UsageQuery, UsageTotals } from '../store/repos/usage.js';

/** A usage query spans at most this many days (the ledger index keeps a range cheap; this keeps it bounded). */
export const MAX_USAGE_RANGE_DAYS = 400;

/** Who asks: an admin key sees every tenant; a tenant key only its own. */
export interface UsageCaller {
  tenant: string;
  admin: boolean;
}

export async function queryUsage(d: AdminDeps, query: UsageQuery, caller: UsageCaller): Promise<UsageTotals[]> {
  let tenant = query.tenant;
  if (!caller.admin) {
    // A tenant key sees its own usage only, whatever it asks for.
    if (tenant !== undefined && tenant !== caller.tenant) {
      throw new SwitchyardError('permission_denied', "a tenant key may query only its own tenant's usage", {
        reason: 'OTHER_TENANT',
        metadata: { tenant },
      });
    }
    tenant = caller.tenant;
  }
  return totals(d.db, { ...query, tenant });
}
