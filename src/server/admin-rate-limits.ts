// AdminService: rate limits (CRUD). The handlers convert; the use cases (src/admin/rate-limits.ts)
// validate against tenants and keys, refuse to edit the config file's limits, and make each
// change visible on every replica.
import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import * as pb from '../../gen/switchyard/v1/admin_pb.js';
import { RateLimitScope, type AdminService } from '../../gen/switchyard/v1/admin_pb.js';
import type { AdminDeps } from '../admin/deps.js';
import * as limits from '../admin/rate-limits.js';
import type { RateLimitDef } from '../limits/types.js';
import { afterToPageToken, pageTokenToAfter } from './admin-convert.js';
import { Violations } from './validate.js';

const SCOPES: Partial<Record<RateLimitScope, limits.RateLimitScope>> = {
  [RateLimitScope.TENANT]: 'tenant',
  [RateLimitScope.API_KEY]: 'api_key',
  [RateLimitScope.MODEL]: 'model',
};
const SCOPE_TO_PROTO: Record<limits.RateLimitScope, RateLimitScope> = {
  tenant: RateLimitScope.TENANT,
  api_key: RateLimitScope.API_KEY,
  model: RateLimitScope.MODEL,
};

export function rateLimitToProto(l: RateLimitDef): pb.RateLimit {
  return create(pb.RateLimitSchema, {
    id: l.id,
    scope: SCOPE_TO_PROTO[l.scope],
    tenant: l.tenant,
    apiKeyId: l.apiKeyId,
    model: l.model,
    requestsPerMinute: l.requestsPerMinute,
    tokensPerMinute: BigInt(l.tokensPerMinute),
    concurrent: l.concurrent,
    source: l.source,
  });
}

function rateLimitInput(l: pb.RateLimit | undefined): limits.RateLimitInput {
  const v = new Violations();
  if (!l) v.add('rate_limit', 'is required');
  else if (l.tokensPerMinute > BigInt(Number.MAX_SAFE_INTEGER))
    v.add('rate_limit.tokens_per_minute', `must be at most ${Number.MAX_SAFE_INTEGER}`);
  v.throwIfAny();
  return {
    id: l!.id,
    tenant: l!.tenant,
    scope: SCOPES[l!.scope],
    apiKeyId: l!.apiKeyId,
    model: l!.model,
    requestsPerMinute: l!.requestsPerMinute,
    tokensPerMinute: Number(l!.tokensPerMinute),
    concurrent: l!.concurrent,
  };
}

export function rateLimitHandlers(d: AdminDeps): Partial<ServiceImpl<typeof AdminService>> {
  return {
    async createRateLimit(req) {
      const row = await limits.createRateLimit(d, rateLimitInput(req.rateLimit));
      return create(pb.CreateRateLimitResponseSchema, { rateLimit: rateLimitToProto(row) });
    },
    async updateRateLimit(req) {
      const row = await limits.updateRateLimit(d, rateLimitInput(req.rateLimit));
      return create(pb.UpdateRateLimitResponseSchema, { rateLimit: rateLimitToProto(row) });
    },
    async listRateLimits(req) {
      const v = new Violations();
      if (req.pageSize < 0) v.add('page_size', 'must not be negative');
      v.throwIfAny();
      const p = await limits.listRateLimits(
        d,
        { limit: Math.min(req.pageSize || 100, 1000), after: pageTokenToAfter(req.pageToken) },
        req.tenant || undefined,
      );
      return create(pb.ListRateLimitsResponseSchema, {
        rateLimits: p.items.map(rateLimitToProto),
        nextPageToken: afterToPageToken(p.next),
      });
    },
    async deleteRateLimit(req) {
      await limits.deleteRateLimit(d, req.id);
      return create(pb.DeleteRateLimitResponseSchema, {});
    },
  };
}
