// One replica's view of an escrow lease, and a request's reservation on leases. Pure
// arithmetic: the engine (escrow.ts) moves money between Postgres and these objects.
import type { BudgetDef } from './types.js';

/** Where settled amounts go (the engine queues them for the ledger flush). */
export interface SettleSink {
  noteSettled(l: LocalLease, within: bigint, overage: bigint): void;
}

export class LocalLease {
  leaseId: string | undefined;
  granted = 0n;
  held = 0n;
  consumed = 0n;
  unflushedConsumed = 0n;
  unflushedOverage = 0n;
  /** Uncommitted ledger batches (in flight, retried or spooled) holding deltas of this lease. */
  batches = 0;
  lastUsed = 0;
  /** Reserved pico-USD per ms, smoothed: sizes the next borrow to the demand. */
  rate = 0;
  windowStart = 0;
  windowAmount = 0;
  /** Replaced by a newer lease (this one was swept or closed): takes no new reservations. */
  retired = false;
  /** A no-escrow lease: exactly one reservation's amount, never shared. */
  direct = false;
  borrowing: Promise<void> | undefined;
  /**
   * Local time until which the lease is surely still open in Postgres: the last successful
   * borrow or renewal was SENT at t, so Postgres set expires_at ≥ t + ttl; we stop trusting
   * it a safety margin earlier. Past it, the lease must be renewed before it is reserved from:
   * another replica may have swept it and handed its money back to the budget.
   */
  validUntil = 0;

  constructor(
    readonly budget: BudgetDef,
    readonly periodStart: Date,
  ) {}

  get free(): bigint {
    return this.granted - this.held - this.consumed;
  }
}

/** A request's hold on every budget that applies to it. */
export class Reservation {
  #state: 'held' | 'settled' = 'held';

  constructor(
    private readonly engine: SettleSink | undefined,
    readonly leases: readonly LocalLease[],
    public amount: bigint,
  ) {}

  get state(): 'held' | 'settled' {
    return this.#state;
  }

  /**
   * Charges the actual cost and releases the rest of the hold. Idempotent: the first call
   * settles, later ones do nothing and return false. A cost above the hold is taken from the
   * lease's free money when there is some; what remains is recorded as overage.
   */
  settle(cost: bigint): boolean {
    if (this.#state === 'settled') return false;
    this.#state = 'settled';
    if (cost < 0n) cost = 0n;
    for (const l of this.leases) {
      l.held -= this.amount;
      let within = cost < this.amount ? cost : this.amount;
      const extra = cost - within;
      let overage = 0n;
      if (extra > 0n) {
        // Free money of the lease once this hold is released and `within` consumed.
        const left = l.free - within;
        const free = left > 0n && !l.retired ? left : 0n;
        const covered = extra < free ? extra : free;
        within += covered;
        overage = extra - covered;
      }
      l.consumed += within;
      this.engine?.noteSettled(l, within, overage);
    }
    return true;
  }
}

/** No budget applies: nothing is held, settling records nothing. */
export const NO_RESERVATION_LEASES: readonly LocalLease[] = Object.freeze([]);
