// The `limits:` and `limiter:` config sections: validation naming the bad key, the Redis URL's
// precedence, and the start-up check that limits have a shared store to be counted in.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configLimits } from '../../src/admin/limit-config.js';
import { seedFromConfig } from '../../src/admin/seed.js';
import { loadConfig } from '../../src/config/load.js';
import { freshPostgres } from '../helpers/db.js';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sy-limits-cfg-')), 'switchyard.yaml');
  writeFileSync(path, text);
  return path;
}

const TENANT = `
tenants:
  - id: acme
    keys:
      - { name: ci, key_sha256: "${'a'.repeat(64)}" }
`;

describe('limits config', () => {
  it('names every bad key', () => {
    const text = `${TENANT}
limits:
  - { tenant: acme, scope: api_key, requests_per_minute: 5 }
  - { tenant: acme, scope: tenant, model: x, requests_per_minute: 5 }
  - { tenant: acme, scope: tenant }
  - { tenant: acme, scope: tenant, concurrent: -1 }
limiter: { redis_url: "http://nope", on_store_down: maybe }
`;
    let message = '';
    try {
      loadConfig({ config: file(text) }, {});
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('limits[0].api_key');
    expect(message).toContain('limits[1].model');
    expect(message).toContain('limits[2].requests_per_minute');
    expect(message).toContain('limits[3].concurrent');
    expect(message).toContain('limiter.redis_url');
    expect(message).toContain('limiter.on_store_down');
  });

  it('takes REDIS_URL over the file, defaults to fail open', () => {
    const path = file(`${TENANT}\nlimiter: { redis_url: "redis://file:6379" }\n`);
    expect(loadConfig({ config: path }, {}).limiter).toEqual({ redisUrl: 'redis://file:6379', onStoreDown: 'open', keyPrefix: 'sy:rl:' });
    expect(loadConfig({ config: path }, { REDIS_URL: 'redis://env:6379' }).limiter.redisUrl).toBe('redis://env:6379');
  });

  it('resolves key names to caller key ids, and refuses limits with no store to count them in', async () => {
    const pg = await freshPostgres();
    const db = pg.db;
    try {
      const text = `${TENANT}
limits:
  - { tenant: acme, scope: api_key, api_key: ci, requests_per_minute: 5, tokens_per_minute: 1000 }
  - { tenant: acme, scope: model, model: oai/m, concurrent: 2 }
`;
      const withStore = loadConfig({ config: file(text) }, { REDIS_URL: 'redis://127.0.0.1:6379' });
      await seedFromConfig(db, withStore);
      const defs = await configLimits(db, withStore);
      expect(defs).toEqual([
        expect.objectContaining({ id: 'config:acme:api_key:ci', apiKeyId: 'config:acme:ci', requestsPerMinute: 5, tokensPerMinute: 1000 }),
        expect.objectContaining({ id: 'config:acme:model:oai/m', model: 'oai/m', concurrent: 2 }),
      ]);
      await expect(configLimits(db, loadConfig({ config: file(text) }, {}))).rejects.toThrow(/limiter\.redis_url/);
    } finally {
      await pg.drop();
    }
  });
});
