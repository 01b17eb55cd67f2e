// The admin use cases for tenants, keys, providers, model overrides, aliases and route rules,
// in-process against a real Postgres: plain values in, plain values out, domain errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDeps } from '../../src/admin/deps.js';
import { KeyVault } from '../../src/admin/key-vault.js';
import * as models from '../../src/admin/models.js';
import * as providers from '../../src/admin/providers.js';
import * as tenants from '../../src/admin/tenants.js';
import { sha256Hex } from '../../src/config/load.js';
import { findApiKeyByHash } from '../../src/store/repos/api-keys.js';
import { getProvider } from '../../src/store/repos/providers.js';
import { adminHarness, type AdminHarness } from './harness.js';

let h: AdminHarness;
beforeAll(async () => {
  h = await adminHarness();
});
afterAll(async () => {
  await h?.close();
});

const BYOK = 'sk-ant-byok-use-case-0123456789';

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('expected a rejection'),
    (err: Error & { kind: string; reason: string; metadata: Record<string, string>; violations: Array<{ field: string }> }) => err,
  );

function provider(over: Partial<providers.ProviderInput> = {}): providers.ProviderInput {
  return {
    id: 'anthropic-byok',
    kind: 'anthropic',
    baseUrl: null,
    apiKey: undefined,
    apiKeyEnv: null,
    preset: null,
    regions: [],
    local: false,
    disabled: false,
    maxSensitivity: null,
    ...over,
  };
}

describe('tenants and keys', () => {
  it('a key secret is returned once and stored only as its hash', async () => {
    const { apiKey, secret } = await tenants.createApiKey(h.deps, { tenant: 'acme', admin: false, name: 'batch' });
    expect(apiKey).toMatchObject({ tenantId: 'acme', admin: false, name: 'batch', revoked: false });
    expect(secret.startsWith(apiKey.prefix)).toBe(true);
    expect((await findApiKeyByHash(h.pg.db, sha256Hex(secret)))?.id).toBe(apiKey.id);
    const { rows } = await h.pg.db.query('SELECT * FROM api_keys');
    expect(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(secret);

    const listed = await tenants.listApiKeys(h.deps, 'acme', { limit: 10 });
    expect(listed.items.map((k) => k.id)).toContain(apiKey.id);
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect((await tenants.updateApiKey(h.deps, apiKey.id, { revoked: true })).revoked).toBe(true);
  });

  it('tenants page by id; a missing one is NOT_FOUND naming it', async () => {
    for (const id of ['t-1', 't-2', 't-3']) await tenants.createTenant(h.deps, { id, name: id, disabled: false });
    const first = await tenants.listTenants(h.deps, { limit: 2 });
    const second = await tenants.listTenants(h.deps, { limit: 2, after: first.next! });
    expect([...first.items, ...second.items].map((t) => t.id)).toEqual(['acme', 't-1', 't-2', 't-3']);
    const err = await rejection(tenants.updateTenant(h.deps, 'ghost', { name: 'x' }));
    expect(err).toMatchObject({ kind: 'not_found', metadata: { entity: 'tenant', id: 'ghost' } });
  });
});

describe('providers', () => {
  it('encrypts a key with the vault, never returns it, and keeps it on an update that gives none', async () => {
    const created = await providers.createProvider(h.deps, provider({ apiKey: BYOK, regions: ['eu'] }));
    expect(created).toMatchObject({ id: 'anthropic-byok', kind: 'anthropic', hasApiKey: true, regions: ['eu'] });
    expect(created).not.toHaveProperty('apiKeyCiphertext');

    const row = await getProvider(h.pg.db, 'anthropic-byok');
    expect(row?.apiKeyCiphertext).toBeTruthy();
    expect(row?.apiKeyCiphertext).not.toContain(BYOK);
    expect(h.deps.vault.decrypt(row!.apiKeyCiphertext!)?.reveal()).toBe(BYOK);
    // Routable at once: the state reloaded with the decrypted key.
    expect(
      h.state
        .snapshot()
        .providers.find((p) => p.id === 'anthropic-byok')
        ?.apiKey?.reveal(),
    ).toBe(BYOK);

    const updated = await providers.updateProvider(h.deps, provider({ regions: ['us'] }));
    expect(updated).toMatchObject({ hasApiKey: true, regions: ['us'] });
    expect((await getProvider(h.pg.db, 'anthropic-byok'))?.apiKeyCiphertext).toBe(row?.apiKeyCiphertext);
    expect(JSON.stringify(await providers.listProviders(h.deps, {}))).not.toContain(BYOK);
  });

  it('has_api_key for a key named by environment variable follows the server environment', async () => {
    expect((await providers.createProvider(h.deps, provider({ id: 'openai-2', kind: 'openai', apiKeyEnv: 'OPENAI_KEY' }))).hasApiKey).toBe(
      true,
    );
    expect((await providers.createProvider(h.deps, provider({ id: 'openai-3', kind: 'openai', apiKeyEnv: 'NOT_SET' }))).hasApiKey).toBe(
      false,
    );
  });

  it('without SWITCHYARD_SECRET_KEY a key is refused, not stored in clear', async () => {
    const noVault = adminDeps({
      db: h.pg.db,
      state: h.state,
      vault: new KeyVault(undefined),
      auth: { invalidate: () => undefined },
      env: {},
    });
    const err = await rejection(providers.createProvider(noVault, provider({ id: 'clear', apiKey: BYOK })));
    expect(err).toMatchObject({ kind: 'failed_precondition', reason: 'SECRET_KEY_NOT_CONFIGURED' });
    expect(await getProvider(h.pg.db, 'clear')).toBeNull();
  });
});

describe('models, aliases and route rules', () => {
  it('an alias is checked against the catalog, every problem named by its field', async () => {
    const err = await rejection(
      models.createAlias(h.deps, {
        name: 'not ok!',
        strategy: undefined,
        targets: [
          { model: 'nope/unknown', weight: 1 },
          { model: 'openai/gpt-4o', weight: -1 },
        ],
        description: '',
      }),
    );
    expect(err.kind).toBe('invalid_argument');
    expect(err.violations.map((v) => v.field)).toEqual(['alias.name', 'alias.targets[0].model', 'alias.targets[1].weight']);
  });

  it('an alias is stored with weights defaulted and routed on at once', async () => {
    const row = await models.createAlias(h.deps, {
      name: 'fast',
      strategy: 'cheapest',
      targets: [
        { model: 'openai/gpt-4o-mini', weight: 0 },
        { model: 'openai/gpt-4o', weight: 3 },
      ],
      description: 'cheap first',
    });
    expect(row.body).toEqual({
      strategy: 'cheapest',
      targets: [
        { model: 'openai/gpt-4o-mini', weight: 1 },
        { model: 'openai/gpt-4o', weight: 3 },
      ],
      description: 'cheap first',
    });
    expect(h.state.snapshot().aliases.get('fast')).toMatchObject({ strategy: 'cheapest' });
    expect(
      (
        await rejection(
          models.createAlias(h.deps, {
            name: 'fast',
            strategy: undefined,
            targets: [{ model: 'openai/gpt-4o', weight: 1 }],
            description: '',
          }),
        )
      ).kind,
    ).toBe('already_exists');
  });

  it('a model override adds a model; updating one that does not exist is NOT_FOUND', async () => {
    const modelId = 'openai/gpt-use-case';
    expect(h.state.snapshot().catalog.resolve(modelId)).toBeUndefined();
    await models.createModelOverride(h.deps, {
      modelId,
      patch: { contextWindow: 400_000, maxOutputTokens: 32_000 },
      disabled: false,
      quality: 80,
    });
    expect(h.state.snapshot().catalog.resolve(modelId)).toMatchObject({ contextWindow: 400_000 });
    await models.updateModelOverride(h.deps, { modelId, patch: {}, disabled: true, quality: null });
    expect(h.state.snapshot().catalog.resolve(modelId)).toBeUndefined();
    await models.deleteModelOverride(h.deps, modelId);
    const err = await rejection(models.updateModelOverride(h.deps, { modelId, patch: {}, disabled: false, quality: null }));
    expect(err).toMatchObject({ kind: 'not_found', metadata: { entity: 'model_override', id: modelId } });
  });

  it('route rules list by tenant', async () => {
    await models.createRouteRule(h.deps, {
      id: 'acme-sum',
      tenantId: 'acme',
      workerId: '',
      taskType: 'summarize',
      target: 'fast',
      strategy: null,
    });
    await models.createRouteRule(h.deps, {
      id: 'default',
      tenantId: '',
      workerId: '',
      taskType: '',
      target: 'openai/gpt-4o',
      strategy: 'priority',
    });
    expect((await models.listRouteRules(h.deps, {}, 'acme')).items.map((r) => r.id)).toEqual(['acme-sum']);
    expect((await models.listRouteRules(h.deps, {})).items.map((r) => r.id)).toEqual(['acme-sum', 'default']);
    expect(h.state.snapshot().routes.map((r) => r.id)).toEqual(['acme-sum', 'default']);
  });
});
