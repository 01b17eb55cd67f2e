// The rate limiter of one replica (src/limits/): a Redis store shared by every replica, when
// one is configured. Without one, no limiter: config limits then fail at start-up
// (src/admin/limit-config.ts) and AdminService refuses to store limits nobody would enforce.
import type { ResolvedConfig } from '../config/load.js';
import type { LimitIndex } from '../limits/limit-index.js';
import { RateLimiter } from '../limits/limiter.js';
import { RedisLimitStore } from '../limits/redis-store.js';
import type { Logger } from '../log.js';

/** Limiter tuning for tests: a shared frozen clock makes "exactly N per minute" timing-free. */
export interface LimiterTuning {
  now?: () => number;
  leaseMs?: number;
  /** Overrides limiter.key_prefix (tests share one Redis). */
  keyPrefix?: string;
}

export interface RunningLimiter {
  limiter: RateLimiter;
  close(): Promise<void>;
}

export async function startLimiter(
  config: ResolvedConfig,
  log: Logger,
  limits: () => LimitIndex,
  tuning: LimiterTuning = {},
): Promise<RunningLimiter | undefined> {
  const url = config.limiter.redisUrl;
  if (!url) return undefined;
  let lastError = 0;
  const store = new RedisLimitStore({
    url,
    onError: (err) => {
      // ioredis reports every failed reconnect: one line every ten seconds is enough.
      const now = Date.now();
      if (now - lastError < 10_000) return;
      lastError = now;
      log.warn('rate limiter redis error', { error: err.message });
    },
  });
  if (!(await store.ready(2_000))) {
    log.warn('rate limiter redis not reachable yet; limits follow limiter.on_store_down until it is', {
      onStoreDown: config.limiter.onStoreDown,
    });
  }
  const limiter = new RateLimiter({
    store,
    limits,
    onStoreDown: config.limiter.onStoreDown,
    log,
    prefix: tuning.keyPrefix ?? config.limiter.keyPrefix,
    ...(tuning.leaseMs ? { leaseMs: tuning.leaseMs } : {}),
    ...(tuning.now ? { now: tuning.now } : {}),
  });
  return {
    limiter,
    async close() {
      limiter.close();
      await store.close();
    },
  };
}
