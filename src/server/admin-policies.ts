// AdminService: platform and tenant policies (versioned, append-only; routing/policy.ts has the
// semantics). Every write appends a version; the append NOTIFYs switchyard_policy, which every
// replica LISTENs to (app.ts), and this replica reloads at once.
//
// Widening: a tenant policy that would permit what the platform policy forbids is rejected at
// write time (INVALID_ARGUMENT, reason POLICY_WIDENS_PLATFORM, one field violation per rule).
// A platform update that leaves an existing tenant policy "wider" is ACCEPTED: rejecting it
// would stop an operator from tightening the platform (the safety action) until every tenant
// had been edited first. The planner intersects the two on every request, so the stale tenant
// rules are clamped to the new platform policy; they simply stop having any effect.
import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import * as pb from '../../gen/switchyard/v1/admin_pb.js';
import type { AdminService } from '../../gen/switchyard/v1/admin_pb.js';
import { rulesFromBody, rulesToBody } from '../app/policies.js';
import { SwitchyardError } from '../errors.js';
import { EMPTY_RULES, narrowingViolations } from '../routing/policy.js';
import type { Db } from '../store/db.js';
import { NotFoundError } from '../store/errors.js';
import * as repo from '../store/repos/policies.js';
import { getTenant } from '../store/repos/tenants.js';
import { afterToPageToken, pageTokenToAfter } from './admin-convert.js';
import { checkPolicyMessage, rulesFromProto, rulesToProto, storedPolicyToProto } from './policy-convert.js';
import { Violations } from './validate.js';

export interface PolicyDeps {
  db: Db;
  /** Rebuilds this replica's routing snapshot. */
  state: { reload(): Promise<unknown> };
}

const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function checkTenant(v: Violations, tenant: string): void {
  if (!TENANT_ID.test(tenant)) v.add('tenant', 'must be a tenant id (1-128 letters, digits, ".", "_" or "-")');
}
function checkVersion(v: Violations, version: bigint): void {
  if (version < 0n) v.add('version', 'must not be negative (0: the latest)');
}

async function requireTenant(db: Db, tenant: string): Promise<void> {
  if (!(await getTenant(db, tenant))) throw new NotFoundError('tenant', tenant);
}

/** Version 0 = latest; the latest of a scope with nothing stored is an empty policy, version 0. */
async function read(db: Db, scope: string, version: bigint): Promise<pb.Policy> {
  if (version === 0n) {
    const latest = await repo.getLatestPolicy(db, scope);
    return latest ? storedPolicyToProto(latest) : rulesToProto(EMPTY_RULES, 0n);
  }
  const p = await repo.getPolicyVersion(db, scope, version);
  if (!p) throw new NotFoundError('policy', `${scope} v${version}`);
  return storedPolicyToProto(p);
}

export function policyHandlers(d: PolicyDeps): Partial<ServiceImpl<typeof AdminService>> {
  return {
    async getPlatformPolicy(req) {
      const v = new Violations();
      checkVersion(v, req.version);
      v.throwIfAny();
      return create(pb.GetPlatformPolicyResponseSchema, { policy: await read(d.db, 'platform', req.version) });
    },

    async updatePlatformPolicy(req) {
      const v = new Violations();
      checkPolicyMessage(v, req.policy);
      v.throwIfAny();
      const stored = await repo.appendPolicy(d.db, 'platform', rulesToBody(rulesFromProto(req.policy!), 'admin'));
      await d.state.reload();
      return create(pb.UpdatePlatformPolicyResponseSchema, { policy: storedPolicyToProto(stored) });
    },

    async getTenantPolicy(req) {
      const v = new Violations();
      checkTenant(v, req.tenant);
      checkVersion(v, req.version);
      v.throwIfAny();
      await requireTenant(d.db, req.tenant);
      return create(pb.GetTenantPolicyResponseSchema, { policy: await read(d.db, repo.tenantScope(req.tenant), req.version) });
    },

    async updateTenantPolicy(req) {
      const v = new Violations();
      checkTenant(v, req.tenant);
      checkPolicyMessage(v, req.policy);
      v.throwIfAny();
      await requireTenant(d.db, req.tenant);
      const rules = rulesFromProto(req.policy!);
      // Checked against the latest platform policy in the database, not this replica's
      // snapshot (which another replica's change may not have reached yet). A platform change
      // racing this write is harmless: the planner intersects on every request.
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
      const stored = await repo.appendPolicy(d.db, repo.tenantScope(req.tenant), rulesToBody(rules, 'admin'));
      await d.state.reload();
      return create(pb.UpdateTenantPolicyResponseSchema, { policy: storedPolicyToProto(stored) });
    },

    async listPolicyVersions(req) {
      const v = new Violations();
      if (req.tenant !== '') checkTenant(v, req.tenant);
      if (req.pageSize < 0) v.add('page_size', 'must not be negative');
      const before = pageTokenToAfter(req.pageToken);
      if (req.pageToken !== '' && !/^\d{1,18}$/.test(before ?? '')) v.add('page_token', 'is not a token from a previous page');
      v.throwIfAny();
      const scope = req.tenant === '' ? 'platform' : repo.tenantScope(req.tenant);
      const page = await repo.listPolicyVersions(d.db, scope, { before, limit: Math.min(req.pageSize || 100, 1000) });
      return create(pb.ListPolicyVersionsResponseSchema, {
        policies: page.items.map(storedPolicyToProto),
        nextPageToken: afterToPageToken(page.next),
      });
    },

    async deleteTenantPolicy(req) {
      const v = new Violations();
      checkTenant(v, req.tenant);
      v.throwIfAny();
      await repo.deleteTenantPolicy(d.db, req.tenant);
      await d.state.reload();
      return create(pb.DeleteTenantPolicyResponseSchema, {});
    },
  };
}
