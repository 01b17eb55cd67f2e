// AdminService: tenants, API keys, providers (bring-your-own keys), model overrides, aliases
// and route rules, stored in Postgres/PGlite; policies (admin-policies.ts), budgets and usage
// (admin-budgets.ts). Changes that affect routing rebuild this replica's snapshot at once and
// reach the other replicas by NOTIFY.
import { randomBytes } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import * as pb from '../../gen/switchyard/v1/admin_pb.js';
import { ProviderKind, type AdminService } from '../../gen/switchyard/v1/admin_pb.js';
import type { KeyVault } from '../app/key-vault.js';
import type { RuntimeState } from '../app/state.js';
import { patchToJson } from '../catalog/overrides.js';
import { sha256Hex } from '../config/load.js';
import { notify, type Db } from '../store/db.js';
import { CONFIG_CHANNEL } from '../app/state.js';
import { NotFoundError } from '../store/errors.js';
import * as aliases from '../store/repos/aliases.js';
import * as keys from '../store/repos/api-keys.js';
import * as overrides from '../store/repos/model-overrides.js';
import * as providers from '../store/repos/providers.js';
import * as rules from '../store/repos/route-rules.js';
import * as tenants from '../store/repos/tenants.js';
import type { Authenticator } from './auth.js';
import * as c from './admin-convert.js';
import { sensitivityFromProto, strategyFromProto } from './convert.js';
import { Sensitivity } from '../../gen/switchyard/v1/common_pb.js';
import { Violations } from './validate.js';
import { policyHandlers } from './admin-policies.js';
import { budgetHandlers } from './admin-budgets.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface AdminDeps {
  db: Db;
  state: RuntimeState;
  vault: KeyVault;
  auth: Authenticator;
  /** The server's environment (for providers that name their key by `api_key_env`). */
  env?: NodeJS.ProcessEnv;
}

function checkId(v: Violations, field: string, value: string): void {
  if (!ID.test(value)) v.add(field, 'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit');
}

function page(req: { pageSize: number; pageToken: string }) {
  const v = new Violations();
  if (req.pageSize < 0) v.add('page_size', 'must not be negative');
  v.throwIfAny();
  return { limit: Math.min(req.pageSize || 100, 1000), after: c.pageTokenToAfter(req.pageToken) };
}

export function adminService(d: AdminDeps): Partial<ServiceImpl<typeof AdminService>> {
  // This replica at once; every other replica through NOTIFY (app.ts listens).
  const reload = async () => {
    await d.state.reload();
    await notify(d.db, CONFIG_CHANNEL, 'admin');
  };

  const validateProvider = (p: pb.Provider | undefined): pb.Provider => {
    const v = new Violations();
    if (!p) v.add('provider', 'is required');
    else {
      checkId(v, 'provider.id', p.id);
      if (p.kind === ProviderKind.UNSPECIFIED || !ProviderKind[p.kind]) v.add('provider.kind', 'must be set to a known kind');
      if (p.baseUrl && !URL.canParse(p.baseUrl)) v.add('provider.base_url', 'must be an absolute URL');
      if (p.apiKeyEnv && !/^[A-Z_][A-Z0-9_]*$/.test(p.apiKeyEnv)) v.add('provider.api_key_env', 'must be an environment variable name');
      if (!Sensitivity[p.maxSensitivity]) v.add('provider.max_sensitivity', `unknown enum value ${p.maxSensitivity}`);
    }
    v.throwIfAny();
    return p!;
  };
  const providerFields = (p: pb.Provider) => ({
    kind: c.providerKindFromProto(p.kind),
    baseUrl: p.baseUrl || null,
    apiKeyCiphertext: p.apiKey ? d.vault.encrypt(p.apiKey) : undefined,
    apiKeyEnv: p.apiKeyEnv || null,
    preset: p.preset || null,
    regions: p.regions,
    local: p.local,
    disabled: p.disabled,
    maxSensitivity: p.maxSensitivity === Sensitivity.UNSPECIFIED ? null : sensitivityFromProto(p.maxSensitivity),
  });
  const env = d.env ?? process.env;
  const providerOut = (row: providers.Provider) =>
    c.providerToProto(row, Boolean(row.apiKeyCiphertext) || Boolean(row.apiKeyEnv && env[row.apiKeyEnv]));

  const validateAlias = (a: pb.Alias | undefined): pb.Alias => {
    const v = new Violations();
    if (!a) v.add('alias', 'is required');
    else {
      checkId(v, 'alias.name', a.name);
      if (a.targets.length === 0) v.add('alias.targets', 'must name at least one model');
      const catalog = d.state.snapshot().catalog;
      a.targets.forEach((t, i) => {
        if (!catalog.resolve(t.model)) v.add(`alias.targets[${i}].model`, `unknown model "${t.model}"`);
        if (t.weight < 0) v.add(`alias.targets[${i}].weight`, 'must not be negative');
      });
    }
    v.throwIfAny();
    return a!;
  };

  const validateRule = (r: pb.RouteRule | undefined): pb.RouteRule => {
    const v = new Violations();
    if (!r) v.add('route_rule', 'is required');
    else {
      checkId(v, 'route_rule.id', r.id);
      if (!r.target) v.add('route_rule.target', 'must name a model or alias');
    }
    v.throwIfAny();
    return r!;
  };
  const ruleFields = (r: pb.RouteRule) => ({
    tenantId: r.tenant,
    workerId: r.workerId,
    taskType: r.taskType,
    target: r.target,
    strategy: strategyFromProto(r.strategy) ?? null,
  });

  const validateOverride = (o: pb.ModelOverride | undefined): pb.ModelOverride => {
    const v = new Violations();
    if (!o) v.add('model_override', 'is required');
    else {
      if (!/^[^/\s]+\/\S+$/.test(o.modelId)) v.add('model_override.model_id', 'must be "provider/model"');
      if (o.quality < 0 || o.quality > 100) v.add('model_override.quality', 'must be 0..100');
    }
    v.throwIfAny();
    return o!;
  };
  const overrideFields = (o: pb.ModelOverride) => ({
    modelId: o.modelId,
    patch: patchToJson(c.overridePatchFromProto(o.model)),
    disabled: o.disabled,
    quality: o.quality || null,
  });

  return {
    // Policies (admin-policies.ts)
    ...policyHandlers(d),
    // Budgets and usage (admin-budgets.ts)
    ...budgetHandlers(d),

    // Tenants
    async createTenant(req) {
      const v = new Violations();
      checkId(v, 'tenant.id', req.tenant?.id ?? '');
      v.throwIfAny();
      const t = await tenants.createTenant(d.db, { id: req.tenant!.id, name: req.tenant!.name, disabled: req.tenant!.disabled });
      return create(pb.CreateTenantResponseSchema, { tenant: c.tenantToProto(t) });
    },
    async updateTenant(req) {
      const t = await tenants.updateTenant(d.db, req.tenant?.id ?? '', { name: req.tenant?.name, disabled: req.tenant?.disabled });
      d.auth.invalidate();
      return create(pb.UpdateTenantResponseSchema, { tenant: c.tenantToProto(t) });
    },
    async listTenants(req) {
      const p = await tenants.listTenants(d.db, page(req));
      return create(pb.ListTenantsResponseSchema, { tenants: p.items.map(c.tenantToProto), nextPageToken: c.afterToPageToken(p.next) });
    },
    async deleteTenant(req) {
      await tenants.deleteTenant(d.db, req.id);
      d.auth.invalidate();
      return create(pb.DeleteTenantResponseSchema, {});
    },

    // API keys: the secret is generated here, returned once, and stored only as a hash.
    async createApiKey(req) {
      const k = req.apiKey;
      const v = new Violations();
      if (!k) v.add('api_key', 'is required');
      else if (!k.admin && !k.tenant) v.add('api_key.tenant', 'is required for a non-admin key');
      else if (k.admin && k.tenant) v.add('api_key.tenant', 'must be empty for an admin key');
      v.throwIfAny();
      const secret = `sy_${randomBytes(24).toString('base64url')}`;
      const row = await keys.createApiKey(d.db, {
        id: `key_${randomBytes(8).toString('hex')}`,
        tenantId: k!.tenant || null,
        admin: k!.admin,
        name: k!.name,
        keyHash: sha256Hex(secret),
        prefix: secret.slice(0, 10),
      });
      return create(pb.CreateApiKeyResponseSchema, { apiKey: c.apiKeyToProto(row), secret });
    },
    async updateApiKey(req) {
      const row = await keys.updateApiKey(d.db, req.apiKey?.id ?? '', { name: req.apiKey?.name, revoked: req.apiKey?.revoked });
      d.auth.invalidate();
      return create(pb.UpdateApiKeyResponseSchema, { apiKey: c.apiKeyToProto(row) });
    },
    async listApiKeys(req) {
      const p = await keys.listApiKeys(d.db, req.tenant || null, page(req));
      return create(pb.ListApiKeysResponseSchema, { apiKeys: p.items.map(c.apiKeyToProto), nextPageToken: c.afterToPageToken(p.next) });
    },
    async deleteApiKey(req) {
      await keys.deleteApiKey(d.db, req.id);
      d.auth.invalidate();
      return create(pb.DeleteApiKeyResponseSchema, {});
    },

    // Providers
    async createProvider(req) {
      const p = validateProvider(req.provider);
      const row = await providers.createProvider(d.db, { id: p.id, ...providerFields(p) });
      await reload();
      return create(pb.CreateProviderResponseSchema, { provider: providerOut(row) });
    },
    async updateProvider(req) {
      const p = validateProvider(req.provider);
      const row = await providers.updateProvider(d.db, p.id, providerFields(p));
      await reload();
      return create(pb.UpdateProviderResponseSchema, { provider: providerOut(row) });
    },
    async listProviders(req) {
      const p = await providers.listProviders(d.db, page(req));
      return create(pb.ListProvidersResponseSchema, { providers: p.items.map(providerOut), nextPageToken: c.afterToPageToken(p.next) });
    },
    async deleteProvider(req) {
      await providers.deleteProvider(d.db, req.id);
      await reload();
      return create(pb.DeleteProviderResponseSchema, {});
    },

    // Model overrides
    async createModelOverride(req) {
      const row = await overrides.createModelOverride(d.db, overrideFields(validateOverride(req.modelOverride)));
      await reload();
      return create(pb.CreateModelOverrideResponseSchema, { modelOverride: c.modelOverrideToProto(row) });
    },
    async updateModelOverride(req) {
      const o = validateOverride(req.modelOverride);
      if (!(await overrides.getModelOverride(d.db, o.modelId))) throw new NotFoundError('model_override', o.modelId);
      const row = await overrides.putModelOverride(d.db, overrideFields(o));
      await reload();
      return create(pb.UpdateModelOverrideResponseSchema, { modelOverride: c.modelOverrideToProto(row) });
    },
    async listModelOverrides(req) {
      const p = await overrides.listModelOverrides(d.db, page(req));
      const items = req.provider ? p.items.filter((o) => o.modelId.startsWith(`${req.provider}/`)) : p.items;
      return create(pb.ListModelOverridesResponseSchema, {
        modelOverrides: items.map(c.modelOverrideToProto),
        nextPageToken: c.afterToPageToken(p.next),
      });
    },
    async deleteModelOverride(req) {
      await overrides.deleteModelOverride(d.db, req.modelId);
      await reload();
      return create(pb.DeleteModelOverrideResponseSchema, {});
    },

    // Aliases
    async createAlias(req) {
      const a = validateAlias(req.alias);
      const row = await aliases.createAlias(d.db, a.name, c.aliasBodyFromProto(a));
      await reload();
      return create(pb.CreateAliasResponseSchema, { alias: c.aliasToProto(row) });
    },
    async updateAlias(req) {
      const a = validateAlias(req.alias);
      const row = await aliases.putAlias(d.db, a.name, c.aliasBodyFromProto(a));
      await reload();
      return create(pb.UpdateAliasResponseSchema, { alias: c.aliasToProto(row) });
    },
    async listAliases(req) {
      const p = await aliases.listAliases(d.db, page(req));
      return create(pb.ListAliasesResponseSchema, { aliases: p.items.map(c.aliasToProto), nextPageToken: c.afterToPageToken(p.next) });
    },
    async deleteAlias(req) {
      await aliases.deleteAlias(d.db, req.name);
      await reload();
      return create(pb.DeleteAliasResponseSchema, {});
    },

    // Route rules (consumed by the routing engine)
    async createRouteRule(req) {
      const r = validateRule(req.routeRule);
      const row = await rules.createRouteRule(d.db, { id: r.id, ...ruleFields(r) });
      await reload();
      return create(pb.CreateRouteRuleResponseSchema, { routeRule: c.routeRuleToProto(row) });
    },
    async updateRouteRule(req) {
      const r = validateRule(req.routeRule);
      const row = await rules.updateRouteRule(d.db, r.id, ruleFields(r));
      await reload();
      return create(pb.UpdateRouteRuleResponseSchema, { routeRule: c.routeRuleToProto(row) });
    },
    async listRouteRules(req) {
      const p = await rules.listRouteRules(d.db, { ...page(req), tenantId: req.tenant || undefined });
      return create(pb.ListRouteRulesResponseSchema, { routeRules: p.items.map(c.routeRuleToProto), nextPageToken: c.afterToPageToken(p.next) });
    },
    async deleteRouteRule(req) {
      await rules.deleteRouteRule(d.db, req.id);
      await reload();
      return create(pb.DeleteRouteRuleResponseSchema, {});
    },
  };
}
