// End to end of AdminService budgets and QueryUsage: grpc-js with the .proto loaded
// independently, and Connect JSON over plain fetch.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertLedgerRows } from '../../src/store/repos/usage.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { ledgerRow } from '../storage/suites/usage.js';
import {
  ACME_KEY,
  ADMIN_KEY,
  bearer,
  call,
  callError,
  CONFIG_YAML,
  grpcClients,
  serverEnv,
  violatedFields,
  type Any,
  type Clients,
} from './fixtures.js';

const YAML = `${CONFIG_YAML}budgets:
  - { tenant: acme, scope: tenant, period: month, limit_usd: "250.5" }
  - { tenant: acme, scope: api_key, api_key: ci, period: day, limit: 1000000 }
`;

let server: TestServer;
let c: Clients;
beforeAll(async () => {
  server = await startTestServer({ yaml: YAML, env: serverEnv() });
  c = grpcClients(server.grpcAddress);
});
afterAll(async () => {
  c?.close();
  await server?.stop();
});

const adm = (method: string, req: object = {}): Promise<Any> => call(c.admin, method, req, bearer(ADMIN_KEY));
const admErr = (method: string, req: object) => callError(c.admin, method, req, bearer(ADMIN_KEY));
const ts = (iso: string) => ({ seconds: String(Date.parse(iso) / 1000), nanos: 0 });

describe('budgets', () => {
  it('config budgets are listed with their current spend, and are read-only here', async () => {
    const { budgets } = await adm('ListBudgets', { tenant: 'acme' });
    expect(budgets).toEqual([
      {
        id: 'config:acme:api_key:ci:day',
        scope: 'BUDGET_SCOPE_API_KEY',
        tenant: 'acme',
        api_key_id: 'config:acme:ci',
        worker_id: '',
        period: 'BUDGET_PERIOD_DAY',
        limit: '1000000',
        spent: '0',
        reserved: '0',
      },
      {
        id: 'config:acme:tenant:month',
        scope: 'BUDGET_SCOPE_TENANT',
        tenant: 'acme',
        api_key_id: '',
        worker_id: '',
        period: 'BUDGET_PERIOD_MONTH',
        limit: '250500000000000',
        spent: '0',
        reserved: '0',
      },
    ]);
    const upd = await admErr('UpdateBudget', { budget: { ...budgets[1], limit: '1' } });
    expect(upd.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect((await admErr('DeleteBudget', { id: budgets[1].id })).code).toBe(grpc.status.FAILED_PRECONDITION);
    // The config key's budget applies to requests made with that key.
    expect(server.app.state.budgetsFor('acme', 'config:acme:ci', '').map((b) => b.id)).toEqual([
      'config:acme:api_key:ci:day',
      'config:acme:tenant:month',
    ]);
  });

  it('create, update, list, delete; the runtime snapshot follows at once', async () => {
    const created = await adm('CreateBudget', {
      budget: {
        id: 'acme-summarizer',
        scope: 'BUDGET_SCOPE_WORKER',
        tenant: 'acme',
        worker_id: 'summarizer',
        period: 'BUDGET_PERIOD_DAY',
        limit: '5000000000000',
        spent: '77',
      },
    });
    expect(created.budget).toMatchObject({
      id: 'acme-summarizer',
      worker_id: 'summarizer',
      limit: '5000000000000',
      spent: '0',
      reserved: '0',
    });
    expect(server.app.state.budgetsFor('acme', '', 'summarizer').map((b) => b.id)).toContain('acme-summarizer');
    expect(server.app.state.budgetsFor('acme', '', 'other').map((b) => b.id)).not.toContain('acme-summarizer');

    // Without an id, one is generated.
    const anon = await adm('CreateBudget', {
      budget: { scope: 'BUDGET_SCOPE_WORKER', tenant: 'acme', worker_id: 'w2', period: 'BUDGET_PERIOD_TOTAL', limit: '0' },
    });
    expect(anon.budget.id).toMatch(/^bud_[0-9a-f]{16}$/);

    const dup = await admErr('CreateBudget', {
      budget: {
        id: 'other-id',
        scope: 'BUDGET_SCOPE_WORKER',
        tenant: 'acme',
        worker_id: 'summarizer',
        period: 'BUDGET_PERIOD_DAY',
        limit: '1',
      },
    });
    expect(dup.code).toBe(grpc.status.ALREADY_EXISTS);

    const updated = await adm('UpdateBudget', { budget: { ...created.budget, limit: '42', period: 'BUDGET_PERIOD_MONTH' } });
    expect(updated.budget).toMatchObject({ limit: '42', period: 'BUDGET_PERIOD_MONTH' });
    expect(server.app.state.budgetsFor('acme', '', 'summarizer').find((b) => b.id === 'acme-summarizer')).toMatchObject({
      limit: 42n,
      period: 'month',
    });

    const page1 = await adm('ListBudgets', { page_size: 2 });
    expect(page1.budgets).toHaveLength(2);
    const page2 = await adm('ListBudgets', { page_size: 2, page_token: page1.next_page_token });
    expect([...page1.budgets, ...page2.budgets].map((b: Any) => b.id)).toContain('acme-summarizer');

    await adm('DeleteBudget', { id: 'acme-summarizer' });
    expect((await admErr('DeleteBudget', { id: 'acme-summarizer' })).code).toBe(grpc.status.NOT_FOUND);
    expect(server.app.state.budgetsFor('acme', '', 'summarizer').map((b) => b.id)).not.toContain('acme-summarizer');
  });

  it('validation names every bad field', async () => {
    await adm('CreateTenant', { tenant: { id: 'globex' } });
    const key = await adm('CreateApiKey', { api_key: { tenant: 'globex', name: 'g' } });

    const empty = await admErr('CreateBudget', { budget: { limit: '-1' } });
    expect(empty.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(empty).sort()).toEqual(['budget.limit', 'budget.period', 'budget.scope', 'budget.tenant']);

    const wrongKey = await admErr('CreateBudget', {
      budget: { scope: 'BUDGET_SCOPE_API_KEY', tenant: 'acme', api_key_id: key.api_key.id, period: 'BUDGET_PERIOD_DAY' },
    });
    expect(violatedFields(wrongKey)).toEqual(['budget.api_key_id']);
    const okKey = await adm('CreateBudget', {
      budget: { scope: 'BUDGET_SCOPE_API_KEY', tenant: 'globex', api_key_id: key.api_key.id, period: 'BUDGET_PERIOD_DAY', limit: '10' },
    });
    expect(okKey.budget.api_key_id).toBe(key.api_key.id);

    const mixed = await admErr('CreateBudget', {
      budget: { scope: 'BUDGET_SCOPE_TENANT', tenant: 'acme', api_key_id: 'key_x', worker_id: 'w', period: 'BUDGET_PERIOD_DAY' },
    });
    expect(violatedFields(mixed).sort()).toEqual(['budget.api_key_id', 'budget.worker_id']);
    const noWorker = await admErr('CreateBudget', {
      budget: { scope: 'BUDGET_SCOPE_WORKER', tenant: 'ghost', period: 'BUDGET_PERIOD_DAY' },
    });
    expect(violatedFields(noWorker).sort()).toEqual(['budget.tenant', 'budget.worker_id']);
    const badId = await admErr('UpdateBudget', {
      budget: { id: '', scope: 'BUDGET_SCOPE_TENANT', tenant: 'acme', period: 'BUDGET_PERIOD_DAY' },
    });
    expect(violatedFields(badId)).toEqual(['budget.id']);
    expect(
      (await admErr('UpdateBudget', { budget: { id: 'nope', scope: 'BUDGET_SCOPE_TENANT', tenant: 'acme', period: 'BUDGET_PERIOD_DAY' } }))
        .code,
    ).toBe(grpc.status.NOT_FOUND);

    // Budgets are admin business: a tenant key cannot manage them.
    const tenantCall = await callError(c.admin, 'ListBudgets', {}, bearer(ACME_KEY));
    expect(tenantCall.code).toBe(grpc.status.PERMISSION_DENIED);
  });
});

describe('QueryUsage', () => {
  const range = { start: ts('2026-03-14T00:00:00Z'), end: ts('2026-03-16T00:00:00Z') };
  beforeAll(async () => {
    await insertLedgerRows(server.app.db, [
      ledgerRow({ cost: 100n, inputTokens: 10, createdAt: new Date('2026-03-14T08:00:00Z') }),
      ledgerRow({ cost: 200n, inputTokens: 20, createdAt: new Date('2026-03-15T08:00:00Z') }),
      ledgerRow({ cost: 300n, inputTokens: 30, model: 'openai/gpt-4o-mini', createdAt: new Date('2026-03-15T09:00:00Z') }),
      ledgerRow({ tenantId: 'globex', cost: 5_000n, model: 'anthropic/claude-sonnet-4-5', createdAt: new Date('2026-03-15T10:00:00Z') }),
    ]);
  });

  it('an admin sees every tenant, grouped by model and day', async () => {
    const res = await adm('QueryUsage', { ...range, group_by: ['USAGE_GROUP_BY_MODEL', 'USAGE_GROUP_BY_DAY'] });
    expect(res.rows.map((r: Any) => [r.group, r.requests, r.cost, r.input_tokens])).toEqual([
      [{ model: 'anthropic/claude-sonnet-4-5', day: '2026-03-15' }, '1', '5000', '100'],
      [{ model: 'openai/gpt-4o', day: '2026-03-14' }, '1', '100', '10'],
      [{ model: 'openai/gpt-4o', day: '2026-03-15' }, '1', '200', '20'],
      [{ model: 'openai/gpt-4o-mini', day: '2026-03-15' }, '1', '300', '30'],
    ]);
    const globex = await adm('QueryUsage', { ...range, tenant: 'globex' });
    expect(globex.rows.map((r: Any) => r.cost)).toEqual(['5000']);
  });

  it('a tenant key sees its own tenant only', async () => {
    const own = await call(c.admin, 'QueryUsage', { ...range, group_by: ['USAGE_GROUP_BY_TENANT'] }, bearer(ACME_KEY));
    expect(own.rows).toEqual([expect.objectContaining({ group: { tenant: 'acme' }, requests: '3', cost: '600' })]);
    const named = await call(c.admin, 'QueryUsage', { ...range, tenant: 'acme' }, bearer(ACME_KEY));
    expect(named.rows[0].cost).toBe('600');
    const other = await callError(c.admin, 'QueryUsage', { ...range, tenant: 'globex' }, bearer(ACME_KEY));
    expect(other.code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it('validates the range and the dimensions', async () => {
    const reversed = await admErr('QueryUsage', { start: range.end, end: range.start });
    expect(violatedFields(reversed)).toEqual(['end']);
    const long = await admErr('QueryUsage', { start: ts('2025-01-01T00:00:00Z'), end: ts('2026-03-01T00:00:00Z') });
    expect(violatedFields(long)).toEqual(['end']);
    const missing = await admErr('QueryUsage', { group_by: ['USAGE_GROUP_BY_UNSPECIFIED', 'USAGE_GROUP_BY_DAY', 'USAGE_GROUP_BY_DAY'] });
    expect(violatedFields(missing).sort()).toEqual(['end', 'group_by[0]', 'group_by[2]', 'start']);
  });

  it('Connect JSON: int64 totals as strings', async () => {
    const res = await fetch(`${server.httpUrl}/switchyard.v1.AdminService/QueryUsage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ACME_KEY}` },
      body: JSON.stringify({ start: '2026-03-14T00:00:00Z', end: '2026-03-16T00:00:00Z', groupBy: ['USAGE_GROUP_BY_DAY'] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      rows: [
        { group: { day: '2026-03-14' }, requests: '1', inputTokens: '10', outputTokens: '10', cost: '100' },
        { group: { day: '2026-03-15' }, requests: '2', inputTokens: '50', outputTokens: '20', cost: '500' },
      ],
    });
  });
});
