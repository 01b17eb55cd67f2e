// Policies between the database and the planner: the stored JSON body of a version, loading
// the latest versions into a PolicySnapshot, loading named versions for a what-if replay, and
// seeding from the config file. The planner itself only sees PolicySnapshot (routing/policy.ts).
import type { ResolvedConfig } from '../config/load.js';
import { invalidField } from '../errors.js';
import { buildPolicySnapshot, EMPTY_RULES, type PolicyRules, type PolicySnapshot, type VersionedRules } from '../routing/policy.js';
import type { Db, Queryable } from '../store/db.js';
import { NotFoundError } from '../store/errors.js';
import { getPolicyVersion, isTombstone, listLatestPolicies, seedPolicy, tenantScope, type Policy } from '../store/repos/policies.js';

/** Where a version came from: the config file (seeded at start-up) or AdminService. */
export type PolicySource = 'config' | 'admin';

const SENSITIVITIES = new Set(['public', 'internal', 'confidential', 'restricted']);
const UNSUPPORTED = new Set(['warn', 'error', 'ignore']);

/** Canonical stored form: snake_case like the config file and the proto, empty rules omitted, money as a decimal string. */
export function rulesToBody(r: PolicyRules, source: PolicySource): { source: PolicySource } & Record<string, unknown> {
  const body: { source: PolicySource } & Record<string, unknown> = { source };
  const lists = [
    ['allowed_providers', r.allowedProviders],
    ['denied_providers', r.deniedProviders],
    ['allowed_models', r.allowedModels],
    ['denied_models', r.deniedModels],
    ['allowed_regions', r.allowedRegions],
  ] as const;
  for (const [k, v] of lists) if (v.length > 0) body[k] = [...v];
  if (r.maxPricePerMillionTokens > 0n) body.max_price_per_million_tokens = r.maxPricePerMillionTokens.toString();
  if (r.maxOutputTokens > 0) body.max_output_tokens = r.maxOutputTokens;
  if (r.unsupportedParameters) body.unsupported_parameters = r.unsupportedParameters;
  if (r.maxRemoteSensitivity) body.max_remote_sensitivity = r.maxRemoteSensitivity;
  if (r.allowedProviderOptions && Object.keys(r.allowedProviderOptions).length > 0) {
    body.allowed_provider_options = sortedOptionKeys(r.allowedProviderOptions);
  }
  return body;
}

/** Providers and their keys in a stable order, so an unchanged config seeds no new version. */
function sortedOptionKeys(m: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  return Object.fromEntries(
    Object.keys(m)
      .sort()
      .map((p) => [p, [...new Set(m[p])].sort()]),
  );
}

function optionKeysFromBody(v: unknown): Record<string, string[]> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, string[]> = {};
  for (const [provider, keys] of Object.entries(v)) {
    if (Array.isArray(keys)) out[provider] = keys.filter((k): k is string => typeof k === 'string');
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Tolerant reader: a field it cannot read is treated as unset (a tombstone reads as no rules). */
export function rulesFromBody(body: unknown): PolicyRules {
  if (typeof body !== 'object' || body === null || isTombstone(body)) return EMPTY_RULES;
  const b = body as Record<string, unknown>;
  const strings = (k: string) => (Array.isArray(b[k]) ? (b[k] as unknown[]).filter((x): x is string => typeof x === 'string') : []);
  const price = b.max_price_per_million_tokens;
  const out = b.max_output_tokens;
  const optionKeys = optionKeysFromBody(b.allowed_provider_options);
  return {
    allowedProviders: strings('allowed_providers'),
    deniedProviders: strings('denied_providers'),
    allowedModels: strings('allowed_models'),
    deniedModels: strings('denied_models'),
    allowedRegions: strings('allowed_regions'),
    maxPricePerMillionTokens: typeof price === 'string' && /^\d+$/.test(price) ? BigInt(price) : 0n,
    maxOutputTokens: typeof out === 'number' && Number.isSafeInteger(out) && out > 0 ? out : 0,
    ...(typeof b.unsupported_parameters === 'string' && UNSUPPORTED.has(b.unsupported_parameters)
      ? { unsupportedParameters: b.unsupported_parameters as PolicyRules['unsupportedParameters'] }
      : {}),
    ...(typeof b.max_remote_sensitivity === 'string' && SENSITIVITIES.has(b.max_remote_sensitivity)
      ? { maxRemoteSensitivity: b.max_remote_sensitivity as PolicyRules['maxRemoteSensitivity'] }
      : {}),
    ...(optionKeys ? { allowedProviderOptions: optionKeys } : {}),
  };
}

const versioned = (p: Policy): VersionedRules => ({ version: Number(p.version), rules: rulesFromBody(p.body) });

/** The latest version of every scope as the planner's PolicySnapshot (tombstoned tenants have none). */
export async function loadPolicySnapshot(q: Queryable): Promise<PolicySnapshot> {
  const latest = await listLatestPolicies(q);
  let platform: VersionedRules = { version: 0, rules: EMPTY_RULES };
  const tenants = new Map<string, VersionedRules>();
  for (const p of latest) {
    if (p.scope === 'platform') platform = versioned(p);
    else if (!isTombstone(p.body)) tenants.set(p.scope.slice('tenant:'.length), versioned(p));
  }
  return buildPolicySnapshot(platform, tenants);
}

const VERSION = /^platform:(\d{1,18})(?:\+tenant:([^:+]+):(\d{1,18}))?$/;

/**
 * The policy named by a version string ("platform:3" or "platform:3+tenant:acme:2"), as a
 * snapshot, for a what-if replay. `field` names the request field in errors; `tenant` is the
 * decision's tenant: a version of another tenant's policy cannot be replayed against it.
 */
export async function loadPolicyVersion(q: Queryable, version: string, tenant: string, field: string): Promise<PolicySnapshot> {
  const m = VERSION.exec(version);
  if (!m) throw invalidField(field, 'must be "platform:<n>" or "platform:<n>+tenant:<id>:<m>"');
  const [, pv, tid, tv] = m;
  if (tid !== undefined && tid !== tenant) throw invalidField(field, `names tenant "${tid}", the decision's tenant is "${tenant}"`);
  const platform = await versionOf(q, 'platform', BigInt(pv!), version);
  const tenants = new Map<string, VersionedRules>();
  if (tid !== undefined) {
    const t = await versionOf(q, tenantScope(tid), BigInt(tv!), version);
    if (t.version > 0 && !t.tombstone) tenants.set(tid, t);
  }
  return buildPolicySnapshot(platform, tenants);
}

async function versionOf(q: Queryable, scope: string, version: bigint, name: string): Promise<VersionedRules & { tombstone: boolean }> {
  if (version === 0n) return { version: 0, rules: EMPTY_RULES, tombstone: false };
  const p = await getPolicyVersion(q, scope, version);
  if (!p) throw new NotFoundError('policy', `${scope} v${version} (in ${name})`);
  return { ...versioned(p), tombstone: isTombstone(p.body) };
}

/** Seeds the config file's policies; a new version only where the file changed since it was last seeded. */
export async function seedPolicies(db: Db, config: ResolvedConfig): Promise<Policy[]> {
  const added: Policy[] = [];
  const seed = async (scope: string, rules: PolicyRules) => {
    const p = await seedPolicy(db, scope, rulesToBody(rules, 'config'));
    if (p) added.push(p);
  };
  if (config.policies.platform) await seed('platform', config.policies.platform);
  for (const [tenant, rules] of Object.entries(config.policies.tenants)) await seed(tenantScope(tenant), rules);
  return added;
}
