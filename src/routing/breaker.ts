// Circuit breakers, one per upstream endpoint (endpointKey(provider, model), health.ts): one
// model's failures say nothing about the provider's other models. A breaker opens after N
// consecutive failures, or when the error rate over a sliding window of recent outcomes passes
// a threshold; after a cooldown it lets ONE probe through (half-open): success closes it,
// failure re-opens it. A 429 that says when to come back sets a cool-down instead (coolDown):
// the endpoint is skipped until then, without counting as a failure. A provider id is one
// credential, so the key is also that credential's. The planner reads the states as a
// snapshot and excludes open endpoints with a typed reason; the executor records outcomes.
// Time is injected, so tests are exact.

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  consecutiveFailures: number;
  /** Error rate (0..1) over the window that opens the circuit, once the window has minSamples. */
  errorRate: number;
  windowSize: number;
  minSamples: number;
  /** How long an open circuit stays open before a probe is allowed. */
  cooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  consecutiveFailures: 5,
  errorRate: 0.5,
  windowSize: 20,
  minSamples: 10,
  cooldownMs: 30_000,
};

class Breaker {
  state: CircuitState = 'closed';
  consecutive = 0;
  openedAt = 0;
  probing = false;
  /** A rate limit's retry-after: no request before this time (ms, the registry's clock). */
  coolUntil = 0;
  /** Ring buffer of recent outcomes: true = failure. */
  readonly window: boolean[] = [];
  next = 0;
}

export class BreakerRegistry {
  readonly #breakers = new Map<string, Breaker>();

  constructor(
    private readonly opts: BreakerOptions = DEFAULT_BREAKER,
    private readonly now: () => number = Date.now,
  ) {}

  /** The state a planner should see now (an open circuit past its cooldown reads half-open). */
  state(endpoint: string): CircuitState {
    const b = this.#breakers.get(endpoint);
    if (!b) return 'closed';
    if (this.now() < b.coolUntil) return 'open';
    if (b.state === 'open' && this.now() - b.openedAt >= this.opts.cooldownMs) return 'half_open';
    return b.state;
  }

  /** Snapshot for the planner: only endpoints that are not closed. */
  snapshot(): Map<string, CircuitState> {
    const out = new Map<string, CircuitState>();
    for (const id of this.#breakers.keys()) {
      const s = this.state(id);
      if (s !== 'closed') out.set(id, s);
    }
    return out;
  }

  /**
   * Asks to send a request. Closed: yes. Open within cooldown: no. Half-open: yes for exactly
   * one caller at a time (the probe).
   */
  tryAcquire(endpoint: string): boolean {
    const b = this.#breakers.get(endpoint);
    if (!b) return true;
    if (this.now() < b.coolUntil) return false;
    if (b.state === 'closed') return true;
    if (b.state === 'open') {
      if (this.now() - b.openedAt < this.opts.cooldownMs) return false;
      b.state = 'half_open';
    }
    if (b.probing) return false;
    b.probing = true;
    return true;
  }

  success(endpoint: string): void {
    const b = this.#get(endpoint);
    b.consecutive = 0;
    this.#record(b, false);
    if (b.state !== 'closed') {
      b.state = 'closed';
      b.probing = false;
      b.window.length = 0;
      b.next = 0;
    }
  }

  failure(endpoint: string): void {
    const b = this.#get(endpoint);
    b.consecutive++;
    this.#record(b, true);
    if (b.state === 'half_open') return this.#open(b);
    if (b.state === 'open') return;
    const failures = b.window.filter(Boolean).length;
    const rateTripped = b.window.length >= this.opts.minSamples && failures / b.window.length >= this.opts.errorRate;
    if (b.consecutive >= this.opts.consecutiveFailures || rateTripped) this.#open(b);
  }

  /**
   * The upstream asked for a pause (a 429's retry-after): no request to this endpoint for `ms`.
   * Not a failure: the endpoint is healthy, this credential is just over its limit.
   */
  coolDown(endpoint: string, ms: number): void {
    const b = this.#get(endpoint);
    b.coolUntil = Math.max(b.coolUntil, this.now() + ms);
    b.probing = false;
  }

  /** A probe that ended neither way (e.g. the caller cancelled): let another probe try. */
  release(endpoint: string): void {
    const b = this.#breakers.get(endpoint);
    if (b) b.probing = false;
  }

  #open(b: Breaker): void {
    b.state = 'open';
    b.openedAt = this.now();
    b.probing = false;
  }

  #record(b: Breaker, failed: boolean): void {
    if (b.window.length < this.opts.windowSize) b.window.push(failed);
    else b.window[b.next] = failed;
    b.next = (b.next + 1) % this.opts.windowSize;
  }

  #get(endpoint: string): Breaker {
    let b = this.#breakers.get(endpoint);
    if (!b) this.#breakers.set(endpoint, (b = new Breaker()));
    return b;
  }
}
