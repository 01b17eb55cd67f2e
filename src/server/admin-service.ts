// AdminService over both ports: tenants, API keys, providers (bring-your-own keys), model
// overrides, aliases and route rules here; policies (admin-policies.ts), budgets and usage
// (admin-budgets.ts). Each handler checks the request's shape, converts it, calls the admin
// use case (src/admin/) and converts the answer back; the use cases make each change visible
// (this replica at once, the others by NOTIFY).
import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import * as pb from '../../gen/switchyard/v1/admin_pb.js';
import { ProviderKind, type AdminService } from '../../gen/switchyard/v1/admin_pb.js';
import { Sensitivity } from '../../gen/switchyard/v1/common_pb.js';
import type { AdminDeps } from '../admin/deps.js';
import * as models from '../admin/models.js';
import * as providers from '../admin/providers.js';
import * as tenants from '../admin/tenants.js';
import { ID_PATTERN, ID_RULE } from '../admin/validate.js';
import * as c from './admin-convert.js';
import { budgetHandlers } from './admin-budgets.js';
import { rateLimitHandlers } from './admin-rate-limits.js';
import { policyHandlers } from './admin-policies.js';
import { sensitivityFromProto, strategyFromProto } from './convert.js';
import { Violations } from './validate.js';

function checkId(v: Violations, field: string, value: string): void {
  if (!ID_PATTERN.test(value)) v.add(field, ID_RULE);
}

function page(req: { pageSize: number; pageToken: string }) {
  const v = new Violations();
  if (req.pageSize < 0) v.add('page_size', 'must not be negative');
  v.throwIfAny();
  return { limit: Math.min(req.pageSize || 100, 1000), after: c.pageTokenToAfter(req.pageToken) };
}

/** A message field the request must carry: INVALID_ARGUMENT naming it when absent. */
function required<T>(value: T | undefined, field: string): T {
  const v = new Violations();
  if (!value) v.add(field, 'is required');
  v.throwIfAny();
  return value!;
}

function validProvider(p: pb.Provider | undefined): providers.ProviderInput {
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
  return {
    id: p!.id,
    kind: c.providerKindFromProto(p!.kind),
    baseUrl: p!.baseUrl || null,
    apiKey: p!.apiKey || undefined,
    apiKeyEnv: p!.apiKeyEnv || null,
    preset: p!.preset || null,
    regions: p!.regions,
    local: p!.local,
    disabled: p!.disabled,
    maxSensitivity: p!.maxSensitivity === Sensitivity.UNSPECIFIED ? null : sensitivityFromProto(p!.maxSensitivity),
  };
}

function validRule(r: pb.RouteRule | undefined): models.RouteRuleInput {
  const v = new Violations();
  if (!r) v.add('route_rule', 'is required');
  else {
    checkId(v, 'route_rule.id', r.id);
    if (!r.target) v.add('route_rule.target', 'must name a model or alias');
  }
  v.throwIfAny();
  return {
    id: r!.id,
    tenantId: r!.tenant,
    workerId: r!.workerId,
    taskType: r!.taskType,
    target: r!.target,
    strategy: strategyFromProto(r!.strategy) ?? null,
  };
}

function validOverride(o: pb.ModelOverride | undefined): models.OverrideInput {
  const v = new Violations();
  if (!o) v.add('model_override', 'is required');
  else {
    if (!/^[^/\s]+\/\S+$/.test(o.modelId)) v.add('model_override.model_id', 'must be "provider/model"');
    if (o.quality < 0 || o.quality > 100) v.add('model_override.quality', 'must be 0..100');
  }
  v.throwIfAny();
  return { modelId: o!.modelId, patch: c.overridePatchFromProto(o!.model), disabled: o!.disabled, quality: o!.quality || null };
}

export function adminService(d: AdminDeps): Partial<ServiceImpl<typeof AdminService>> {
  return {
    // Policies (admin-policies.ts)
    ...policyHandlers(d),
    // Budgets and usage (admin-budgets.ts)
    ...budgetHandlers(d),
    ...rateLimitHandlers(d),

    // Tenants
    async createTenant(req) {
      const v = new Violations();
      checkId(v, 'tenant.id', req.tenant?.id ?? '');
      v.throwIfAny();
      const t = await tenants.createTenant(d, { id: req.tenant!.id, name: req.tenant!.name, disabled: req.tenant!.disabled });
      return create(pb.CreateTenantResponseSchema, { tenant: c.tenantToProto(t) });
    },
    async updateTenant(req) {
      const t = await tenants.updateTenant(d, req.tenant?.id ?? '', { name: req.tenant?.name, disabled: req.tenant?.disabled });
      return create(pb.UpdateTenantResponseSchema, { tenant: c.tenantToProto(t) });
    },
    async listTenants(req) {
      const p = await tenants.listTenants(d, page(req));
      return create(pb.ListTenantsResponseSchema, { tenants: p.items.map(c.tenantToProto), nextPageToken: c.afterToPageToken(p.next) });
    },
    async deleteTenant(req) {
      await tenants.deleteTenant(d, req.id);
      return create(pb.DeleteTenantResponseSchema, {});
    },

    // API keys: the secret is in the CreateApiKey answer and nowhere else.
    async createApiKey(req) {
      const k = req.apiKey;
      const v = new Violations();
      if (!k) v.add('api_key', 'is required');
      else if (!k.admin && !k.tenant) v.add('api_key.tenant', 'is required for a non-admin key');
      else if (k.admin && k.tenant) v.add('api_key.tenant', 'must be empty for an admin key');
      v.throwIfAny();
      const { apiKey, secret } = await tenants.createApiKey(d, { tenant: k!.tenant || null, admin: k!.admin, name: k!.name });
      return create(pb.CreateApiKeyResponseSchema, { apiKey: c.apiKeyToProto(apiKey), secret });
    },
    async updateApiKey(req) {
      const row = await tenants.updateApiKey(d, req.apiKey?.id ?? '', { name: req.apiKey?.name, revoked: req.apiKey?.revoked });
      return create(pb.UpdateApiKeyResponseSchema, { apiKey: c.apiKeyToProto(row) });
    },
    async listApiKeys(req) {
      const p = await tenants.listApiKeys(d, req.tenant || null, page(req));
      return create(pb.ListApiKeysResponseSchema, { apiKeys: p.items.map(c.apiKeyToProto), nextPageToken: c.afterToPageToken(p.next) });
    },
    async deleteApiKey(req) {
      await tenants.deleteApiKey(d, req.id);
      return create(pb.DeleteApiKeyResponseSchema, {});
    },

    // Providers
    async createProvider(req) {
      const row = await providers.createProvider(d, validProvider(req.provider));
      return create(pb.CreateProviderResponseSchema, { provider: c.providerToProto(row) });
    },
    async updateProvider(req) {
      const row = await providers.updateProvider(d, validProvider(req.provider));
      return create(pb.UpdateProviderResponseSchema, { provider: c.providerToProto(row) });
    },
    async listProviders(req) {
      const p = await providers.listProviders(d, page(req));
      return create(pb.ListProvidersResponseSchema, {
        providers: p.items.map(c.providerToProto),
        nextPageToken: c.afterToPageToken(p.next),
      });
    },
    async deleteProvider(req) {
      await providers.deleteProvider(d, req.id);
      return create(pb.DeleteProviderResponseSchema, {});
    },

    // Model overrides
    async createModelOverride(req) {
      const row = await models.createModelOverride(d, validOverride(req.modelOverride));
      return create(pb.CreateModelOverrideResponseSchema, { modelOverride: c.modelOverrideToProto(row) });
    },
    async updateModelOverride(req) {
      const row = await models.updateModelOverride(d, validOverride(req.modelOverride));
      return create(pb.UpdateModelOverrideResponseSchema, { modelOverride: c.modelOverrideToProto(row) });
    },
    async listModelOverrides(req) {
      const p = await models.listModelOverrides(d, page(req), req.provider || undefined);
      return create(pb.ListModelOverridesResponseSchema, {
        modelOverrides: p.items.map(c.modelOverrideToProto),
        nextPageToken: c.afterToPageToken(p.next),
      });
    },
    async deleteModelOverride(req) {
      await models.deleteModelOverride(d, req.modelId);
      return create(pb.DeleteModelOverrideResponseSchema, {});
    },

    // Aliases (the use case checks the targets against the catalog)
    async createAlias(req) {
      const row = await models.createAlias(d, c.aliasFromProto(required(req.alias, 'alias')));
      return create(pb.CreateAliasResponseSchema, { alias: c.aliasToProto(row) });
    },
    async updateAlias(req) {
      const row = await models.updateAlias(d, c.aliasFromProto(required(req.alias, 'alias')));
      return create(pb.UpdateAliasResponseSchema, { alias: c.aliasToProto(row) });
    },
    async listAliases(req) {
      const p = await models.listAliases(d, page(req));
      return create(pb.ListAliasesResponseSchema, { aliases: p.items.map(c.aliasToProto), nextPageToken: c.afterToPageToken(p.next) });
    },
    async deleteAlias(req) {
      await models.deleteAlias(d, req.name);
      return create(pb.DeleteAliasResponseSchema, {});
    },

    // Route rules (consumed by the routing engine)
    async createRouteRule(req) {
      const row = await models.createRouteRule(d, validRule(req.routeRule));
      return create(pb.CreateRouteRuleResponseSchema, { routeRule: c.routeRuleToProto(row) });
    },
    async updateRouteRule(req) {
      const row = await models.updateRouteRule(d, validRule(req.routeRule));
      return create(pb.UpdateRouteRuleResponseSchema, { routeRule: c.routeRuleToProto(row) });
    },
    async listRouteRules(req) {
      const p = await models.listRouteRules(d, page(req), req.tenant || undefined);
      return create(pb.ListRouteRulesResponseSchema, {
        routeRules: p.items.map(c.routeRuleToProto),
        nextPageToken: c.afterToPageToken(p.next),
      });
    },
    async deleteRouteRule(req) {
      await models.deleteRouteRule(d, req.id);
      return create(pb.DeleteRouteRuleResponseSchema, {});
    },
  };
}
