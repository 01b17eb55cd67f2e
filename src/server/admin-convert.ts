// proto ⇄ domain conversion for AdminService resources (src/admin/ has the use cases).
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  AliasSchema,
  ApiKeySchema,
  ProviderKind,
  ProviderSchema,
  RouteRuleSchema,
  TenantSchema,
  ModelOverrideSchema,
  type Alias as ProtoAlias,
  type ApiKey as ProtoApiKey,
  type ModelOverride as ProtoModelOverride,
  type Provider as ProtoProvider,
  type RouteRule as ProtoRouteRule,
  type Tenant as ProtoTenant,
} from '../../gen/switchyard/v1/admin_pb.js';
import { ModelKind, Sensitivity as ProtoSensitivity, type ModelInfo } from '../../gen/switchyard/v1/common_pb.js';
import { patchFromJson } from '../catalog/overrides.js';
import type { ModelEntry } from '../catalog/types.js';
import type { ProviderKind as DomainProviderKind } from '../config/schema.js';
import { aliasDescription, aliasFromBody, type AliasInput } from '../admin/alias-body.js';
import type { Alias, ModelOverride, RouteRule } from '../admin/models.js';
import type { ProviderView } from '../admin/providers.js';
import type { ApiKey, Tenant } from '../admin/tenants.js';
import { capabilityFromProto, capabilityToProto, modelToProto, sensitivityToProto, strategyFromProto, strategyToProto } from './convert.js';
import type { Sensitivity as DomainSensitivity } from '../routing/types.js';

export const providerKindFromProto = (k: ProviderKind): DomainProviderKind => String(ProviderKind[k]).toLowerCase() as DomainProviderKind;
export const providerKindToProto = (k: string): ProviderKind =>
  ProviderKind[k.toUpperCase() as keyof typeof ProviderKind] ?? ProviderKind.UNSPECIFIED;

export function tenantToProto(t: Tenant): ProtoTenant {
  return create(TenantSchema, { id: t.id, name: t.name, disabled: t.disabled, createdAt: timestampFromDate(t.createdAt) });
}

export function apiKeyToProto(k: ApiKey): ProtoApiKey {
  return create(ApiKeySchema, {
    id: k.id,
    tenant: k.tenantId ?? '',
    admin: k.admin,
    name: k.name,
    prefix: k.prefix,
    revoked: k.revoked,
    createdAt: timestampFromDate(k.createdAt),
  });
}

/** The key itself is write-only: only whether one exists is returned. */
export function providerToProto(p: ProviderView): ProtoProvider {
  return create(ProviderSchema, {
    id: p.id,
    kind: providerKindToProto(p.kind),
    baseUrl: p.baseUrl ?? '',
    apiKeyEnv: p.apiKeyEnv ?? '',
    hasApiKey: p.hasApiKey,
    preset: p.preset ?? '',
    regions: p.regions,
    local: p.local,
    disabled: p.disabled,
    maxSensitivity: p.maxSensitivity ? sensitivityToProto(p.maxSensitivity as DomainSensitivity) : ProtoSensitivity.UNSPECIFIED,
    source: 'admin',
    updatedAt: timestampFromDate(p.updatedAt),
  });
}

export function aliasToProto(a: Alias): ProtoAlias {
  const def = aliasFromBody(a.name, a.body);
  return create(AliasSchema, {
    name: a.name,
    targets: def.targets,
    strategy: strategyToProto(def.strategy),
    description: aliasDescription(a.body),
  });
}

export function aliasFromProto(a: ProtoAlias): AliasInput {
  return {
    name: a.name,
    strategy: strategyFromProto(a.strategy),
    targets: a.targets.map((t) => ({ model: t.model, weight: t.weight })),
    description: a.description,
  };
}

export function routeRuleToProto(r: RouteRule): ProtoRouteRule {
  return create(RouteRuleSchema, {
    id: r.id,
    tenant: r.tenantId,
    workerId: r.workerId,
    taskType: r.taskType,
    target: r.target,
    strategy: r.strategy ? strategyToProto(r.strategy as never) : 0,
  });
}

/** Non-zero fields of the given ModelInfo become the patch (zero means "keep the catalog's"). */
export function overridePatchFromProto(m: ModelInfo | undefined): Partial<ModelEntry> {
  if (!m) return {};
  const patch: Partial<ModelEntry> = {};
  if (m.provider) patch.vendor = m.provider;
  if (m.upstreamModel) patch.upstreamModel = m.upstreamModel;
  if (m.displayName) patch.displayName = m.displayName;
  if (m.kind !== ModelKind.UNSPECIFIED) patch.kind = m.kind === ModelKind.EMBEDDING ? 'embedding' : 'chat';
  if (m.contextWindow > 0n) patch.contextWindow = Number(m.contextWindow);
  if (m.maxOutputTokens > 0n) patch.maxOutputTokens = Number(m.maxOutputTokens);
  if (m.pricing) {
    patch.pricing = {
      input: m.pricing.input,
      output: m.pricing.output,
      cachedInput: m.pricing.cachedInput,
      cacheWriteInput: m.pricing.cacheWriteInput,
      reasoning: m.pricing.reasoning,
      tiers: m.pricing.tiers.map((t) => ({
        aboveInputTokens: Number(t.aboveInputTokens),
        input: t.input,
        output: t.output,
        cachedInput: t.cachedInput,
      })),
    };
  }
  if (m.capabilities.length > 0) patch.capabilities = m.capabilities.map(capabilityFromProto);
  if (m.embeddingDimensions > 0n) patch.embeddingDimensions = Number(m.embeddingDimensions);
  if (m.regions.length > 0) patch.regions = m.regions;
  if (m.local) patch.local = true;
  return patch;
}

export function modelOverrideToProto(o: ModelOverride): ProtoModelOverride {
  const patch = patchFromJson(o.patch);
  return create(ModelOverrideSchema, {
    modelId: o.modelId,
    model: {
      id: o.modelId,
      provider: patch.vendor ?? '',
      upstreamModel: patch.upstreamModel ?? '',
      displayName: patch.displayName ?? '',
      kind: patch.kind === 'embedding' ? ModelKind.EMBEDDING : patch.kind === 'chat' ? ModelKind.CHAT : ModelKind.UNSPECIFIED,
      contextWindow: BigInt(patch.contextWindow ?? 0),
      maxOutputTokens: BigInt(patch.maxOutputTokens ?? 0),
      pricing: patch.pricing
        ? { ...patch.pricing, tiers: patch.pricing.tiers.map((t) => ({ ...t, aboveInputTokens: BigInt(t.aboveInputTokens) })) }
        : undefined,
      capabilities: (patch.capabilities ?? []).map(capabilityToProto),
      embeddingDimensions: BigInt(patch.embeddingDimensions ?? 0),
      regions: patch.regions ?? [],
      local: patch.local ?? false,
      source: 'admin',
    },
    disabled: o.disabled,
    quality: o.quality ?? 0,
  });
}

export { modelToProto };

/** Opaque page tokens over the store's keyset cursors. */
export const pageTokenToAfter = (token: string): string | undefined =>
  token ? Buffer.from(token, 'base64url').toString('utf8') : undefined;
export const afterToPageToken = (next: string | null): string => (next ? Buffer.from(next, 'utf8').toString('base64url') : '');
