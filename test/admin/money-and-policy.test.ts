// The admin use cases for budgets, usage and policies, in-process against a real Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as budgets from '../../src/admin/budgets.js';
import * as policies from '../../src/admin/policy-versions.js';
import * as tenants from '../../src/admin/tenants.js';
import { queryUsage } from '../../src/admin/usage.js';
import { EMPTY_RULES } from '../../src/routing/policy.js';
import { insertLedgerRows } from '../../src/store/repos/usage.js';
import { ledgerRow } from '../storage/suites/usage.js';
import { adminHarness, type AdminHarness } from './harness.js';

let h: AdminHarness;
beforeAll(async () => {
  h = await adminHarness();
  await tenants.createTenant(h.deps, { id: 'globex', name: 'Globex', disabled: false });
});
afterAll(async () => {
  await h?.close();
});

type DomainError = Error & { kind: string; reason: string; violations: Array<{ field: string }> };
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('expected a rejection'),
    (err: DomainError) => err,
  );
const fields = (err: DomainError) => err.violations.map((v) => v.field).sort();

function budget(over: Partial<budgets.BudgetInput> = {}): budgets.BudgetInput {
  return { id: '', tenant: 'acme', scope: 'tenant', apiKeyId: '', workerId: '', period: 'day', limit: 10n, ...over };
}

describe('budgets', () => {
  it('validation names every bad field, the tenant and key references included', async () => {
    const empty = await rejection(budgets.createBudget(h.deps, budget({ tenant: '', scope: undefined, period: undefined, limit: -1n })));
    expect(empty.kind).toBe('invalid_argument');
    expect(fields(empty)).toEqual(['budget.limit', 'budget.period', 'budget.scope', 'budget.tenant']);
    const noWorker = await rejection(budgets.createBudget(h.deps, budget({ scope: 'worker', tenant: 'ghost' })));
    expect(fields(noWorker)).toEqual(['budget.tenant', 'budget.worker_id']);
    const { apiKey } = await tenants.createApiKey(h.deps, { tenant: 'globex', admin: false, name: 'g' });
    const otherTenantsKey = await rejection(budgets.createBudget(h.deps, budget({ scope: 'api_key', apiKeyId: apiKey.id })));
    expect(fields(otherTenantsKey)).toEqual(['budget.api_key_id']);
    const noId = await rejection(budgets.updateBudget(h.deps, budget()));
    expect(fields(noId)).toEqual(['budget.id']);
  });

  it('a budget may name a config file key; the state has it as soon as the call returns', async () => {
    const row = await budgets.createBudget(h.deps, budget({ scope: 'api_key', apiKeyId: 'config:acme:ci', limit: 5n }));
    expect(row.id).toMatch(/^bud_/);
    expect(h.state.budgetsFor('acme', 'config:acme:ci', '').map((b) => b.id)).toContain(row.id);
    const updated = await budgets.updateBudget(
      h.deps,
      budget({ id: row.id, scope: 'api_key', apiKeyId: 'config:acme:ci', period: 'month', limit: 7n }),
    );
    expect(updated).toMatchObject({ id: row.id, period: 'month', limit: 7n, spent: 0n, reserved: 0n, source: 'admin' });
    await budgets.deleteBudget(h.deps, row.id);
    expect(h.state.budgetsFor('acme', 'config:acme:ci', '').map((b) => b.id)).not.toContain(row.id);
    expect((await rejection(budgets.deleteBudget(h.deps, row.id))).kind).toBe('not_found');
  });

  it("the config file's budgets are listed but read-only", async () => {
    const listed = await budgets.listBudgets(h.deps, {}, 'acme');
    expect(listed.items.map((b) => [b.id, b.source])).toEqual([['config:acme:tenant:month', 'config']]);
    const upd = await rejection(budgets.updateBudget(h.deps, budget({ id: 'config:acme:tenant:month', period: 'month', limit: 1n })));
    expect(upd).toMatchObject({ kind: 'failed_precondition', reason: 'BUDGET_FROM_CONFIG' });
    expect((await budgets.listBudgets(h.deps, {}, 'acme')).items[0]?.limit).toBe(100_000_000_000_000n);
  });
});

describe('usage', () => {
  const range = { start: new Date('2026-03-14T00:00:00Z'), end: new Date('2026-03-16T00:00:00Z'), groupBy: ['tenant' as const] };
  beforeAll(async () => {
    await insertLedgerRows(h.pg.db, [ledgerRow({ cost: 100n }), ledgerRow({ tenantId: 'globex', cost: 5_000n })]);
  });

  it('an admin sees every tenant; a tenant caller only its own, and naming another is PERMISSION_DENIED', async () => {
    const all = await queryUsage(h.deps, range, { tenant: '', admin: true });
    expect(all.map((r) => [r.group.tenant, r.cost])).toEqual([
      ['acme', 100n],
      ['globex', 5_000n],
    ]);
    const own = await queryUsage(h.deps, range, { tenant: 'acme', admin: false });
    expect(own.map((r) => [r.group.tenant, r.cost])).toEqual([['acme', 100n]]);
    const other = await rejection(queryUsage(h.deps, { ...range, tenant: 'globex' }, { tenant: 'acme', admin: false }));
    expect(other).toMatchObject({ kind: 'permission_denied', reason: 'OTHER_TENANT' });
  });
});

describe('policies', () => {
  it('versions append; version 0 reads the latest, or an empty policy when none is stored', async () => {
    expect(await policies.getPlatformPolicy(h.deps, 0n)).toEqual({ version: 0n, rules: EMPTY_RULES });
    await policies.updatePlatformPolicy(h.deps, { ...EMPTY_RULES, allowedProviders: ['openai', 'anthropic'] });
    const v2 = await policies.updatePlatformPolicy(h.deps, { ...EMPTY_RULES, allowedProviders: ['openai'] });
    expect(v2).toMatchObject({ version: 2n, rules: { allowedProviders: ['openai'] } });
    expect((await policies.getPlatformPolicy(h.deps, 1n)).rules.allowedProviders).toEqual(['openai', 'anthropic']);
    expect((await rejection(policies.getPlatformPolicy(h.deps, 9n))).kind).toBe('not_found');
    const page = await policies.listPolicyVersions(h.deps, '', { limit: 1 });
    expect(page.items.map((p) => p.version)).toEqual([2n]);
    expect((await policies.listPolicyVersions(h.deps, '', { limit: 1, before: page.next! })).items.map((p) => p.version)).toEqual([1n]);
    expect(h.state.snapshot().policyVersion).toBe('platform:2');
  });

  it('a tenant policy may narrow the platform policy, never widen it', async () => {
    const widened = await rejection(policies.updateTenantPolicy(h.deps, 'acme', { ...EMPTY_RULES, allowedProviders: ['anthropic'] }));
    expect(widened).toMatchObject({ kind: 'invalid_argument', reason: 'POLICY_WIDENS_PLATFORM' });
    expect(fields(widened)).toEqual(['policy.allowed_providers[0]']);
    const narrowed = await policies.updateTenantPolicy(h.deps, 'acme', {
      ...EMPTY_RULES,
      allowedProviders: ['openai'],
      maxOutputTokens: 100,
    });
    expect(narrowed).toMatchObject({ version: 1n, rules: { maxOutputTokens: 100 } });
    expect((await policies.getTenantPolicy(h.deps, 'acme', 0n)).rules.maxOutputTokens).toBe(100);
    await policies.deleteTenantPolicy(h.deps, 'acme');
    expect((await policies.getTenantPolicy(h.deps, 'acme', 0n)).version).toBe(2n);
    expect((await rejection(policies.deleteTenantPolicy(h.deps, 'acme'))).kind).toBe('not_found');
    expect((await rejection(policies.getTenantPolicy(h.deps, 'ghost', 0n))).kind).toBe('not_found');
  });
});
