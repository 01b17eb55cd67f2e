// Routing policies: the platform policy and per-tenant overlays. Pure.
//
// A tenant policy can only NARROW the platform policy: the effective policy is the
// intersection of allow lists, the union of deny lists, the lower of two ceilings and the
// stricter of two settings. An unset tenant field inherits the platform's. Writes that would
// widen are rejected (narrowingViolations); the planner enforces the effective policy anyway,
// so a tenant policy that became "wider" after the platform was tightened is still clamped.
import type { ModelEntry } from '../catalog/types.js';
import type { Estimate, Exclusion, PlannerProvider, PlanRequest, Sensitivity } from './types.js';
import type { FieldViolation } from '../errors.js';
import { canonicalKey } from '../providers/options.js';

export type UnsupportedParameters = 'warn' | 'error' | 'ignore';

export interface PolicyRules {
  /** Only these providers (empty: any). */
  allowedProviders: string[];
  deniedProviders: string[];
  /** Model ids; a trailing "*" matches a prefix ("anthropic/*"). Empty: any. */
  allowedModels: string[];
  deniedModels: string[];
  /** Only endpoints serving one of these regions (empty: any). */
  allowedRegions: string[];
  /** pico-USD per token (= micro-USD per million tokens), blended over this request; 0n: none. */
  maxPricePerMillionTokens: bigint;
  /** Ceiling on output tokens per request; 0: none. */
  maxOutputTokens: number;
  /** undefined: inherit (platform: the config default). */
  unsupportedParameters?: UnsupportedParameters | undefined;
  /** Highest sensitivity non-local endpoints may receive; undefined: no ceiling. */
  maxRemoteSensitivity?: Exclude<Sensitivity, 'unspecified'> | undefined;
  /**
   * Provider option keys allowed per provider id ("*": every provider not listed); undefined
   * or empty: any key Switchyard does not own. When set, an unlisted provider takes none.
   */
  allowedProviderOptions?: Readonly<Record<string, readonly string[]>> | undefined;
}

export const EMPTY_RULES: PolicyRules = Object.freeze({
  allowedProviders: [],
  deniedProviders: [],
  allowedModels: [],
  deniedModels: [],
  allowedRegions: [],
  maxPricePerMillionTokens: 0n,
  maxOutputTokens: 0,
}) as PolicyRules;

/** A stored version of one scope's rules. version 0: nothing stored. */
export interface VersionedRules {
  version: number;
  rules: PolicyRules;
}

type Origin = 'platform' | 'tenant';

/** The rules the planner applies for one tenant, precomputed when the snapshot is built. */
export interface EffectivePolicy {
  /** "platform:3" or "platform:3+tenant:acme:2": recorded with decisions, replayable. */
  version: string;
  tenant: string;
  platform: VersionedRules;
  tenantRules?: VersionedRules | undefined;
  /** undefined: any; an empty set: none (two allow lists that do not intersect). */
  allowedProviders?: readonly string[] | undefined;
  allowedModels?: readonly string[] | undefined;
  allowedRegions?: readonly string[] | undefined;
  deniedProviders: ReadonlySet<string>;
  deniedModels: readonly string[];
  maxPricePerMillionTokens: bigint;
  maxOutputTokens: number;
  unsupportedParameters?: UnsupportedParameters | undefined;
  maxRemoteSensitivity?: Exclude<Sensitivity, 'unspecified'> | undefined;
  /** True when nothing restricts (the planner's fast path). */
  empty: boolean;
}

/** Platform + tenant policies with the effective policy of every tenant that has one. */
export interface PolicySnapshot {
  platform: EffectivePolicy;
  byTenant: ReadonlyMap<string, EffectivePolicy>;
}

export const SENSITIVITY_LEVEL: Record<Sensitivity, number> = {
  unspecified: 1, // treated as public
  public: 1,
  internal: 2,
  confidential: 3,
  restricted: 4,
};
const UNSUPPORTED_STRICTNESS: Record<UnsupportedParameters, number> = { ignore: 0, warn: 1, error: 2 };
/** A remote endpoint without a `max_sensitivity` is cleared for everything below restricted. */
export const DEFAULT_REMOTE_CLEARANCE: Sensitivity = 'confidential';

/** "openai/*" matches every id starting "openai/"; anything else matches itself. */
export function matches(pattern: string, id: string): boolean {
  return pattern.endsWith('*') ? id.startsWith(pattern.slice(0, -1)) : id === pattern;
}

/** Whether everything `inner` matches is matched by `outer`. */
function covers(outer: string, inner: string): boolean {
  if (!outer.endsWith('*')) return outer === inner;
  return inner.startsWith(outer.slice(0, -1));
}

/** Exact intersection of two allow lists of exact ids and prefix patterns ([] = none). */
export function intersect(a: readonly string[], b: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of a) {
    for (const q of b) {
      if (covers(q, p)) out.add(p);
      else if (covers(p, q)) out.add(q);
    }
  }
  return [...out].sort();
}

const allowOf = (platform: readonly string[], tenant: readonly string[] | undefined): string[] | undefined => {
  if (platform.length === 0) return tenant && tenant.length > 0 ? [...tenant] : undefined;
  if (!tenant || tenant.length === 0) return [...platform];
  return intersect(platform, tenant);
};
const lowerCeiling = <T extends bigint | number>(a: T, b: T): T => (a === 0 || a === 0n ? b : b === 0 || b === 0n ? a : a < b ? a : b);
const stricterSensitivity = (a: PolicyRules['maxRemoteSensitivity'], b: PolicyRules['maxRemoteSensitivity']) =>
  !a ? b : !b ? a : SENSITIVITY_LEVEL[a] <= SENSITIVITY_LEVEL[b] ? a : b;
const stricterUnsupported = (a: UnsupportedParameters | undefined, b: UnsupportedParameters | undefined) =>
  !a ? b : !b ? a : UNSUPPORTED_STRICTNESS[a] >= UNSUPPORTED_STRICTNESS[b] ? a : b;

export function effectivePolicy(platform: VersionedRules, tenant?: { id: string; policy?: VersionedRules | undefined }): EffectivePolicy {
  const p = platform.rules;
  const t = tenant?.policy?.rules;
  const allowedProviders = allowOf(p.allowedProviders, t?.allowedProviders);
  const allowedModels = allowOf(p.allowedModels, t?.allowedModels);
  const allowedRegions = allowOf(p.allowedRegions, t?.allowedRegions);
  const deniedProviders = new Set([...p.deniedProviders, ...(t?.deniedProviders ?? [])]);
  const deniedModels = [...new Set([...p.deniedModels, ...(t?.deniedModels ?? [])])];
  const maxPricePerMillionTokens = lowerCeiling(p.maxPricePerMillionTokens, t?.maxPricePerMillionTokens ?? 0n);
  const maxOutputTokens = lowerCeiling(p.maxOutputTokens, t?.maxOutputTokens ?? 0);
  const maxRemoteSensitivity = stricterSensitivity(p.maxRemoteSensitivity, t?.maxRemoteSensitivity);
  const version = `platform:${platform.version}${tenant?.policy ? `+tenant:${tenant.id}:${tenant.policy.version}` : ''}`;
  return {
    version,
    tenant: tenant?.id ?? '',
    platform,
    tenantRules: tenant?.policy,
    allowedProviders,
    allowedModels,
    allowedRegions,
    deniedProviders,
    deniedModels,
    maxPricePerMillionTokens,
    maxOutputTokens,
    unsupportedParameters: stricterUnsupported(p.unsupportedParameters, t?.unsupportedParameters),
    maxRemoteSensitivity,
    empty:
      !allowedProviders &&
      !allowedModels &&
      !allowedRegions &&
      deniedProviders.size === 0 &&
      deniedModels.length === 0 &&
      maxPricePerMillionTokens === 0n &&
      maxOutputTokens === 0 &&
      !maxRemoteSensitivity,
  };
}

export function buildPolicySnapshot(platform: VersionedRules, tenants: ReadonlyMap<string, VersionedRules>): PolicySnapshot {
  const byTenant = new Map<string, EffectivePolicy>();
  for (const [id, policy] of tenants) byTenant.set(id, effectivePolicy(platform, { id, policy }));
  return { platform: effectivePolicy(platform), byTenant };
}

const NO_POLICY = new Map<string, EffectivePolicy>();

/** The effective policy of `tenant` in a snapshot; no policy at all when the snapshot has none. */
export function effectiveFor(snap: { policy?: PolicySnapshot | undefined; policyVersion: string }, tenant?: string): EffectivePolicy {
  const ps = snap.policy;
  if (!ps) {
    let p = NO_POLICY.get(snap.policyVersion);
    if (!p)
      NO_POLICY.set(snap.policyVersion, (p = { ...effectivePolicy({ version: 0, rules: EMPTY_RULES }), version: snap.policyVersion }));
    return p;
  }
  return (tenant ? ps.byTenant.get(tenant) : undefined) ?? ps.platform;
}

/**
 * Violations (field paths under `policy.`) of a tenant policy that would permit what the
 * platform policy forbids. Unset tenant fields inherit and never violate.
 */
export function narrowingViolations(platform: PolicyRules, tenant: PolicyRules, prefix = 'policy'): FieldViolation[] {
  const out: FieldViolation[] = [];
  const allow = (rule: 'allowed_providers' | 'allowed_models' | 'allowed_regions', p: string[], t: string[], denied: string[] = []) => {
    t.forEach((entry, i) => {
      const field = `${prefix}.${rule}[${i}]`;
      if (p.length > 0 && !p.some((q) => covers(q, entry))) {
        out.push({ field, description: `"${entry}" widens the platform policy, whose ${rule} is [${p.join(', ')}]` });
      } else if (denied.some((d) => covers(d, entry))) {
        const deny = rule === 'allowed_providers' ? 'denied_providers' : 'denied_models';
        out.push({ field, description: `"${entry}" is in the platform policy's ${deny}` });
      }
    });
  };
  allow('allowed_providers', platform.allowedProviders, tenant.allowedProviders, platform.deniedProviders);
  allow('allowed_models', platform.allowedModels, tenant.allowedModels, platform.deniedModels);
  allow('allowed_regions', platform.allowedRegions, tenant.allowedRegions);
  const ceiling = (rule: string, p: bigint | number, t: bigint | number) => {
    if (p !== 0 && p !== 0n && t !== 0 && t !== 0n && t > p) {
      out.push({ field: `${prefix}.${rule}`, description: `${t} exceeds the platform policy's ceiling ${p}` });
    }
  };
  ceiling('max_price_per_million_tokens', platform.maxPricePerMillionTokens, tenant.maxPricePerMillionTokens);
  ceiling('max_output_tokens', platform.maxOutputTokens, tenant.maxOutputTokens);
  if (
    platform.unsupportedParameters &&
    tenant.unsupportedParameters &&
    UNSUPPORTED_STRICTNESS[tenant.unsupportedParameters] < UNSUPPORTED_STRICTNESS[platform.unsupportedParameters]
  ) {
    out.push({
      field: `${prefix}.unsupported_parameters`,
      description: `"${tenant.unsupportedParameters}" is laxer than the platform policy's "${platform.unsupportedParameters}"`,
    });
  }
  for (const [provider, keys] of Object.entries(tenant.allowedProviderOptions ?? {})) {
    const allowed = allowedOptionKeys(platform, provider);
    keys.forEach((key, i) => {
      if (allowed && !allowed.has(canonicalKey(key))) {
        out.push({
          field: `${prefix}.allowed_provider_options.${provider}[${i}]`,
          description: `"${key}" widens the platform policy's allowed_provider_options for "${provider}"`,
        });
      }
    });
  }
  if (
    platform.maxRemoteSensitivity &&
    tenant.maxRemoteSensitivity &&
    SENSITIVITY_LEVEL[tenant.maxRemoteSensitivity] > SENSITIVITY_LEVEL[platform.maxRemoteSensitivity]
  ) {
    out.push({
      field: `${prefix}.max_remote_sensitivity`,
      description: `"${tenant.maxRemoteSensitivity}" is above the platform policy's "${platform.maxRemoteSensitivity}"`,
    });
  }
  return out;
}

/** The provider option keys one policy allows on `provider` (canonical); undefined: no rule. */
export function allowedOptionKeys(rules: PolicyRules, provider: string): ReadonlySet<string> | undefined {
  const m = rules.allowedProviderOptions;
  if (!m || Object.keys(m).length === 0) return undefined;
  return new Set((m[provider] ?? m['*'] ?? []).map(canonicalKey));
}

/**
 * Why the effective policy refuses provider option `key` on `provider`, naming whose rule;
 * undefined when allowed. Both policies apply (a tenant's can only narrow).
 */
export function refusedProviderOption(pol: EffectivePolicy, provider: string, key: string): string | undefined {
  const k = canonicalKey(key);
  const check = (rules: PolicyRules, fromTenant: boolean) => {
    const allowed = allowedOptionKeys(rules, provider);
    if (allowed && !allowed.has(k)) {
      const list = [...(rules.allowedProviderOptions?.[provider] ?? rules.allowedProviderOptions?.['*'] ?? [])];
      return `not in allowed_provider_options for provider "${provider}" of the ${whose(pol, fromTenant)} ([${list.join(', ')}])`;
    }
    return undefined;
  };
  return check(pol.platform.rules, false) ?? (pol.tenantRules ? check(pol.tenantRules.rules, true) : undefined);
}

/** The output budget after the policy's ceiling (an uncapped request is capped by it). */
export function capOutput(budget: number, pol: EffectivePolicy): number {
  return pol.maxOutputTokens > 0 && budget > pol.maxOutputTokens ? pol.maxOutputTokens : budget;
}

/** Which policy a rule came from, for detail strings: `tenant "acme" policy v2`. */
function whose(pol: EffectivePolicy, fromTenant: boolean): string {
  return fromTenant && pol.tenantRules
    ? `tenant "${pol.tenant}" policy v${pol.tenantRules.version}`
    : `platform policy v${pol.platform.version}`;
}
/** The allow list that rejects `id`: the platform's if it does, else the tenant's. */
function allowOrigin(pol: EffectivePolicy, pick: (r: PolicyRules) => string[], id: string): Origin {
  const p = pick(pol.platform.rules);
  return p.length > 0 && !p.some((q) => matches(q, id)) ? 'platform' : 'tenant';
}

/**
 * Checks one endpoint against the effective policy and the request's privacy inputs.
 * Returns the exclusion, with a detail naming the rule and whose policy it came from.
 */
export function checkPolicy(
  req: PlanRequest,
  provider: PlannerProvider,
  model: ModelEntry,
  estimate: Estimate,
  pol: EffectivePolicy,
): Exclusion | undefined {
  const out = (reason: Exclusion['reason'], detail: string): Exclusion => ({ provider: provider.id, model: model.id, reason, detail });
  const local = provider.local || model.local;
  const sensitivity = SENSITIVITY_LEVEL[req.sensitivity];
  if (req.localRequired && !local) return out('sensitivity', 'label local_required=true: only local endpoints');
  if (!local) {
    const clearance = provider.maxSensitivity ?? DEFAULT_REMOTE_CLEARANCE;
    if (sensitivity > SENSITIVITY_LEVEL[clearance]) {
      return out(
        'sensitivity',
        `${req.sensitivity} data may only go to local endpoints or providers cleared for it (max_sensitivity ${clearance})`,
      );
    }
  }
  if (pol.empty) return undefined;

  if (pol.allowedProviders && !pol.allowedProviders.includes(provider.id)) {
    const o = allowOrigin(pol, (r) => r.allowedProviders, provider.id);
    return out(
      'provider_not_allowed',
      `allowed_providers of the ${whose(pol, o === 'tenant')} is [${(o === 'tenant' ? pol.tenantRules!.rules : pol.platform.rules).allowedProviders.join(', ')}]`,
    );
  }
  if (pol.deniedProviders.has(provider.id)) {
    return out('provider_denied', `in denied_providers of the ${whose(pol, !pol.platform.rules.deniedProviders.includes(provider.id))}`);
  }
  if (pol.allowedModels && !pol.allowedModels.some((p) => matches(p, model.id))) {
    const o = allowOrigin(pol, (r) => r.allowedModels, model.id);
    return out('policy', `model not in allowed_models of the ${whose(pol, o === 'tenant')}`);
  }
  const denied = pol.deniedModels.find((p) => matches(p, model.id));
  if (denied !== undefined) {
    return out(
      'policy',
      `model matches "${denied}" in denied_models of the ${whose(pol, !pol.platform.rules.deniedModels.includes(denied))}`,
    );
  }
  if (pol.allowedRegions) {
    const regions = provider.regions.length > 0 ? provider.regions : model.regions;
    if (!regions.some((g) => pol.allowedRegions!.includes(g))) {
      const o =
        pol.platform.rules.allowedRegions.length > 0 && !regions.some((g) => pol.platform.rules.allowedRegions.includes(g))
          ? 'platform'
          : 'tenant';
      const where = regions.length > 0 ? `serves [${regions.join(', ')}]` : 'region unknown';
      return out(
        'region',
        `${where}; allowed_regions of the ${whose(pol, o === 'tenant')} is [${(o === 'tenant' ? pol.tenantRules!.rules : pol.platform.rules).allowedRegions.join(', ')}]`,
      );
    }
  }
  if (!local && pol.maxRemoteSensitivity && sensitivity > SENSITIVITY_LEVEL[pol.maxRemoteSensitivity]) {
    const fromTenant = pol.maxRemoteSensitivity !== pol.platform.rules.maxRemoteSensitivity;
    return out(
      'sensitivity',
      `${req.sensitivity} data; max_remote_sensitivity of the ${whose(pol, fromTenant)} is ${pol.maxRemoteSensitivity}`,
    );
  }
  if (pol.maxOutputTokens > 0 && req.maxOutputTokens > pol.maxOutputTokens) {
    const fromTenant = pol.maxOutputTokens !== pol.platform.rules.maxOutputTokens;
    return out(
      'max_output',
      `request asks ${req.maxOutputTokens} tokens; max_output_tokens of the ${whose(pol, fromTenant)} is ${pol.maxOutputTokens}`,
    );
  }
  const ceiling = pol.maxPricePerMillionTokens;
  if (ceiling > 0n) {
    const fromTenant = ceiling !== pol.platform.rules.maxPricePerMillionTokens;
    const rule = `max_price_per_million_tokens of the ${whose(pol, fromTenant)}`;
    // As for the request's own ceiling (constraints.ts): zero prices on a remote model mean
    // "unknown", never "free", and unknown cannot pass a ceiling.
    if (!local && model.pricing.input === 0n && model.pricing.output === 0n) return out('price', `price unknown; ${rule} is ${ceiling}`);
    const tokens = BigInt(Math.max(1, req.inputTokens + estimate.maxOutputTokens));
    const perToken = estimate.maxCost / tokens;
    if (perToken > ceiling) return out('price', `blended price ${perToken} pico-USD/token; ${rule} is ${ceiling}`);
  }
  return undefined;
}
