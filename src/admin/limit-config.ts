// Config file `limits:` → rate limit definitions (src/limits/), with api_key names resolved to
// the key ids callers authenticate as. Held in memory by every replica (each reads the same
// file), merged with AdminService's stored limits by the runtime state.
import { ConfigError, type ResolvedConfig } from '../config/load.js';
import type { Db } from '../store/db.js';
import { getTenant } from '../store/repos/tenants.js';
import type { RateLimitDef } from '../limits/types.js';
import { resolveKey } from './budget-config.js';

export async function configLimits(db: Db, config: ResolvedConfig): Promise<RateLimitDef[]> {
  const where = config.configPath ?? 'config';
  const out: RateLimitDef[] = [];
  const seen = new Set<string>();
  for (const [i, l] of config.limits.entries()) {
    if (!(await getTenant(db, l.tenant))) {
      throw new ConfigError(`${where}: limits[${i}].tenant: unknown tenant "${l.tenant}" (list it under tenants:)`);
    }
    const apiKeyId = l.scope === 'api_key' ? await resolveKey(db, config, l.tenant, l.api_key!, `${where}: limits[${i}].api_key`) : '';
    const id = `config:${l.tenant}:${l.scope}${l.scope === 'tenant' ? '' : `:${l.api_key ?? l.model}`}`;
    if (seen.has(id)) throw new ConfigError(`${where}: limits[${i}]: a second limit for the same ${l.scope}; merge them into one entry`);
    seen.add(id);
    out.push({
      id,
      tenant: l.tenant,
      scope: l.scope,
      apiKeyId,
      model: l.model ?? '',
      requestsPerMinute: l.requests_per_minute,
      tokensPerMinute: l.tokens_per_minute,
      concurrent: l.concurrent,
      source: 'config',
    });
  }
  if (out.length > 0 && !config.limiter.redisUrl) {
    throw new ConfigError(`${where}: limits: need a shared store to be exact across replicas: set limiter.redis_url (or REDIS_URL)`);
  }
  return out;
}
