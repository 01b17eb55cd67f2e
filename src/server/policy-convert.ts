// proto ⇄ domain for policies (admin).
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { PolicySchema, UnsupportedParameterPolicy, type Policy as ProtoPolicy } from '../../gen/switchyard/v1/admin_pb.js';
import { Sensitivity } from '../../gen/switchyard/v1/common_pb.js';
import type { PolicyRules } from '../routing/policy.js';
import { rulesFromBody } from '../admin/policies.js';
import type { Policy as StoredPolicy } from '../store/repos/policies.js';
import { sensitivityFromProto } from './convert.js';
import { ALWAYS_OWNED_KEYS, canonicalKey } from '../providers/options.js';
import type { Violations } from './validate.js';

const MAX_PRICE = 9_000_000_000_000_000_000n;
const MAX_OUTPUT = 10_000_000n;

/** Checks a Policy message, naming fields under `prefix` (e.g. "policy.allowed_models[2]"). */
export function checkPolicyMessage(v: Violations, p: ProtoPolicy | undefined, prefix = 'policy'): void {
  if (!p) return v.add(prefix, 'is required');
  const ids = (rule: string, list: string[], pattern: boolean) =>
    list.forEach((s, i) => {
      if (s.trim() === '' || s.length > 256) v.add(`${prefix}.${rule}[${i}]`, 'must be 1-256 characters');
      else if (pattern && s.indexOf('*') !== -1 && s.indexOf('*') !== s.length - 1) {
        v.add(`${prefix}.${rule}[${i}]`, 'may contain "*" only at the end (a prefix match)');
      }
    });
  ids('allowed_providers', p.allowedProviders, false);
  ids('denied_providers', p.deniedProviders, false);
  ids('allowed_models', p.allowedModels, true);
  ids('denied_models', p.deniedModels, true);
  ids('allowed_regions', p.allowedRegions, false);
  if (p.maxPricePerMillionTokens < 0n || p.maxPricePerMillionTokens > MAX_PRICE) {
    v.add(`${prefix}.max_price_per_million_tokens`, `must be 0..${MAX_PRICE} pico-USD per token`);
  }
  if (p.maxOutputTokens < 0n || p.maxOutputTokens > MAX_OUTPUT) v.add(`${prefix}.max_output_tokens`, `must be 0..${MAX_OUTPUT}`);
  if (!UnsupportedParameterPolicy[p.unsupportedParameters]) v.add(`${prefix}.unsupported_parameters`, 'unknown value');
  if (!Sensitivity[p.maxRemoteSensitivity]) v.add(`${prefix}.max_remote_sensitivity`, 'unknown value');
  for (const [provider, entry] of Object.entries(p.allowedProviderOptions)) {
    const field = `${prefix}.allowed_provider_options.${provider}`;
    if (provider.trim() === '' || provider.length > 256) v.add(field, 'provider id must be 1-256 characters');
    entry.keys.forEach((key, i) => {
      if (key.trim() === '' || key.length > 256) v.add(`${field}[${i}]`, 'must be 1-256 characters');
      else if (ALWAYS_OWNED_KEYS.has(canonicalKey(key)))
        v.add(`${field}[${i}]`, `"${key}" is owned by Switchyard and can never be allowed`);
    });
  }
}

export function rulesFromProto(p: ProtoPolicy): PolicyRules {
  const unsupported =
    p.unsupportedParameters === UnsupportedParameterPolicy.UNSPECIFIED
      ? undefined
      : (UnsupportedParameterPolicy[p.unsupportedParameters]!.toLowerCase() as PolicyRules['unsupportedParameters']);
  const sensitivity = p.maxRemoteSensitivity === Sensitivity.UNSPECIFIED ? undefined : sensitivityFromProto(p.maxRemoteSensitivity);
  const uniq = (l: string[]) => [...new Set(l.map((s) => s.trim()))];
  return {
    allowedProviders: uniq(p.allowedProviders),
    deniedProviders: uniq(p.deniedProviders),
    allowedModels: uniq(p.allowedModels),
    deniedModels: uniq(p.deniedModels),
    allowedRegions: uniq(p.allowedRegions),
    maxPricePerMillionTokens: p.maxPricePerMillionTokens,
    maxOutputTokens: Number(p.maxOutputTokens),
    ...(unsupported ? { unsupportedParameters: unsupported } : {}),
    ...(sensitivity ? { maxRemoteSensitivity: sensitivity as PolicyRules['maxRemoteSensitivity'] } : {}),
    ...(Object.keys(p.allowedProviderOptions).length > 0
      ? { allowedProviderOptions: Object.fromEntries(Object.entries(p.allowedProviderOptions).map(([k, e]) => [k.trim(), uniq(e.keys)])) }
      : {}),
  };
}

export function rulesToProto(r: PolicyRules, version: bigint, createdAt?: Date): ProtoPolicy {
  return create(PolicySchema, {
    version,
    allowedProviders: r.allowedProviders,
    deniedProviders: r.deniedProviders,
    allowedModels: r.allowedModels,
    deniedModels: r.deniedModels,
    allowedRegions: r.allowedRegions,
    maxPricePerMillionTokens: r.maxPricePerMillionTokens,
    maxOutputTokens: BigInt(r.maxOutputTokens),
    unsupportedParameters: r.unsupportedParameters
      ? UnsupportedParameterPolicy[r.unsupportedParameters.toUpperCase() as keyof typeof UnsupportedParameterPolicy]
      : UnsupportedParameterPolicy.UNSPECIFIED,
    maxRemoteSensitivity: r.maxRemoteSensitivity
      ? Sensitivity[r.maxRemoteSensitivity.toUpperCase() as keyof typeof Sensitivity]
      : Sensitivity.UNSPECIFIED,
    allowedProviderOptions: Object.fromEntries(Object.entries(r.allowedProviderOptions ?? {}).map(([k, keys]) => [k, { keys: [...keys] }])),
    ...(createdAt ? { createdAt: timestampFromDate(createdAt) } : {}),
  });
}

export const storedPolicyToProto = (p: StoredPolicy): ProtoPolicy => rulesToProto(rulesFromBody(p.body), p.version, p.createdAt);
