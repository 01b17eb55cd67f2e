// Config file `budgets:` → rows of the budgets table with source 'config' (src/store/repos/
// budgets.ts syncConfigBudgets): created or updated at every start, removed when they leave
// the file. Runs after the tenants are seeded, since a budget names its tenant.
import { ConfigError, type KeySpec, type ResolvedConfig } from '../config/load.js';
import type { Db } from '../store/db.js';
import { listApiKeys } from '../store/repos/api-keys.js';
import { syncConfigBudgets, type NewBudget } from '../store/repos/budgets.js';
import { getTenant } from '../store/repos/tenants.js';
import { readAll } from '../store/repos/page.js';

/**
 * The key id a config file key authenticates as. It must match app.ts staticKeys(), which
 * gives each config key the caller keyId `config:<tenant>:<name or hash prefix>`.
 */
export function configKeyId(k: KeySpec): string {
  return `config:${k.tenant}:${k.name || k.hash.slice(0, 8)}`;
}

/** Resolves names to ids and writes the config's budgets; errors name the config key. */
export async function seedBudgets(db: Db, config: ResolvedConfig): Promise<void> {
  const where = config.configPath ?? 'config';
  const out: NewBudget[] = [];
  for (const [i, b] of config.budgets.entries()) {
    if (!(await getTenant(db, b.tenant))) {
      throw new ConfigError(`${where}: budgets[${i}].tenant: unknown tenant "${b.tenant}" (list it under tenants:)`);
    }
    let apiKeyId = '';
    if (b.scope === 'api_key') apiKeyId = await resolveKey(db, config, b.tenant, b.apiKey, `${where}: budgets[${i}].api_key`);
    out.push({
      id: `config:${b.tenant}:${b.scope}${b.scope === 'tenant' ? '' : `:${b.apiKey || b.workerId}`}:${b.period}`,
      tenantId: b.tenant,
      scope: b.scope,
      apiKeyId,
      workerId: b.workerId,
      period: b.period,
      limit: b.limit,
    });
  }
  await syncConfigBudgets(db, out);
}

/** A key name of the tenant: a config file key first, else a stored key with that name. */
export async function resolveKey(db: Db, config: ResolvedConfig, tenant: string, name: string, field: string): Promise<string> {
  const fromFile = config.keys.filter((k) => k.tenant === tenant && k.name === name);
  if (fromFile.length === 1) return configKeyId(fromFile[0]!);
  const stored = (await readAll((q, page) => listApiKeys(q, tenant, page), db)).filter((k) => k.name === name);
  if (fromFile.length + stored.length === 1) return stored[0]!.id;
  if (fromFile.length + stored.length === 0) throw new ConfigError(`${field}: tenant "${tenant}" has no API key named "${name}"`);
  throw new ConfigError(`${field}: tenant "${tenant}" has several API keys named "${name}"; name keys uniquely`);
}
