// Budget periods, the snapshot's budget lookup, and the config file's `budgets:`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BudgetIndex } from '../../src/app/budget-index.js';
import { periodStart } from '../../src/store/repos/budgets.js';
import type { BudgetDef } from '../../src/budget/types.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { usdToPico } from '../../src/config/schema.js';

describe('periodStart (UTC)', () => {
  const at = (iso: string) => new Date(iso);
  test.each([
    ['day', '2026-03-15T23:59:59.999Z', '2026-03-15T00:00:00.000Z'],
    ['day', '2026-03-16T00:00:00.000Z', '2026-03-16T00:00:00.000Z'],
    // 01:30 in UTC+02 is still the previous UTC day.
    ['day', '2026-03-16T01:30:00+02:00', '2026-03-15T00:00:00.000Z'],
    ['month', '2026-03-31T23:59:59.999Z', '2026-03-01T00:00:00.000Z'],
    ['month', '2024-02-29T12:00:00Z', '2024-02-01T00:00:00.000Z'],
    ['month', '2027-01-01T00:00:00Z', '2027-01-01T00:00:00.000Z'],
    ['total', '2026-03-15T10:00:00Z', '1970-01-01T00:00:00.000Z'],
  ] as const)('%s of %s starts %s', (period, now, start) => {
    expect(periodStart(period, at(now)).toISOString()).toBe(start);
  });
});

describe('BudgetIndex.budgetsFor', () => {
  const b = (id: string, tenantId: string, scope: BudgetDef['scope'], extra: Partial<BudgetDef> = {}): BudgetDef => ({
    id,
    tenantId,
    scope,
    apiKeyId: '',
    workerId: '',
    period: 'day',
    limit: 100n,
    ...extra,
  });
  const index = new BudgetIndex([
    b('z-tenant', 'acme', 'tenant'),
    b('a-key', 'acme', 'api_key', { apiKeyId: 'key_1' }),
    b('m-worker', 'acme', 'worker', { workerId: 'summarizer' }),
    b('c-month', 'acme', 'tenant', { period: 'month' }),
    b('other', 'globex', 'tenant'),
    b('other-key', 'globex', 'api_key', { apiKeyId: 'key_1' }),
  ]);

  test('tenant, key and worker scopes that apply, sorted by id', () => {
    expect(index.budgetsFor('acme', 'key_1', 'summarizer').map((x) => x.id)).toEqual(['a-key', 'c-month', 'm-worker', 'z-tenant']);
    expect(index.budgetsFor('acme', 'key_2', '').map((x) => x.id)).toEqual(['c-month', 'z-tenant']);
    expect(index.budgetsFor('acme', '', 'other-worker').map((x) => x.id)).toEqual(['c-month', 'z-tenant']);
    // A key id or worker never matches another tenant's budget.
    expect(index.budgetsFor('globex', 'key_1', 'summarizer').map((x) => x.id)).toEqual(['other', 'other-key']);
    expect(index.budgetsFor('nobody', 'key_1', 'summarizer')).toEqual([]);
    expect(index.size).toBe(6);
    expect(index.all().map((x) => x.id)).toEqual(['a-key', 'c-month', 'm-worker', 'other', 'other-key', 'z-tenant']);
  });
});

describe('config budgets', () => {
  const load = (yaml: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'sy-budgets-')), 'switchyard.yaml');
    writeFileSync(path, yaml);
    return loadConfig({ config: path }, {});
  };
  const TENANT = 'tenants:\n  - { id: acme, keys: [{ name: ci, key_sha256: "' + 'a'.repeat(64) + '" }] }\n';

  test('limit in pico-USD or limit_usd converted exactly', () => {
    expect(usdToPico('12.5')).toBe(12_500_000_000_000n);
    expect(usdToPico('0.000000000001')).toBe(1n);
    expect(usdToPico('9223372.036854775807')).toBe(9_223_372_036_854_775_807n);
    const c = load(`${TENANT}budgets:
  - { tenant: acme, scope: tenant, period: month, limit_usd: "100.10" }
  - { tenant: acme, scope: api_key, api_key: ci, period: day, limit: 5000000000000 }
  - { tenant: acme, scope: worker, worker_id: summarizer, period: total, limit: "7" }
`);
    expect(c.budgets).toEqual([
      { tenant: 'acme', scope: 'tenant', apiKey: '', workerId: '', period: 'month', limit: 100_100_000_000_000n },
      { tenant: 'acme', scope: 'api_key', apiKey: 'ci', workerId: '', period: 'day', limit: 5_000_000_000_000n },
      { tenant: 'acme', scope: 'worker', apiKey: '', workerId: 'summarizer', period: 'total', limit: 7n },
    ]);
  });

  test('errors name the key', () => {
    const bad = (budget: string) => {
      try {
        load(`${TENANT}budgets:\n  - ${budget}\n`);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(bad('{ tenant: acme, scope: tenant, period: day }')).toMatch(/budgets\[0\]\.limit: exactly one of limit/);
    expect(bad('{ tenant: acme, scope: tenant, period: day, limit: 1, limit_usd: "1" }')).toMatch(/budgets\[0\]\.limit:/);
    expect(bad('{ tenant: acme, scope: api_key, period: day, limit: 1 }')).toMatch(/budgets\[0\]\.api_key: is required for scope api_key/);
    expect(bad('{ tenant: acme, scope: tenant, worker_id: w, period: day, limit: 1 }')).toMatch(/budgets\[0\]\.worker_id:/);
    expect(bad('{ tenant: acme, scope: tenant, period: week, limit: 1 }')).toMatch(/budgets\[0\]\.period:/);
    expect(bad('{ tenant: acme, scope: tenant, period: day, limit_usd: "1.5e3" }')).toMatch(/budgets\[0\]\.limit_usd:/);
    expect(bad('{ tenant: acme, scope: tenant, period: day, limit: 1.5 }')).toMatch(/budgets\[0\]\.limit:/);
    expect(bad('{ tenant: acme, scope: tenant, period: day, limit_usd: "9223373" }')).toMatch(/budgets\[0\]\.limit_usd: exceeds/);
  });
});
