// Admission against the rate limits that apply to a call: one store round trip (one atomic
// script) at admission, one at the end of a call that holds a concurrency slot or whose token
// estimate is corrected. Nothing is asked of the store when no limit applies.
//
// A refusal is RESOURCE_EXHAUSTED, reason RATE_LIMITED, naming the limit (id, scope, dimension,
// limit) and when to retry; src/server/errors.ts adds google.rpc.RetryInfo and QuotaFailure.
// When the store cannot be reached, `onStoreDown` decides: admit (open) or refuse with
// UNAVAILABLE (closed).
import { randomUUID } from 'node:crypto';
import { SwitchyardError } from '../errors.js';
import type { Logger } from '../log.js';
import type { LimitIndex } from './limit-index.js';
import type { Check, LimitStore } from './redis-store.js';
import type { LimitDimension, OnStoreDown, RateLimitDef } from './types.js';

export interface AdmitRequest {
  tenant: string;
  keyId: string;
  /** Model names the call answers to: as requested, and the plan's first choice. */
  models: readonly string[];
  /** Estimated tokens (planned input + max output), taken from tokens-per-minute limits. */
  tokens: number;
}

export interface Admission {
  /** Frees the call's concurrency slots and corrects its token estimate; idempotent, never throws. */
  release(actualTokens?: number): void;
}

/** What the use cases call (src/calls/limits.ts). */
export interface Limiter {
  admit(req: AdmitRequest): Promise<Admission>;
}

const ADMITTED: Admission = { release: () => undefined };

export interface LimiterOptions {
  store: LimitStore;
  limits: () => LimitIndex;
  onStoreDown: OnStoreDown;
  log: Logger;
  /** Key prefix in the store (several deployments or tests can share one Redis). */
  prefix?: string;
  /** A concurrency slot lives this long unless its replica renews it (a crashed replica's expire). */
  leaseMs?: number;
  /** Clock for the store (epoch ms); unset: the store's own clock, shared by every replica. */
  now?: () => number;
}

interface Held {
  checks: Check[];
  tokenChecks: number[];
  estimated: number;
}

export class RateLimiter implements Limiter {
  readonly #opts: LimiterOptions;
  readonly #leaseMs: number;
  readonly #prefix: string;
  /** Live leases of this replica, renewed together every third of a lease. */
  readonly #held = new Map<string, Held>();
  readonly #timer: NodeJS.Timeout;
  #lastDownLog = 0;

  constructor(opts: LimiterOptions) {
    this.#opts = opts;
    this.#leaseMs = opts.leaseMs ?? 30_000;
    this.#prefix = opts.prefix ?? 'sy:rl:';
    this.#timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.#leaseMs / 3))).unref();
  }

  /** Admits the call or throws RATE_LIMITED (or UNAVAILABLE, store down and closed). */
  async admit(req: AdmitRequest): Promise<Admission> {
    const defs = this.#opts.limits().for(req.tenant, req.keyId, req.models);
    if (defs.length === 0) return ADMITTED;
    const checks: Check[] = [];
    const named: Array<{ def: RateLimitDef; dimension: LimitDimension }> = [];
    const tokenChecks: number[] = [];
    const base = (d: RateLimitDef) => `${this.#prefix}{${d.tenant}}:${d.id}`;
    for (const d of defs) {
      if (d.requestsPerMinute > 0) {
        checks.push({ key: `${base(d)}:rpm`, kind: 'rate', limit: d.requestsPerMinute, cost: 1 });
        named.push({ def: d, dimension: 'requests_per_minute' });
      }
      if (d.tokensPerMinute > 0) {
        tokenChecks.push(checks.length);
        checks.push({ key: `${base(d)}:tpm`, kind: 'rate', limit: d.tokensPerMinute, cost: Math.max(0, Math.ceil(req.tokens)) });
        named.push({ def: d, dimension: 'tokens_per_minute' });
      }
      if (d.concurrent > 0) {
        checks.push({ key: `${base(d)}:conc`, kind: 'concurrency', limit: d.concurrent, cost: 1 });
        named.push({ def: d, dimension: 'concurrent' });
      }
    }
    if (checks.length === 0) return ADMITTED;
    const leaseId = randomUUID();
    let result: Awaited<ReturnType<LimitStore['admit']>>;
    try {
      result = await this.#opts.store.admit(checks, leaseId, this.#leaseMs, this.#opts.now?.());
    } catch (err) {
      return this.#storeDown(err);
    }
    if (!result.admitted) {
      const { def, dimension } = named[result.index]!;
      throw rateLimited(def, dimension, limitOf(def, dimension), result.retryAfterMs);
    }
    const holdsSlot = checks.some((c) => c.kind === 'concurrency');
    if (!holdsSlot && tokenChecks.length === 0) return ADMITTED;
    const held: Held = { checks, tokenChecks, estimated: checks[tokenChecks[0] ?? -1]?.cost ?? 0 };
    if (holdsSlot) this.#held.set(leaseId, held);
    let released = false;
    return {
      release: (actualTokens) => {
        if (released) return;
        released = true;
        this.#held.delete(leaseId);
        const deltas = checks.map((_, i) =>
          tokenChecks.includes(i) && actualTokens !== undefined ? Math.ceil(actualTokens) - held.estimated : 0,
        );
        if (!holdsSlot && deltas.every((d) => d === 0)) return;
        this.#opts.store.release(checks, leaseId, deltas, this.#opts.now?.()).catch((err) => this.#logDown(err));
      },
    };
  }

  /** Stops renewing; the store is closed by its owner. */
  close(): void {
    clearInterval(this.#timer);
  }

  /** Extends this replica's live leases (run every third of a lease; public for tests). */
  async renew(): Promise<void> {
    if (this.#held.size === 0) return;
    const leases: Array<{ key: string; leaseId: string }> = [];
    for (const [leaseId, h] of this.#held) {
      for (const c of h.checks) if (c.kind === 'concurrency') leases.push({ key: c.key, leaseId });
    }
    await this.#opts.store.renew(leases, this.#leaseMs, this.#opts.now?.()).catch((err) => this.#logDown(err));
  }

  #storeDown(err: unknown): Admission {
    this.#logDown(err);
    if (this.#opts.onStoreDown === 'open') return ADMITTED;
    throw new SwitchyardError('unavailable', 'the rate limiter is unavailable; retry later', {
      reason: 'RATE_LIMITER_UNAVAILABLE',
    });
  }

  #logDown(err: unknown): void {
    // At most one line a second, however many calls see the outage.
    const now = Date.now();
    if (now - this.#lastDownLog < 1000) return;
    this.#lastDownLog = now;
    this.#opts.log.warn('rate limiter store unavailable', { error: err, onStoreDown: this.#opts.onStoreDown });
  }
}

function limitOf(d: RateLimitDef, dimension: LimitDimension): number {
  return dimension === 'requests_per_minute' ? d.requestsPerMinute : dimension === 'tokens_per_minute' ? d.tokensPerMinute : d.concurrent;
}

function rateLimited(d: RateLimitDef, dimension: LimitDimension, limit: number, retryAfterMs: number): SwitchyardError {
  const unit = dimension === 'concurrent' ? 'concurrent calls' : dimension.replaceAll('_', ' ');
  const whom =
    d.scope === 'tenant'
      ? `tenant ${d.tenant}`
      : d.scope === 'api_key'
        ? `this API key of tenant ${d.tenant}`
        : `model ${d.model} for tenant ${d.tenant}`;
  return new SwitchyardError(
    'resource_exhausted',
    `rate limit ${d.id} reached: ${limit} ${unit} for ${whom}; retry in ${retryAfterMs} ms`,
    {
      reason: 'RATE_LIMITED',
      metadata: {
        limit_id: d.id,
        tenant: d.tenant,
        scope: d.scope,
        dimension,
        limit: String(limit),
        retry_after_ms: String(retryAfterMs),
        ...(d.scope === 'model' ? { model: d.model } : {}),
      },
    },
  );
}
