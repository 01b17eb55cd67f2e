// Rate limits through AdminService. Every change reloads this replica's limit index at once and
// NOTIFYs the others (publishChange), so a new limit holds on every replica within a reload;
// the counts themselves live in Redis and are shared whatever replica a call reaches.
// Limits from the config file are listed but read-only here (they come back at every start).
import { randomBytes } from 'node:crypto';
import { SwitchyardError } from '../errors.js';
import type { RateLimitDef } from '../limits/types.js';
import { getApiKey } from '../store/repos/api-keys.js';
import type { Page, PageRequest } from '../store/repos/page.js';
import * as repo from '../store/repos/rate-limits.js';
import { getTenant } from '../store/repos/tenants.js';
import { configKeyId } from './budget-config.js';
import type { AdminDeps } from './deps.js';
import { FieldProblems, ID_PATTERN, ID_RULE } from './validate.js';

export type { RateLimitScope } from '../store/repos/rate-limits.js';

/** A RateLimit message as given: scope undefined when unset or unknown. */
export interface RateLimitInput {
  /** "" on create: an id is generated. */
  id: string;
  tenant: string;
  scope: repo.RateLimitScope | undefined;
  apiKeyId: string;
  model: string;
  requestsPerMinute: number;
  tokensPerMinute: number;
  concurrent: number;
}

/** A stored limit as the limiter sees it. */
export function limitFromStored(l: repo.StoredRateLimit): RateLimitDef {
  return {
    id: l.id,
    tenant: l.tenantId,
    scope: l.scope,
    apiKeyId: l.apiKeyId,
    model: l.model,
    requestsPerMinute: l.requestsPerMinute,
    tokensPerMinute: l.tokensPerMinute,
    concurrent: l.concurrent,
    source: 'admin',
  };
}

const MAX_INT32 = 2_147_483_647;

async function validLimit(d: AdminDeps, l: RateLimitInput, idRequired: boolean): Promise<repo.StoredRateLimit> {
  if (!d.state.limiter) {
    throw new SwitchyardError(
      'failed_precondition',
      'no rate limiter store is configured (limiter.redis_url or REDIS_URL): a stored limit would not be enforced',
      { reason: 'RATE_LIMITER_NOT_CONFIGURED' },
    );
  }
  const v = new FieldProblems();
  if (idRequired && !l.id) v.add('rate_limit.id', 'is required: it names the limit to replace');
  if (!idRequired && l.id && !ID_PATTERN.test(l.id)) v.add('rate_limit.id', ID_RULE);
  const { scope } = l;
  if (!scope) v.add('rate_limit.scope', 'must be set to TENANT, API_KEY or MODEL');
  if (scope === 'api_key' && !l.apiKeyId) v.add('rate_limit.api_key_id', 'is required for scope API_KEY');
  if (scope !== 'api_key' && l.apiKeyId) v.add('rate_limit.api_key_id', 'must be empty unless scope is API_KEY');
  if (scope === 'model' && !l.model) v.add('rate_limit.model', 'is required for scope MODEL');
  if (scope !== 'model' && l.model) v.add('rate_limit.model', 'must be empty unless scope is MODEL');
  const dims = [
    ['requests_per_minute', l.requestsPerMinute, MAX_INT32],
    ['tokens_per_minute', l.tokensPerMinute, Number.MAX_SAFE_INTEGER],
    ['concurrent', l.concurrent, MAX_INT32],
  ] as const;
  for (const [field, value, max] of dims) {
    if (!Number.isInteger(value) || value < 0 || value > max) v.add(`rate_limit.${field}`, `must be an integer from 0 to ${max}`);
  }
  if (dims.every(([, value]) => value === 0))
    v.add('rate_limit.requests_per_minute', 'set at least one of requests_per_minute, tokens_per_minute or concurrent');
  if (!l.tenant) v.add('rate_limit.tenant', 'is required');
  else if (!(await getTenant(d.db, l.tenant))) v.add('rate_limit.tenant', `unknown tenant "${l.tenant}"`);
  else if (scope === 'api_key' && l.apiKeyId && !(await keyOfTenant(d, l.apiKeyId, l.tenant))) {
    v.add('rate_limit.api_key_id', `no API key "${l.apiKeyId}" belongs to tenant "${l.tenant}"`);
  }
  v.throwIfAny();
  return {
    id: l.id || `rl_${randomBytes(8).toString('hex')}`,
    tenantId: l.tenant,
    scope: scope!,
    apiKeyId: l.apiKeyId,
    model: l.model,
    requestsPerMinute: l.requestsPerMinute,
    tokensPerMinute: l.tokensPerMinute,
    concurrent: l.concurrent,
  };
}

async function keyOfTenant(d: AdminDeps, keyId: string, tenant: string): Promise<boolean> {
  if (d.state.configKeys.some((k) => k.tenant === tenant && configKeyId(k) === keyId)) return true;
  const key = await getApiKey(d.db, keyId);
  return key !== null && key.tenantId === tenant;
}

function refuseConfigLimit(d: AdminDeps, id: string): void {
  if (d.state.limits?.().all.some((l) => l.id === id && l.source === 'config')) {
    throw new SwitchyardError('failed_precondition', `rate limit "${id}" comes from the config file: change it there`, {
      reason: 'RATE_LIMIT_FROM_CONFIG',
      metadata: { id },
    });
  }
}

export async function createRateLimit(d: AdminDeps, input: RateLimitInput): Promise<RateLimitDef> {
  const l = await validLimit(d, input, false);
  const row = await repo.createRateLimit(d.db, l);
  await d.changes.publishChange('rate_limit');
  return limitFromStored(row);
}

export async function updateRateLimit(d: AdminDeps, input: RateLimitInput): Promise<RateLimitDef> {
  refuseConfigLimit(d, input.id);
  const l = await validLimit(d, input, true);
  const row = await repo.updateRateLimit(d.db, l);
  await d.changes.publishChange('rate_limit');
  return limitFromStored(row);
}

export async function deleteRateLimit(d: AdminDeps, id: string): Promise<void> {
  refuseConfigLimit(d, id);
  await repo.deleteRateLimit(d.db, id);
  await d.changes.publishChange('rate_limit');
}

/**
 * The limits in force on this replica (the config file's and the stored ones), by id;
 * `tenantId`: only that tenant's. Stored limits are read from the database, so a listing right
 * after a change on another replica already shows it.
 */
export async function listRateLimits(d: AdminDeps, page: PageRequest, tenantId?: string): Promise<Page<RateLimitDef>> {
  const fromConfig = (d.state.limits?.().all ?? []).filter((l) => l.source === 'config' && (!tenantId || l.tenant === tenantId));
  const stored = await repo.listRateLimits(d.db, { tenantId, after: page.after, limit: 1000 });
  const size = Math.min(page.limit ?? 100, 1000);
  const merged = [...fromConfig.filter((l) => !page.after || l.id > page.after), ...stored.items.map(limitFromStored)].sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  const items = merged.slice(0, size);
  const more = merged.length > size || stored.next !== null;
  return { items, next: more && items.length > 0 ? items[items.length - 1]!.id : null };
}
