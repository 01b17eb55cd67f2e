// Whether this replica should be sent new calls. The database is probed on a timer, not per
// request: a readiness probe every few seconds from every kubelet and load balancer must not
// become database load, and a call never waits on this. Draining (SIGTERM) wins over all.
// Every change is pushed to the gRPC health service too, so gRPC load balancers see the same.
import type { Logger } from '../log.js';
import type { Queryable } from '../store/db.js';

export interface ReadinessOptions {
  db: Queryable;
  log: Logger;
  /** Called with the new state whenever readiness changes. */
  onChange?: (ready: boolean) => void;
  /** How often the database is probed. */
  intervalMs?: number;
  /** A probe slower than this counts as unreachable (a hung connection must not stay "ready"). */
  timeoutMs?: number;
}

export const DEFAULT_READINESS_INTERVAL_MS = 5_000;
const DEFAULT_TIMEOUT_MS = 2_000;

export class Readiness {
  #draining = false;
  #dbReachable = true;
  #lastReady = true;
  #timer: NodeJS.Timeout | undefined;
  #probing = false;
  readonly #opts: ReadinessOptions;

  constructor(opts: ReadinessOptions) {
    this.#opts = opts;
  }

  /** Starts the periodic database probe (the first probe runs at once). */
  start(): void {
    void this.probe();
    this.#timer = setInterval(() => void this.probe(), this.#opts.intervalMs ?? DEFAULT_READINESS_INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  notReadyReasons(): string[] {
    const reasons: string[] = [];
    if (this.#draining) reasons.push('draining');
    if (!this.#dbReachable) reasons.push('database unreachable');
    return reasons;
  }

  /** The replica is shutting down: not ready from now on, whatever the database says. */
  drain(): void {
    this.#draining = true;
    this.#publish();
  }

  /** One database round trip; overlapping probes are skipped (a slow one is still running). */
  async probe(): Promise<void> {
    if (this.#probing) return;
    this.#probing = true;
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#opts.db.query('SELECT 1'),
        new Promise((_, reject) => {
          timeout = setTimeout(() => reject(new Error('readiness probe timed out')), this.#opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
        }),
      ]);
      if (!this.#dbReachable) this.#opts.log.info('database reachable again: ready');
      this.#dbReachable = true;
    } catch (err) {
      if (this.#dbReachable) this.#opts.log.warn('database unreachable: not ready', { error: err });
      this.#dbReachable = false;
    } finally {
      clearTimeout(timeout);
      this.#probing = false;
    }
    this.#publish();
  }

  #publish(): void {
    const ready = this.notReadyReasons().length === 0;
    if (ready === this.#lastReady) return;
    this.#lastReady = ready;
    this.#opts.onChange?.(ready);
  }
}
