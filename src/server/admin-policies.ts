// AdminService: platform and tenant policies. The handlers check and convert the request; the
// use cases (src/admin/policy-versions.ts) append versions, refuse a tenant policy that widens
// the platform's (INVALID_ARGUMENT, reason POLICY_WIDENS_PLATFORM) and make the change visible.
import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import * as pb from '../../gen/switchyard/v1/admin_pb.js';
import type { AdminService } from '../../gen/switchyard/v1/admin_pb.js';
import type { AdminDeps } from '../admin/deps.js';
import * as policies from '../admin/policy-versions.js';
import { afterToPageToken, pageTokenToAfter } from './admin-convert.js';
import { checkPolicyMessage, rulesFromProto, rulesToProto } from './policy-convert.js';
import { Violations } from './validate.js';

const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function checkTenant(v: Violations, tenant: string): void {
  if (!TENANT_ID.test(tenant)) v.add('tenant', 'must be a tenant id (1-128 letters, digits, ".", "_" or "-")');
}
function checkVersion(v: Violations, version: bigint): void {
  if (version < 0n) v.add('version', 'must not be negative (0: the latest)');
}

const toProto = (p: policies.PolicyVersion): pb.Policy => rulesToProto(p.rules, p.version, p.createdAt);

export function policyHandlers(d: AdminDeps): Partial<ServiceImpl<typeof AdminService>> {
  return {
    async getPlatformPolicy(req) {
      const v = new Violations();
      checkVersion(v, req.version);
      v.throwIfAny();
      return create(pb.GetPlatformPolicyResponseSchema, { policy: toProto(await policies.getPlatformPolicy(d, req.version)) });
    },

    async updatePlatformPolicy(req) {
      const v = new Violations();
      checkPolicyMessage(v, req.policy);
      v.throwIfAny();
      const stored = await policies.updatePlatformPolicy(d, rulesFromProto(req.policy!));
      return create(pb.UpdatePlatformPolicyResponseSchema, { policy: toProto(stored) });
    },

    async getTenantPolicy(req) {
      const v = new Violations();
      checkTenant(v, req.tenant);
      checkVersion(v, req.version);
      v.throwIfAny();
      return create(pb.GetTenantPolicyResponseSchema, { policy: toProto(await policies.getTenantPolicy(d, req.tenant, req.version)) });
    },

    async updateTenantPolicy(req) {
      const v = new Violations();
      checkTenant(v, req.tenant);
      checkPolicyMessage(v, req.policy);
      v.throwIfAny();
      const stored = await policies.updateTenantPolicy(d, req.tenant, rulesFromProto(req.policy!));
      return create(pb.UpdateTenantPolicyResponseSchema, { policy: toProto(stored) });
    },

    async listPolicyVersions(req) {
      const v = new Violations();
      if (req.tenant !== '') checkTenant(v, req.tenant);
      if (req.pageSize < 0) v.add('page_size', 'must not be negative');
      const before = pageTokenToAfter(req.pageToken);
      if (req.pageToken !== '' && !/^\d{1,18}$/.test(before ?? '')) v.add('page_token', 'is not a token from a previous page');
      v.throwIfAny();
      const page = await policies.listPolicyVersions(d, req.tenant, { before, limit: Math.min(req.pageSize || 100, 1000) });
      return create(pb.ListPolicyVersionsResponseSchema, {
        policies: page.items.map(toProto),
        nextPageToken: afterToPageToken(page.next),
      });
    },

    async deleteTenantPolicy(req) {
      const v = new Violations();
      checkTenant(v, req.tenant);
      v.throwIfAny();
      await policies.deleteTenantPolicy(d, req.tenant);
      return create(pb.DeleteTenantPolicyResponseSchema, {});
    },
  };
}
