// publishChange(): every admin mutation, called in-process against a real Postgres, reloads
// this replica where its routing state depends on the change, drops the key cache where keys or
// tenants changed, and sends exactly one notification that another replica receives after the
// change is committed. A call that fails publishes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as budgets from '../../src/admin/budgets.js';
import { adminDeps } from '../../src/admin/deps.js';
import * as models from '../../src/admin/models.js';
import * as policies from '../../src/admin/policy-versions.js';
import * as providers from '../../src/admin/providers.js';
import { CONFIG_CHANNEL } from '../../src/admin/publish.js';
import * as tenants from '../../src/admin/tenants.js';
import { EMPTY_RULES } from '../../src/routing/policy.js';
import { POLICY_CHANNEL } from '../../src/store/repos/policies.js';
import { adminHarness, observeFailure, type AdminHarness, type Notice } from './harness.js';

let h: AdminHarness;
beforeAll(async () => {
  h = await adminHarness();
});
afterAll(async () => {
  await h?.close();
});

const onConfig = (payload: string): Notice[] => [{ channel: CONFIG_CHANNEL, payload }];
const onPolicy = (scope: string, version: number): Notice[] => [
  { channel: POLICY_CHANNEL, payload: JSON.stringify({ scope, version: String(version) }) },
];

const ROUTING = { reloads: 1, invalidations: 0 };
const KEYS = { reloads: 0, invalidations: 1 };
const TENANTS = { reloads: 1, invalidations: 1 };

describe('publishChange', () => {
  it('each mutation: one reload where routing depends on it, key-cache drops for keys and tenants, one notification', async () => {
    const d = h.deps;
    let keyId = '';
    const steps: Array<[string, () => Promise<unknown>, { reloads: number; invalidations: number }, Notice[]]> = [
      ['createTenant', () => tenants.createTenant(d, { id: 'globex', name: 'Globex', disabled: false }), TENANTS, onConfig('tenant')],
      ['updateTenant', () => tenants.updateTenant(d, 'globex', { disabled: true }), TENANTS, onConfig('tenant')],
      [
        'createApiKey',
        async () => (keyId = (await tenants.createApiKey(d, { tenant: 'globex', admin: false, name: 'svc' })).apiKey.id),
        KEYS,
        onConfig('api_key'),
      ],
      ['updateApiKey', () => tenants.updateApiKey(d, keyId, { revoked: true }), KEYS, onConfig('api_key')],
      ['deleteApiKey', () => tenants.deleteApiKey(d, keyId), KEYS, onConfig('api_key')],
      ['createProvider', () => providers.createProvider(d, provider('openai-2')), ROUTING, onConfig('provider')],
      ['updateProvider', () => providers.updateProvider(d, { ...provider('openai-2'), regions: ['eu'] }), ROUTING, onConfig('provider')],
      ['deleteProvider', () => providers.deleteProvider(d, 'openai-2'), ROUTING, onConfig('provider')],
      ['createModelOverride', () => models.createModelOverride(d, override(80)), ROUTING, onConfig('model_override')],
      ['updateModelOverride', () => models.updateModelOverride(d, override(90)), ROUTING, onConfig('model_override')],
      ['deleteModelOverride', () => models.deleteModelOverride(d, 'openai/gpt-4o'), ROUTING, onConfig('model_override')],
      ['createAlias', () => models.createAlias(d, alias('fast')), ROUTING, onConfig('alias')],
      ['updateAlias', () => models.updateAlias(d, { ...alias('fast'), strategy: 'cheapest' }), ROUTING, onConfig('alias')],
      ['deleteAlias', () => models.deleteAlias(d, 'fast'), ROUTING, onConfig('alias')],
      ['createRouteRule', () => models.createRouteRule(d, rule('smart')), ROUTING, onConfig('route_rule')],
      ['updateRouteRule', () => models.updateRouteRule(d, rule('openai/gpt-4o')), ROUTING, onConfig('route_rule')],
      ['deleteRouteRule', () => models.deleteRouteRule(d, 'summaries'), ROUTING, onConfig('route_rule')],
      ['createBudget', () => budgets.createBudget(d, budget(10n)), ROUTING, onConfig('budget')],
      ['updateBudget', () => budgets.updateBudget(d, budget(20n)), ROUTING, onConfig('budget')],
      ['deleteBudget', () => budgets.deleteBudget(d, 'acme-day'), ROUTING, onConfig('budget')],
      // Policy versions are announced by the store, inside the append's transaction.
      [
        'updatePlatformPolicy',
        () => policies.updatePlatformPolicy(d, { ...EMPTY_RULES, deniedProviders: ['ollama'] }),
        ROUTING,
        onPolicy('platform', 1),
      ],
      [
        'updateTenantPolicy',
        () => policies.updateTenantPolicy(d, 'acme', { ...EMPTY_RULES, deniedModels: ['openai/gpt-4o'] }),
        ROUTING,
        onPolicy('tenant:acme', 1),
      ],
      ['deleteTenantPolicy', () => policies.deleteTenantPolicy(d, 'acme'), ROUTING, onPolicy('tenant:acme', 2)],
      ['deleteTenant', () => tenants.deleteTenant(d, 'globex'), TENANTS, onConfig('tenant')],
    ];
    for (const [name, fn, effects, notices] of steps) {
      const seen = await h.observe(fn);
      expect({ name, reloads: seen.reloads, invalidations: seen.invalidations, notices: seen.notices }).toEqual({
        name,
        ...effects,
        notices,
      });
    }
  });

  it('the change is routed on here when the call returns, and committed when the other replica hears of it', async () => {
    const committed: Array<Promise<number>> = [];
    const stop = await h.replica.listen(CONFIG_CHANNEL, (payload) => {
      if (payload === 'alias') {
        committed.push(
          h.replica.query<{ n: number }>(`SELECT count(*)::int AS n FROM aliases WHERE name = 'visible'`).then((r) => r.rows[0]!.n),
        );
      }
    });
    try {
      expect(h.state.snapshot().aliases.has('visible')).toBe(false);
      await h.observe(() => models.createAlias(h.deps, alias('visible')));
      expect(h.state.snapshot().aliases.get('visible')?.targets).toEqual([{ model: 'openai/gpt-4o-mini', weight: 1 }]);
      expect(await Promise.all(committed)).toEqual([1]);
    } finally {
      await stop();
    }
  });

  it('a call that fails publishes nothing', async () => {
    const d = h.deps;
    await policies.updatePlatformPolicy(d, { ...EMPTY_RULES, allowedProviders: ['openai'] });
    const failures: Array<[string, () => Promise<unknown>, string]> = [
      ['duplicate tenant', () => tenants.createTenant(d, { id: 'acme', name: '', disabled: false }), 'already_exists'],
      ['key of a missing tenant', () => tenants.createApiKey(d, { tenant: 'ghost', admin: false, name: 'x' }), 'not_found'],
      ['missing provider', () => providers.deleteProvider(d, 'ghost'), 'not_found'],
      ['override of a model with none', () => models.updateModelOverride(d, { ...override(1), modelId: 'openai/none' }), 'not_found'],
      [
        'alias of an unknown model',
        () => models.createAlias(d, { ...alias('x'), targets: [{ model: 'nope/unknown', weight: 0 }] }),
        'invalid_argument',
      ],
      ['budget of an unknown tenant', () => budgets.createBudget(d, { ...budget(1n), tenant: 'ghost' }), 'invalid_argument'],
      ['config budget', () => budgets.deleteBudget(d, 'config:acme:tenant:month'), 'failed_precondition'],
      [
        'widening tenant policy',
        () => policies.updateTenantPolicy(d, 'acme', { ...EMPTY_RULES, allowedProviders: ['openai', 'anthropic'] }),
        'invalid_argument',
      ],
    ];
    for (const [name, fn, kind] of failures) {
      const f = await observeFailure(h, fn);
      expect({ name, kind: f.error.kind, reloads: f.reloads, invalidations: f.invalidations, notices: f.notices }).toEqual({
        name,
        kind,
        reloads: 0,
        invalidations: 0,
        notices: [],
      });
    }
  });

  it('the other replicas are told even when this replica fails to reload', async () => {
    const failing = adminDeps({
      db: h.pg.db,
      state: { reload: () => Promise.reject(new Error('reload failed')), snapshot: () => h.state.snapshot(), configKeys: [] },
      vault: h.deps.vault,
      auth: { invalidate: () => undefined },
      env: {},
    });
    const f = await observeFailure(h, () => models.createRouteRule(failing, { ...rule('smart'), id: 'told-anyway' }));
    expect(f.error.message).toBe('reload failed');
    expect(f.notices).toEqual(onConfig('route_rule'));
  });
});

function provider(id: string): providers.ProviderInput {
  return {
    id,
    kind: 'openai',
    baseUrl: null,
    apiKey: undefined,
    apiKeyEnv: 'OPENAI_KEY',
    preset: null,
    regions: [],
    local: false,
    disabled: false,
    maxSensitivity: null,
  };
}

function override(quality: number): models.OverrideInput {
  return { modelId: 'openai/gpt-4o', patch: { contextWindow: 64_000 }, disabled: false, quality };
}

function alias(name: string): models.AliasInput {
  return { name, strategy: undefined, targets: [{ model: 'openai/gpt-4o-mini', weight: 0 }], description: '' };
}

function rule(target: string): models.RouteRuleInput {
  return { id: 'summaries', tenantId: 'acme', workerId: '', taskType: 'summarize', target, strategy: null };
}

function budget(limit: bigint): budgets.BudgetInput {
  return { id: 'acme-day', tenant: 'acme', scope: 'tenant', apiKeyId: '', workerId: '', period: 'day', limit };
}
