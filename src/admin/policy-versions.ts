// Platform and tenant policies as AdminService changes them: versioned and append-only
// (routing/policy.ts has the semantics, ./policies.ts the stored form). Every write appends a
// version; the append NOTIFYs POLICY_CHANNEL on commit (store/repos/policies.ts), and
// publishChange('policy') reloads this replica at once.
//
// Widening: a tenant policy that would permit what the platform policy forbids is rejected at
// write time (INVALID_ARGUMENT, reason POLICY_WIDENS_PLATFORM, one field violation per rule).
// A platform update that leaves an existing tenant policy "wider" is ACCEPTED: rejecting it
// would stop an operator from tightening the platform (the safety action) until every tenant
// had been edited first. The planner intersects the two on every request, so the stale tenant
// rules are clamped to the new platform policy; they simply stop having any effect.
import { SwitchyardError } from '../errors.js';
import { EMPTY_RULES, narrowingViolations, type PolicyRules } from '../routing/policy.js';
import type { Queryable } from '../store/db.js';
import { NotFoundError } from '../store/errors.js';
import type { Page } from '../store/repos/page.js';
import * as repo from '../store/repos/policies.js';
import { getTenant } from '../store/repos/tenants.js';
import type { AdminDeps } from './deps.js';
import { rulesFromBody, rulesToBody } from './policies.js';

/** One version of a scope's policy. Version 0 is "nothing stored yet" (empty rules, no date). */
export interface PolicyVersion {
  version: bigint;
  rules: PolicyRules;
  createdAt?: Date;
}

/** A tenant's policy ('' names the platform policy). */
const scopeOf = (tenant: string): string => (tenant === '' ? 'platform' : repo.tenantScope(tenant));

const toVersion = (p: repo.Policy): PolicyVersion => ({ version: p.version, rules: rulesFromBody(p.body), createdAt: p.createdAt });

async function requireTenant(q: Queryable, tenant: string): Promise<void> {
  if (!(await getTenant(q, tenant))) throw new NotFoundError('tenant', tenant);
}

/** Version 0 = latest; the latest of a scope with nothing stored is an empty policy, version 0. */
async function read(q: Queryable, scope: string, version: bigint): Promise<PolicyVersion> {
  if (version === 0n) {
    const latest = await repo.getLatestPolicy(q, scope);
    return latest ? toVersion(latest) : { version: 0n, rules: EMPTY_RULES };
  }
  const p = await repo.getPolicyVersion(q, scope, version);
  if (!p) throw new NotFoundError('policy', `${scope} v${version}`);
  return toVersion(p);
}

export function getPlatformPolicy(d: AdminDeps, version: bigint): Promise<PolicyVersion> {
  return read(d.db, 'platform', version);
}

export async function updatePlatformPolicy(d: AdminDeps, rules: PolicyRules): Promise<PolicyVersion> {
  const stored = await repo.appendPolicy(d.db, 'platform', rulesToBody(rules, 'admin'));
  await d.changes.publishChange('policy');
  return toVersion(stored);
}

/** NOT_FOUND when the tenant does not exist. */
export async function getTenantPolicy(d: AdminDeps, tenant: string, version: bigint): Promise<PolicyVersion> {
  await requireTenant(d.db, tenant);
  return read(d.db, repo.tenantScope(tenant), version);
}

export async function updateTenantPolicy(d: AdminDeps, tenant: string, rules: PolicyRules): Promise<PolicyVersion> {
  await requireTenant(d.db, tenant);
  // Checked against the latest platform policy in the database, not this replica's snapshot
  // (which another replica's change may not have reached yet). A platform change racing this
  // write is harmless: the planner intersects on every request.
  const platform = await repo.getLatestPolicy(d.db, 'platform');
  const violations = narrowingViolations(platform ? rulesFromBody(platform.body) : EMPTY_RULES, rules, 'policy');
  if (violations.length > 0) {
    const message = `tenant policy widens the platform policy (v${platform?.version ?? 0n}): ${violations.map((x) => `${x.field}: ${x.description}`).join('; ')}`;
    throw new SwitchyardError('invalid_argument', message, {
      reason: 'POLICY_WIDENS_PLATFORM',
      metadata: { field: violations[0]!.field, platform_version: String(platform?.version ?? 0n) },
      violations,
    });
  }
  const stored = await repo.appendPolicy(d.db, repo.tenantScope(tenant), rulesToBody(rules, 'admin'));
  await d.changes.publishChange('policy');
  return toVersion(stored);
}

/** Newest first; `tenant` '' lists the platform's versions. `before` is the previous page's `next`. */
export async function listPolicyVersions(
  d: AdminDeps,
  tenant: string,
  page: { before?: string; limit: number },
): Promise<Page<PolicyVersion>> {
  const p = await repo.listPolicyVersions(d.db, scopeOf(tenant), page);
  return { items: p.items.map(toVersion), next: p.next };
}

/** Appends a tombstone: the tenant has no policy from now on, and its history stays. */
export async function deleteTenantPolicy(d: AdminDeps, tenant: string): Promise<void> {
  await repo.deleteTenantPolicy(d.db, tenant);
  await d.changes.publishChange('policy');
}
