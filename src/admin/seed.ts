// Config → database: tenants named in the config file exist as rows (so keys, budgets and
// policies can reference them). Idempotent, safe for several replicas starting together.
import type { ResolvedConfig } from '../config/load.js';
import type { Db } from '../store/db.js';
import { countActiveApiKeys } from '../store/repos/api-keys.js';
import { upsertTenant } from '../store/repos/tenants.js';
import { seedPolicies } from './policies.js';
import { seedBudgets } from './budget-config.js';

export async function seedFromConfig(db: Db, config: ResolvedConfig): Promise<void> {
  for (const t of config.tenants) await upsertTenant(db, t);
  // After the tenants: a tenant policy names its tenant.
  await seedPolicies(db, config);
  // After the tenants too: a budget names its tenant (and maybe one of its keys).
  await seedBudgets(db, config);
}

/** Usable API keys stored in the database (dev mode needs there to be none). */
export function storedKeyCount(db: Db): Promise<number> {
  return countActiveApiKeys(db);
}
