// End to end of AdminService through the grpc-js client (proto loaded independently):
// tenants, API keys, providers with stored (encrypted) keys, model overrides, aliases and
// route rules, each change visible to routing on this replica at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { sha256Hex } from '../../src/config/load.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import {
  ACME_KEY,
  ADMIN_KEY,
  bearer,
  call,
  callError,
  CONFIG_YAML,
  details,
  grpcClients,
  OPENAI_KEY,
  SECRET_KEY,
  serverEnv,
  userMessage,
  violatedFields,
  type Any,
  type Clients,
} from './fixtures.js';

/** A bring-your-own key stored through the API: it must never be seen again. */
const BYOK = 'sk-ant-byok-e2e-do-not-leak-9f8e7d6c5b4a';

let server: TestServer;
let c: Clients;
/** Every admin response, to check that no secret ever comes back. */
const responses: unknown[] = [];
const createdSecrets: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ yaml: CONFIG_YAML, env: serverEnv({ SWITCHYARD_SECRET_KEY: SECRET_KEY }) });
  c = grpcClients(server.grpcAddress);
});

afterAll(async () => {
  c?.close();
  await server?.stop();
});

async function adm(method: string, req: object = {}): Promise<Any> {
  const res = await call(c.admin, method, req, bearer(ADMIN_KEY));
  responses.push(res);
  return res;
}
const admErr = (method: string, req: object) => callError(c.admin, method, req, bearer(ADMIN_KEY));
const route = (req: object, key = ACME_KEY) => call(c.router, 'Route', { messages: [userMessage('hi')], ...req }, bearer(key));
const routeErr = (req: object) => callError(c.router, 'Route', { messages: [userMessage('hi')], ...req }, bearer(ACME_KEY));

/** Walks a paged AdminService listing. */
async function listAll(method: string, field: string, req: object = {}, pageSize = 2): Promise<Any[]> {
  const out: Any[] = [];
  let token = '';
  do {
    const res = await adm(method, { ...req, page_size: pageSize, page_token: token });
    expect(res[field].length).toBeLessThanOrEqual(pageSize);
    out.push(...res[field]);
    token = res.next_page_token;
  } while (token);
  return out;
}

describe('tenants', () => {
  it('create, duplicate, list in pages, update, delete', async () => {
    const created = await adm('CreateTenant', { tenant: { id: 'globex', name: 'Globex' } });
    expect(created.tenant).toMatchObject({ id: 'globex', name: 'Globex', disabled: false });
    expect(Number(created.tenant.created_at.seconds)).toBeGreaterThan(0);

    const dup = await admErr('CreateTenant', { tenant: { id: 'globex' } });
    expect(dup.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(details(dup).errorInfo?.metadata).toMatchObject({ entity: 'tenant', id: 'globex' });

    const bad = await admErr('CreateTenant', { tenant: { id: 'not ok!' } });
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(bad)).toEqual(['tenant.id']);

    for (const id of ['t-1', 't-2', 't-3', 't-4']) await adm('CreateTenant', { tenant: { id } });
    const ids = (await listAll('ListTenants', 'tenants')).map((t) => t.id);
    expect(ids).toEqual(['acme', 'globex', 't-1', 't-2', 't-3', 't-4']);

    const updated = await adm('UpdateTenant', { tenant: { id: 'globex', name: 'Globex Corp', disabled: true } });
    expect(updated.tenant).toMatchObject({ name: 'Globex Corp', disabled: true });

    await adm('DeleteTenant', { id: 't-4' });
    expect((await admErr('DeleteTenant', { id: 't-4' })).code).toBe(grpc.status.NOT_FOUND);
    expect((await admErr('UpdateTenant', { tenant: { id: 't-4', name: 'x' } })).code).toBe(grpc.status.NOT_FOUND);
  });

  it("a disabled tenant's keys are refused", async () => {
    await adm('CreateTenant', { tenant: { id: 'initech' } });
    const key = await adm('CreateApiKey', { api_key: { tenant: 'initech', name: 'svc' } });
    createdSecrets.push(key.secret);
    expect((await route({ model: 'smart' }, key.secret)).candidates.length).toBeGreaterThan(0);
    await adm('UpdateTenant', { tenant: { id: 'initech', disabled: true } });
    const err = await callError(c.router, 'Route', { model: 'smart' }, bearer(key.secret));
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
  });
});

describe('API keys', () => {
  it('returns the secret once; listings show neither secret nor hash; revoke and delete', async () => {
    const created = await adm('CreateApiKey', { api_key: { tenant: 'acme', name: 'batch' } });
    const secret: string = created.secret;
    createdSecrets.push(secret);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(created.api_key).toMatchObject({ tenant: 'acme', name: 'batch', admin: false, revoked: false });
    expect(secret.startsWith(created.api_key.prefix)).toBe(true);
    expect(created.api_key.prefix.length).toBeLessThan(secret.length / 2);

    const listed = await listAll('ListApiKeys', 'api_keys', { tenant: 'acme' }, 100);
    const mine = listed.find((k) => k.id === created.api_key.id);
    expect(mine).toMatchObject({ name: 'batch', prefix: created.api_key.prefix });
    const text = JSON.stringify(listed);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(sha256Hex(secret));

    expect((await route({ model: 'smart' }, secret)).candidates.length).toBeGreaterThan(0);
    const revoked = await adm('UpdateApiKey', { api_key: { id: created.api_key.id, name: 'batch', revoked: true } });
    expect(revoked.api_key.revoked).toBe(true);
    expect((await callError(c.router, 'Route', { model: 'smart' }, bearer(secret))).code).toBe(grpc.status.UNAUTHENTICATED);

    await adm('DeleteApiKey', { id: created.api_key.id });
    expect((await admErr('DeleteApiKey', { id: created.api_key.id })).code).toBe(grpc.status.NOT_FOUND);
  });

  it('an admin key created through the API administers; a tenant key is required otherwise', async () => {
    const created = await adm('CreateApiKey', { api_key: { admin: true, name: 'ops' } });
    createdSecrets.push(created.secret);
    const res = await call(c.admin, 'ListTenants', {}, bearer(created.secret));
    expect(res.tenants.length).toBeGreaterThan(0);
    const bad = await admErr('CreateApiKey', { api_key: { name: 'orphan' } });
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(bad)).toEqual(['api_key.tenant']);
    const missingTenant = await admErr('CreateApiKey', { api_key: { tenant: 'no-such-tenant' } });
    expect(missingTenant.code).toBe(grpc.status.NOT_FOUND);
  });
});

describe('providers', () => {
  it('stores a key encrypted, never returns it, and routes to the provider at once', async () => {
    // Before: anthropic has no credentials, so nothing qualifies.
    expect((await routeErr({ model: 'anthropic/claude-sonnet-4-5' })).code).toBe(grpc.status.FAILED_PRECONDITION);

    const created = await adm('CreateProvider', {
      provider: { id: 'anthropic-byok', kind: 'PROVIDER_KIND_ANTHROPIC', api_key: BYOK, regions: ['eu'] },
    });
    expect(created.provider).toMatchObject({
      id: 'anthropic-byok',
      kind: 'PROVIDER_KIND_ANTHROPIC',
      has_api_key: true,
      api_key: '',
      source: 'admin',
    });

    const res = await route({ model: 'anthropic/claude-sonnet-4-5' });
    expect(res.candidates.map((x: Any) => x.provider)).toEqual(['anthropic-byok']);
    expect(res.excluded).toEqual([expect.objectContaining({ provider: 'anthropic', reason: 'EXCLUSION_REASON_NO_CREDENTIALS' })]);

    // An update without api_key keeps the stored key (it is write-only).
    const updated = await adm('UpdateProvider', { provider: { id: 'anthropic-byok', kind: 'PROVIDER_KIND_ANTHROPIC', regions: ['us'] } });
    expect(updated.provider).toMatchObject({ has_api_key: true, regions: ['us'] });

    const listed = await listAll('ListProviders', 'providers');
    expect(listed.find((p) => p.id === 'anthropic-byok')).toMatchObject({ has_api_key: true, api_key: '' });

    const { rows } = await server.pg.db.query('SELECT * FROM providers');
    expect(JSON.stringify(rows)).not.toContain(BYOK);
    expect(JSON.stringify(rows)).toContain('anthropic-byok');
  });

  it('a provider keyed by environment variable reports has_api_key from the server env', async () => {
    const created = await adm('CreateProvider', { provider: { id: 'openai-2', kind: 'PROVIDER_KIND_OPENAI', api_key_env: 'OPENAI_KEY' } });
    expect(created.provider).toMatchObject({ has_api_key: true, api_key_env: 'OPENAI_KEY' });
    const res = await route({ model: 'openai/gpt-4o' });
    expect(res.candidates.map((x: Any) => x.provider)).toEqual(['openai', 'openai-2']);

    const missing = await adm('CreateProvider', { provider: { id: 'openai-3', kind: 'PROVIDER_KIND_OPENAI', api_key_env: 'NOT_SET_KEY' } });
    expect(missing.provider.has_api_key).toBe(false);
    await adm('DeleteProvider', { id: 'openai-3' });
  });

  it('clears an admin-created provider for restricted data with max_sensitivity', async () => {
    const restricted = { model: 'anthropic/claude-sonnet-4-5', context: { sensitivity: 'SENSITIVITY_RESTRICTED' } };
    const created = await adm('CreateProvider', { provider: { id: 'anthropic-vault', kind: 'PROVIDER_KIND_ANTHROPIC', api_key: BYOK } });
    expect(created.provider.max_sensitivity).toBe('SENSITIVITY_UNSPECIFIED');
    // The default clearance (confidential): restricted data stays off every remote endpoint.
    const refused = await routeErr(restricted);
    expect(refused.code).toBe(grpc.status.FAILED_PRECONDITION);

    const updated = await adm('UpdateProvider', {
      provider: { id: 'anthropic-vault', kind: 'PROVIDER_KIND_ANTHROPIC', max_sensitivity: 'SENSITIVITY_RESTRICTED' },
    });
    expect(updated.provider).toMatchObject({ max_sensitivity: 'SENSITIVITY_RESTRICTED', has_api_key: true });
    const res = await route(restricted);
    expect(res.candidates.map((x: Any) => x.provider)).toEqual(['anthropic-vault']);
    expect(res.excluded.filter((x: Any) => x.provider !== 'anthropic-vault').map((x: Any) => x.reason)).toContain(
      'EXCLUSION_REASON_SENSITIVITY',
    );
    const listed = await listAll('ListProviders', 'providers');
    expect(listed.find((p) => p.id === 'anthropic-vault')).toMatchObject({ max_sensitivity: 'SENSITIVITY_RESTRICTED' });

    const bad = await admErr('UpdateProvider', {
      provider: { id: 'anthropic-vault', kind: 'PROVIDER_KIND_ANTHROPIC', max_sensitivity: 42 },
    });
    expect(violatedFields(bad)).toEqual(['provider.max_sensitivity']);
    await adm('DeleteProvider', { id: 'anthropic-vault' });
  });

  it('validates, refuses duplicates, and deletes', async () => {
    const bad = await admErr('CreateProvider', { provider: { id: 'x', kind: 'PROVIDER_KIND_UNSPECIFIED', base_url: 'not a url' } });
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(bad).sort()).toEqual(['provider.base_url', 'provider.kind']);
    const dup = await admErr('CreateProvider', { provider: { id: 'openai-2', kind: 'PROVIDER_KIND_OPENAI' } });
    expect(dup.code).toBe(grpc.status.ALREADY_EXISTS);

    await adm('DeleteProvider', { id: 'openai-2' });
    expect((await route({ model: 'openai/gpt-4o' })).candidates.map((x: Any) => x.provider)).toEqual(['openai']);
    expect((await admErr('DeleteProvider', { id: 'openai-2' })).code).toBe(grpc.status.NOT_FOUND);
  });
});

describe('model overrides', () => {
  const model = 'openai/gpt-e2e-preview';
  const meta = (m: string) => call(c.router, 'ModelMetadata', { model: m }, bearer(ACME_KEY));

  it('adds a model that metadata, listing and routing see; disabling hides it', async () => {
    expect((await routeErr({ model })).code).toBe(grpc.status.NOT_FOUND);
    const created = await adm('CreateModelOverride', {
      model_override: {
        model_id: model,
        model: {
          context_window: '400000',
          max_output_tokens: '32000',
          pricing: { input: '1000000', output: '8000000' },
          capabilities: ['CAPABILITY_TOOLS', 'CAPABILITY_VISION'],
        },
        quality: 80,
      },
    });
    expect(created.model_override).toMatchObject({ model_id: model, disabled: false, quality: 80 });

    const m = (await meta(model)).model;
    expect(m).toMatchObject({
      id: model,
      provider: 'openai',
      context_window: '400000',
      source: 'admin',
      upstream_model: 'gpt-e2e-preview',
    });
    expect(m.pricing).toMatchObject({ input: '1000000', output: '8000000' });

    const res = await route({ model, max_output_tokens: '1000' });
    expect(res.candidates[0]).toMatchObject({ provider: 'openai', model });
    // 1000 output tokens at 8e6 pico-USD each, plus the input.
    expect(BigInt(res.estimate.max_cost)).toBeGreaterThan(8_000_000_000n);
    expect(BigInt(res.estimate.max_cost) - BigInt(res.estimate.input_cost)).toBe(8_000_000_000n);

    const listed = await call(c.router, 'ListModels', { query: 'gpt-e2e', page_size: 10 }, bearer(ACME_KEY));
    expect(listed.models.map((x: Any) => x.id)).toEqual([model]);
    const overrides = await listAll('ListModelOverrides', 'model_overrides', { provider: 'openai' });
    expect(overrides.map((o) => o.model_id)).toContain(model);

    await adm('UpdateModelOverride', { model_override: { model_id: model, model: created.model_override.model, disabled: true } });
    expect((await callError(c.router, 'ModelMetadata', { model }, bearer(ACME_KEY))).code).toBe(grpc.status.NOT_FOUND);
    expect((await routeErr({ model })).code).toBe(grpc.status.NOT_FOUND);
    const hidden = await call(c.router, 'ListModels', { query: 'gpt-e2e' }, bearer(ACME_KEY));
    expect(hidden.models).toEqual([]);

    await adm('DeleteModelOverride', { model_id: model });
    expect((await admErr('DeleteModelOverride', { model_id: model })).code).toBe(grpc.status.NOT_FOUND);
    expect((await admErr('UpdateModelOverride', { model_override: { model_id: model } })).code).toBe(grpc.status.NOT_FOUND);
  });

  it('patches a catalog model and hides one', async () => {
    await adm('CreateModelOverride', { model_override: { model_id: 'openai/gpt-4o', model: { context_window: '64000' } } });
    const m = (await meta('openai/gpt-4o')).model;
    expect(m.context_window).toBe('64000');
    expect(BigInt(m.pricing.input)).toBeGreaterThan(0n); // untouched fields keep the catalog's

    // Hiding the config file's model: gone from routing, metadata and aliases, until deleted.
    const local = 'local-llm/llama3-8b';
    await adm('CreateModelOverride', { model_override: { model_id: local, disabled: true } });
    expect((await routeErr({ model: local })).code).toBe(grpc.status.NOT_FOUND);
    expect((await callError(c.router, 'ModelMetadata', { model: local }, bearer(ACME_KEY))).code).toBe(grpc.status.NOT_FOUND);
    expect((await route({ model: 'thrifty' })).candidates.map((x: Any) => x.model)).not.toContain(local);
    await adm('DeleteModelOverride', { model_id: local });
    expect((await route({ model: local })).candidates[0].model).toBe(local);
    await adm('DeleteModelOverride', { model_id: 'openai/gpt-4o' });
    expect((await meta('openai/gpt-4o')).model.context_window).toBe('128000');
  });
});

describe('aliases', () => {
  it('validates targets, routes by a new alias, updates it, and deletes it', async () => {
    const bad = await admErr('CreateAlias', { alias: { name: 'e2e-fast', targets: [{ model: 'nope/unknown' }] } });
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(bad)).toEqual(['alias.targets[0].model']);
    expect(bad.details).toContain('alias.targets[0].model');

    const created = await adm('CreateAlias', {
      alias: {
        name: 'e2e-fast',
        targets: [{ model: 'openai/gpt-4o-mini' }, { model: 'local-llm/llama3-8b', weight: 3 }],
        strategy: 'STRATEGY_CHEAPEST',
        description: 'cheap first',
      },
    });
    expect(created.alias).toMatchObject({ name: 'e2e-fast', strategy: 'STRATEGY_CHEAPEST', description: 'cheap first' });
    expect(created.alias.targets).toEqual([
      { model: 'openai/gpt-4o-mini', weight: 1 },
      { model: 'local-llm/llama3-8b', weight: 3 },
    ]);
    expect((await admErr('CreateAlias', { alias: created.alias })).code).toBe(grpc.status.ALREADY_EXISTS);

    const res = await route({ model: 'e2e-fast' });
    expect(res.resolved).toBe('e2e-fast');
    expect(res.candidates.map((x: Any) => x.model)).toEqual(['local-llm/llama3-8b', 'openai/gpt-4o-mini']);

    await adm('UpdateAlias', { alias: { ...created.alias, strategy: 'STRATEGY_PRIORITY' } });
    const after = await route({ model: 'e2e-fast' });
    expect(after.candidates.map((x: Any) => x.model)).toEqual(['openai/gpt-4o-mini', 'local-llm/llama3-8b']);
    expect((await listAll('ListAliases', 'aliases')).map((a) => a.name)).toContain('e2e-fast');

    await adm('DeleteAlias', { name: 'e2e-fast' });
    expect((await routeErr({ model: 'e2e-fast' })).code).toBe(grpc.status.NOT_FOUND);
    expect((await admErr('DeleteAlias', { name: 'e2e-fast' })).code).toBe(grpc.status.NOT_FOUND);
  });
});

describe('route rules', () => {
  it('create, duplicate, list by tenant, update, delete', async () => {
    const rule = { id: 'acme-summaries', tenant: 'acme', task_type: 'summarize', target: 'thrifty', strategy: 'STRATEGY_CHEAPEST' };
    const created = await adm('CreateRouteRule', { route_rule: rule });
    expect(created.route_rule).toMatchObject({ ...rule, worker_id: '' });
    expect((await admErr('CreateRouteRule', { route_rule: rule })).code).toBe(grpc.status.ALREADY_EXISTS);
    await adm('CreateRouteRule', { route_rule: { id: 'any-default', target: 'smart' } });

    const bad = await admErr('CreateRouteRule', { route_rule: { id: 'empty' } });
    expect(violatedFields(bad)).toEqual(['route_rule.target']);

    expect((await listAll('ListRouteRules', 'route_rules', { tenant: 'acme' })).map((r) => r.id)).toEqual(['acme-summaries']);
    expect((await listAll('ListRouteRules', 'route_rules', {}, 1)).map((r) => r.id)).toEqual(['acme-summaries', 'any-default']);

    const updated = await adm('UpdateRouteRule', { route_rule: { ...rule, target: 'smart', strategy: 'STRATEGY_UNSPECIFIED' } });
    expect(updated.route_rule).toMatchObject({ target: 'smart', strategy: 'STRATEGY_UNSPECIFIED' });

    await adm('DeleteRouteRule', { id: 'acme-summaries' });
    expect((await admErr('DeleteRouteRule', { id: 'acme-summaries' })).code).toBe(grpc.status.NOT_FOUND);
    expect((await admErr('UpdateRouteRule', { route_rule: rule })).code).toBe(grpc.status.NOT_FOUND);
  });
});

describe('secrets', () => {
  it('no secret appears in any response or log line', () => {
    const sent = JSON.stringify(responses);
    expect(sent).not.toContain(BYOK);
    expect(sent).not.toContain(SECRET_KEY);
    expect(sent).not.toContain(OPENAI_KEY);
    expect(sent).not.toContain(ADMIN_KEY);

    const logs = server.logs.join('\n');
    expect(server.logs.length).toBeGreaterThan(0);
    for (const secret of [BYOK, SECRET_KEY, OPENAI_KEY, ADMIN_KEY, ACME_KEY, ...createdSecrets]) {
      expect(logs).not.toContain(secret);
    }
    expect(createdSecrets.length).toBeGreaterThanOrEqual(3);
  });
});
