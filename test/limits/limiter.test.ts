// The rate limiter against a real Redis (127.0.0.1:6379, or REDIS_URL): GCRA rates, token
// corrections, concurrency leases (and their expiry when a replica dies), scopes, and what a
// store outage does. The clock is injected and moved by hand, so no result depends on speed.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SwitchyardError } from '../../src/errors.js';
import { LimitIndex } from '../../src/limits/limit-index.js';
import { RateLimiter, type AdmitRequest } from '../../src/limits/limiter.js';
import { RedisLimitStore } from '../../src/limits/redis-store.js';
import type { RateLimitDef } from '../../src/limits/types.js';
import { createLogger } from '../../src/log.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const store = new RedisLimitStore({ url: REDIS_URL });
const quiet = createLogger('error', () => undefined);
const limiters: RateLimiter[] = [];
let clock = 1_700_000_000_000;

beforeAll(async () => {
  // Fails rather than skips when Redis is missing: a skipped limiter suite would test nothing.
  if (!(await store.ready(5_000))) throw new Error(`test Redis unreachable at ${REDIS_URL} (set REDIS_URL)`);
});
afterEach(() => {
  for (const l of limiters.splice(0)) l.close();
});
afterAll(async () => {
  await store.close();
});

function limit(over: Partial<RateLimitDef>): RateLimitDef {
  return {
    id: `l-${randomUUID().slice(0, 8)}`,
    tenant: 'acme',
    scope: 'tenant',
    apiKeyId: '',
    model: '',
    requestsPerMinute: 0,
    tokensPerMinute: 0,
    concurrent: 0,
    source: 'config',
    ...over,
  };
}

/** A limiter over `defs` with its own key prefix (so tests never share a bucket). */
function limiter(
  defs: RateLimitDef[],
  opts: { leaseMs?: number; prefix?: string; storeOverride?: RedisLimitStore; onStoreDown?: 'open' | 'closed' } = {},
) {
  const index = new LimitIndex(defs);
  const l = new RateLimiter({
    store: opts.storeOverride ?? store,
    limits: () => index,
    onStoreDown: opts.onStoreDown ?? 'closed',
    log: quiet,
    prefix: opts.prefix ?? `sy:test:${randomUUID()}:`,
    leaseMs: opts.leaseMs ?? 30_000,
    now: () => clock,
  });
  limiters.push(l);
  return l;
}

const req = (over: Partial<AdmitRequest> = {}): AdmitRequest => ({ tenant: 'acme', keyId: 'k1', models: ['oai/m'], tokens: 10, ...over });

async function outcome(p: Promise<unknown>): Promise<'ok' | SwitchyardError> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof SwitchyardError) return err;
    throw err;
  }
}

describe('requests per minute', () => {
  it('admits exactly the limit at one instant, names the limit and when to retry, then refills at limit/minute', async () => {
    const def = limit({ requestsPerMinute: 5 });
    const l = limiter([def]);
    const results = await Promise.all(Array.from({ length: 12 }, () => outcome(l.admit(req()))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(5);
    const refusal = results.find((r) => r !== 'ok') as SwitchyardError;
    expect(refusal.kind).toBe('resource_exhausted');
    expect(refusal.reason).toBe('RATE_LIMITED');
    expect(refusal.metadata).toMatchObject({ limit_id: def.id, dimension: 'requests_per_minute', limit: '5', scope: 'tenant' });
    // One request drains in 60 000 / 5 ms of the injected clock.
    expect(refusal.metadata.retry_after_ms).toBe('12000');

    clock += 11_999;
    expect(await outcome(l.admit(req()))).not.toBe('ok');
    clock += 1;
    expect(await outcome(l.admit(req()))).toBe('ok');
    expect(await outcome(l.admit(req()))).not.toBe('ok');
  });

  it('applies a key limit to that key only, and a model limit to that model only', async () => {
    const byKey = limit({ scope: 'api_key', apiKeyId: 'k1', requestsPerMinute: 1 });
    const byModel = limit({ scope: 'model', model: 'oai/big', requestsPerMinute: 1 });
    const l = limiter([byKey, byModel]);
    expect(await outcome(l.admit(req({ keyId: 'k1', models: ['oai/m'] })))).toBe('ok');
    expect(((await outcome(l.admit(req({ keyId: 'k1' })))) as SwitchyardError).metadata.limit_id).toBe(byKey.id);
    expect(await outcome(l.admit(req({ keyId: 'k2', models: ['oai/m'] })))).toBe('ok');
    expect(await outcome(l.admit(req({ keyId: 'k2', models: ['alias', 'oai/big'] })))).toBe('ok');
    const refused = (await outcome(l.admit(req({ keyId: 'k2', models: ['oai/big'] })))) as SwitchyardError;
    expect(refused.metadata).toMatchObject({ limit_id: byModel.id, model: 'oai/big' });
    // Another tenant has no limits at all.
    expect(await outcome(l.admit(req({ tenant: 'other', keyId: 'k1', models: ['oai/big'] })))).toBe('ok');
  });

  it('takes from every limit or from none', async () => {
    const tenant = limit({ requestsPerMinute: 3 });
    const key = limit({ scope: 'api_key', apiKeyId: 'k1', requestsPerMinute: 1 });
    const l = limiter([tenant, key]);
    expect(await outcome(l.admit(req({ keyId: 'k1' })))).toBe('ok');
    // Refused by the key limit: the tenant's bucket must not have been charged for it.
    for (let i = 0; i < 3; i++) expect(await outcome(l.admit(req({ keyId: 'k1' })))).not.toBe('ok');
    expect(await outcome(l.admit(req({ keyId: 'k2' })))).toBe('ok');
    expect(await outcome(l.admit(req({ keyId: 'k3' })))).toBe('ok');
    expect(((await outcome(l.admit(req({ keyId: 'k4' })))) as SwitchyardError).metadata.limit_id).toBe(tenant.id);
  });
});

describe('tokens per minute', () => {
  it('charges the estimate at admission and corrects it to the actual tokens at release', async () => {
    const def = limit({ tokensPerMinute: 1000 });
    const l = limiter([def]);
    const a = await l.admit(req({ tokens: 400 }));
    await l.admit(req({ tokens: 400 }));
    const refused = (await outcome(l.admit(req({ tokens: 400 })))) as SwitchyardError;
    expect(refused.metadata).toMatchObject({ dimension: 'tokens_per_minute', limit: '1000' });
    // Used 100 of the 400 estimated: 300 go back.
    a.release(100);
    await expect.poll(() => outcome(l.admit(req({ tokens: 400 })))).toBe('ok');
  });

  it('admits a call larger than the whole limit once the bucket is empty, and then nothing else', async () => {
    const l = limiter([limit({ tokensPerMinute: 100 })]);
    expect(await outcome(l.admit(req({ tokens: 5000 })))).toBe('ok');
    expect(await outcome(l.admit(req({ tokens: 1 })))).not.toBe('ok');
  });
});

describe('concurrent calls', () => {
  it('holds a slot until release', async () => {
    const def = limit({ concurrent: 2 });
    const l = limiter([def]);
    const a = await l.admit(req());
    await l.admit(req());
    const refused = (await outcome(l.admit(req()))) as SwitchyardError;
    expect(refused.metadata).toMatchObject({ dimension: 'concurrent', limit: '2', limit_id: def.id });
    a.release();
    a.release();
    await expect.poll(() => outcome(l.admit(req()))).toBe('ok');
    expect(await outcome(l.admit(req()))).not.toBe('ok');
  });

  it("frees a dead replica's slots when their lease expires, but not a live replica's", async () => {
    const def = limit({ concurrent: 1 });
    const prefix = `sy:test:${randomUUID()}:`;
    const dead = limiter([def], { prefix, leaseMs: 1_000 });
    await dead.admit(req());
    dead.close(); // stops renewing, as a crashed replica would
    const alive = limiter([def], { prefix, leaseMs: 1_000 });
    expect(await outcome(alive.admit(req()))).not.toBe('ok');
    clock += 1_001;
    const held = await alive.admit(req());
    expect(held).toBeDefined();
    // The live lease is renewed (every third of a lease) and so survives its first expiry.
    clock += 900;
    await alive.renew();
    clock += 600;
    expect(await outcome(alive.admit(req()))).not.toBe('ok');
  });
});

describe('store down', () => {
  const down = () => new RedisLimitStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 200 });

  it('refuses with UNAVAILABLE when closed', async () => {
    const s = down();
    try {
      const r = (await outcome(
        limiter([limit({ requestsPerMinute: 1 })], { storeOverride: s, onStoreDown: 'closed' }).admit(req()),
      )) as SwitchyardError;
      expect(r.kind).toBe('unavailable');
      expect(r.reason).toBe('RATE_LIMITER_UNAVAILABLE');
    } finally {
      await s.close();
    }
  });

  it('admits without limit when open', async () => {
    const s = down();
    try {
      const l = limiter([limit({ requestsPerMinute: 1 })], { storeOverride: s, onStoreDown: 'open' });
      for (let i = 0; i < 3; i++) expect(await outcome(l.admit(req()))).toBe('ok');
    } finally {
      await s.close();
    }
  });

  it('asks nothing of the store when no limit applies', async () => {
    const s = down();
    try {
      const l = limiter([limit({ tenant: 'other', requestsPerMinute: 1 })], { storeOverride: s, onStoreDown: 'closed' });
      expect(await outcome(l.admit(req()))).toBe('ok');
    } finally {
      await s.close();
    }
  });
});
