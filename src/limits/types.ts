// Rate limits (issue 12 §6): requests per minute, tokens per minute and concurrent calls, per
// tenant, per API key of a tenant, or per (tenant, model). Config limits (`limits:`) and
// AdminService limits are merged into one index; the limiter (./limiter.ts) enforces them in a
// shared store (Redis), so the numbers hold across every replica together.

export type LimitScope = 'tenant' | 'api_key' | 'model';

export interface RateLimitDef {
  /** Stable id: names the limit in refusals (QuotaFailure subject) and in the store's keys. */
  id: string;
  tenant: string;
  scope: LimitScope;
  /** scope api_key: the caller key id it applies to (Caller.keyId). */
  apiKeyId: string;
  /** scope model: a model id, or an alias/name as the caller sends it. */
  model: string;
  /** 0: no limit on this dimension. */
  requestsPerMinute: number;
  tokensPerMinute: number;
  concurrent: number;
  source: 'config' | 'admin';
}

/** The dimensions one limit can constrain, as named in refusals (ErrorInfo metadata, QuotaFailure). */
export type LimitDimension = 'requests_per_minute' | 'tokens_per_minute' | 'concurrent';

/** What the limiter does when its store cannot be reached. */
export type OnStoreDown = 'open' | 'closed';
