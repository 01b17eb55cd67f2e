// The limiter's shared store: Redis, through ioredis. ioredis (pinned exactly in package.json)
// because it is the long-maintained, widely deployed Node client with EVALSHA-with-fallback
// scripts (defineCommand), auto-pipelining, reconnection with backoff, and Cluster and Sentinel
// support should an operator need them; node-redis would have done as well, ioredis's script
// handling decided it.
//
// Every key of one call shares the tenant's hash tag ("{acme}"), so the call's one script
// touches a single slot and runs unchanged on Redis Cluster.
import { Redis } from 'ioredis';
import { ADMIT, RELEASE, RENEW } from './scripts.js';

export interface Check {
  key: string;
  kind: 'rate' | 'concurrency';
  limit: number;
  /** Units taken: 1 request, the estimated tokens, 1 slot. */
  cost: number;
}

export type AdmitResult = { admitted: true } | { admitted: false; index: number; retryAfterMs: number };

/** What the limiter needs from a store (a Redis here; an interface so tests can break it). */
export interface LimitStore {
  admit(checks: readonly Check[], leaseId: string, leaseMs: number, now: number | undefined): Promise<AdmitResult>;
  /** Frees `leaseId`'s slots; corrects rate checks by `deltas[i]` (actual - estimated). */
  release(checks: readonly Check[], leaseId: string, deltas: readonly number[], now: number | undefined): Promise<void>;
  renew(leases: ReadonlyArray<{ key: string; leaseId: string }>, leaseMs: number, now: number | undefined): Promise<void>;
  close(): Promise<void>;
}

type ScriptFn = (numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

export interface RedisStoreOptions {
  url: string;
  /** How long one command may take before the store counts as down (ms). */
  commandTimeoutMs?: number;
  onError?: (err: Error) => void;
}

export class RedisLimitStore implements LimitStore {
  readonly #redis: Redis;
  readonly #admit: ScriptFn;
  readonly #release: ScriptFn;
  readonly #renew: ScriptFn;

  constructor(opts: RedisStoreOptions) {
    this.#redis = new Redis(opts.url, {
      // A call must not queue behind a reconnect: while Redis is away, fail at once and let
      // the limiter's on_store_down setting decide.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.commandTimeoutMs ?? 1000,
      enableAutoPipelining: true,
      retryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
    });
    this.#redis.on('error', (err: Error) => opts.onError?.(err));
    this.#redis.defineCommand('syAdmit', { lua: ADMIT });
    this.#redis.defineCommand('syRelease', { lua: RELEASE });
    this.#redis.defineCommand('syRenew', { lua: RENEW });
    const r = this.#redis as unknown as Record<string, ScriptFn>;
    this.#admit = r.syAdmit!.bind(this.#redis);
    this.#release = r.syRelease!.bind(this.#redis);
    this.#renew = r.syRenew!.bind(this.#redis);
  }

  /** Resolves once connected, or after `timeoutMs` (the limiter copes with a store that is down). */
  ready(timeoutMs: number): Promise<boolean> {
    if (this.#redis.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.#redis.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#redis.once('ready', onReady);
    });
  }

  async admit(checks: readonly Check[], leaseId: string, leaseMs: number, now: number | undefined): Promise<AdmitResult> {
    const args: (string | number)[] = [now ?? '', leaseId, leaseMs];
    for (const c of checks) args.push(c.kind === 'rate' ? 'r' : 'c', c.limit, c.cost);
    const [index, retry] = (await this.#admit(checks.length, ...checks.map((c) => c.key), ...args)) as [number, number];
    return index === 0 ? { admitted: true } : { admitted: false, index: index - 1, retryAfterMs: retry };
  }

  async release(checks: readonly Check[], leaseId: string, deltas: readonly number[], now: number | undefined): Promise<void> {
    const args: (string | number)[] = [now ?? '', leaseId, 0];
    checks.forEach((c, i) => {
      args.push(c.kind === 'rate' ? 'r' : 'c', c.limit, deltas[i] ?? 0);
    });
    await this.#release(checks.length, ...checks.map((c) => c.key), ...args);
  }

  async renew(leases: ReadonlyArray<{ key: string; leaseId: string }>, leaseMs: number, now: number | undefined): Promise<void> {
    if (leases.length === 0) return;
    await this.#renew(leases.length, ...leases.map((l) => l.key), now ?? '', leaseMs, ...leases.map((l) => l.leaseId));
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
