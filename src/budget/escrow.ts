// The budget engine of one replica: reservations are taken in memory from escrow leases,
// slices of a budget this replica has already borrowed in Postgres (lease-store.ts). A hot
// budget therefore costs one Postgres transaction per slice, not per request, and can still
// never be overspent: money is deducted from the budget in Postgres before any of it is
// reserved here.
//
// Life of the money, per (budget, period) lease:
//   granted  — borrowed into this lease (Postgres: budget_leases.granted)
//   held     — reserved by requests in flight (memory only)
//   consumed — settled cost (memory; reaches Postgres with the ledger rows, ledger/writer.ts)
//   free     — granted − held − consumed: what the next reservation can take without Postgres
// Unused money goes back when a lease sits idle, at shutdown, and (for a crashed replica) when
// another replica's sweeper finds the lease expired.
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { borrow, giveBack, renewLeases, sweepExpiredLeases } from './lease-store.js';
import { periodStart } from './period.js';
import { BudgetExhausted, type BudgetDef, type LeaseDelta } from './types.js';

export interface EscrowOptions {
  replicaId: string;
  /** A lease not renewed for this long is swept by any replica. */
  leaseTtlMs: number;
  /**
   * A borrow takes this many times the reservation that triggered it (bounded by a quarter of
   * what is free). 0: no escrow: every reservation borrows exactly its amount and every
   * release gives the rest back, one Postgres transaction each (the benchmark's baseline).
   */
  sliceMultiple: number;
  /** A lease unused for this long gives its free money back. */
  idleReturnMs: number;
  /** How often renewal, idle return and the sweep run. */
  tickMs: number;
  now?: () => number;
}

export const DEFAULT_ESCROW: Omit<EscrowOptions, 'replicaId'> = {
  leaseTtlMs: 30_000,
  sliceMultiple: 20,
  idleReturnMs: 2_000,
  tickMs: 1_000,
};

/** Borrow the next slice when free money would last less than this at the observed rate. */
const REFILL_AHEAD_MS = 250;
/** A slice holds about this long of the observed demand. */
const SLICE_DEMAND_MS = 1_000;

export class LocalLease {
  leaseId: string | undefined;
  granted = 0n;
  held = 0n;
  consumed = 0n;
  unflushedConsumed = 0n;
  unflushedOverage = 0n;
  lastUsed = 0;
  /** Reserved pico-USD per ms, smoothed: sizes the next borrow to the demand. */
  rate = 0;
  windowStart = 0;
  windowAmount = 0;
  /** Replaced by a newer lease (this one was swept or closed): takes no new reservations. */
  retired = false;
  borrowing: Promise<void> | undefined;

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
    private readonly engine: EscrowEngine | undefined,
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

export class EscrowEngine {
  /** The lease each (budget, period) reserves from now. */
  readonly #leases = new Map<string, LocalLease>();
  /** Every lease object that may still hold money, current or retired. */
  readonly #all = new Set<LocalLease>();
  readonly #dirty = new Set<LocalLease>();
  /** Leases whose deltas a ledger flush is writing now: not closable until it commits. */
  readonly #flushing = new Set<LocalLease>();
  readonly #opts: Required<EscrowOptions>;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  /** Reservations refused for want of room, and borrows made: for metrics and the bench. */
  readonly stats = { reservations: 0, refused: 0, borrows: 0, returns: 0, swept: 0 };

  constructor(
    private readonly db: Db,
    private readonly log: Pick<Logger, 'info' | 'warn'>,
    opts: EscrowOptions,
  ) {
    this.#opts = { now: Date.now, ...opts };
  }

  /** Starts renewal, idle return and the sweep of other replicas' expired leases. */
  start(): void {
    this.#timer ??= setInterval(() => void this.tick(), this.#opts.tickMs).unref();
  }

  /**
   * Holds `amount` in every budget of `budgets` at once, or in none: a budget without room
   * refuses with BudgetExhausted naming it, before any upstream call.
   */
  async reserve(budgets: readonly BudgetDef[], amount: bigint): Promise<Reservation> {
    if (budgets.length === 0 || amount <= 0n) return new Reservation(this, budgets.length === 0 ? NO_RESERVATION_LEASES : this.#current(budgets), 0n);
    if (this.#opts.sliceMultiple === 0) return this.#reserveDirect(budgets, amount);
    for (let round = 0; round < 8; round++) {
      const leases = this.#current(budgets);
      const short = leases.filter((l) => l.free < amount);
      if (short.length === 0) {
        const now = this.#opts.now();
        for (const l of leases) {
          l.held += amount;
          l.lastUsed = now;
          this.#noteDemand(l, amount, now);
        }
        this.stats.reservations++;
        return new Reservation(this, leases, amount);
      }
      // Fill the short leases in a fixed order (budget id), one borrow each.
      for (const l of short) {
        if (!(await this.#refill(l, amount))) {
          this.stats.refused++;
          throw new BudgetExhausted(l.budget, amount);
        }
      }
    }
    // Other requests kept taking the money this one borrowed: treat as no room.
    this.stats.refused++;
    throw new BudgetExhausted(budgets[0]!, amount);
  }

  /**
   * Without escrow: each reservation is a lease of exactly its amount, borrowed in budget id
   * order; if one budget refuses, the ones already borrowed are given back.
   */
  async #reserveDirect(budgets: readonly BudgetDef[], amount: bigint): Promise<Reservation> {
    const now = this.#opts.now();
    const taken: LocalLease[] = [];
    for (const b of budgets) {
      const l = new LocalLease(b, periodStart(b.period, new Date(now)));
      l.retired = true; // never shared with another reservation
      const r = await borrow(this.db, {
        budgetId: b.id,
        periodStart: l.periodStart,
        replicaId: this.#opts.replicaId,
        want: amount,
        need: amount,
        ttlMs: this.#opts.leaseTtlMs,
      });
      if (r.kind !== 'granted') {
        for (const t of taken) {
          t.held = 0n;
          await this.#giveBackFree(t, true);
        }
        this.stats.refused++;
        throw new BudgetExhausted(b, amount);
      }
      this.stats.borrows++;
      l.leaseId = r.leaseId;
      l.granted = r.granted;
      l.held = amount;
      l.lastUsed = now;
      this.#all.add(l);
      taken.push(l);
    }
    this.stats.reservations++;
    return new Reservation(this, taken, amount);
  }

  /** Settled costs not yet in Postgres; the ledger writer applies them with its rows. */
  takeDeltas(): LeaseDelta[] {
    const out: LeaseDelta[] = [];
    for (const l of this.#dirty) {
      if (l.leaseId && (l.unflushedConsumed > 0n || l.unflushedOverage > 0n)) {
        out.push({ leaseId: l.leaseId, budgetId: l.budget.id, periodStart: l.periodStart, consumed: l.unflushedConsumed, overage: l.unflushedOverage });
      }
      l.unflushedConsumed = 0n;
      l.unflushedOverage = 0n;
      this.#flushing.add(l);
    }
    this.#dirty.clear();
    return out;
  }

  /** The deltas last taken are in Postgres. */
  commitDeltas(): void {
    this.#flushing.clear();
  }

  /** A flush failed: its deltas go back to be flushed again. */
  restoreDeltas(deltas: readonly LeaseDelta[]): void {
    for (const d of deltas) {
      const l = this.#byLeaseId(d.leaseId);
      if (!l) continue;
      l.unflushedConsumed += d.consumed;
      l.unflushedOverage += d.overage;
      this.#dirty.add(l);
    }
    this.#flushing.clear();
  }

  hasUnflushed(): boolean {
    return this.#dirty.size > 0;
  }

  /** @internal called by Reservation.settle */
  noteSettled(l: LocalLease, within: bigint, overage: bigint): void {
    if (this.#opts.sliceMultiple === 0 && !l.retired) {
      // No escrow: give the unused hold back at once.
      void this.#giveBackFree(l, false);
    }
    if (within === 0n && overage === 0n) return;
    l.unflushedConsumed += within;
    l.unflushedOverage += overage;
    this.#dirty.add(l);
  }

  /** Leases as a test or the bench sees them. */
  leases(): readonly LocalLease[] {
    return [...this.#all];
  }

  /**
   * Returns every lease's free money and closes the leases that hold nothing. Call after the
   * servers have drained and the ledger writer has flushed (so consumption is in Postgres).
   */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled([...this.#all].map((l) => this.#giveBackFree(l, true)));
  }

  /** One round of background work. Exposed for tests. */
  async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const now = this.#opts.now();
      if (this.#all.size > 0) await renewLeases(this.db, this.#opts.replicaId, this.#opts.leaseTtlMs);
      for (const l of [...this.#all]) {
        if (!l.leaseId && l.held === 0n && !l.borrowing) {
          this.#all.delete(l); // never borrowed anything
          if (this.#leases.get(keyOf(l)) === l) this.#leases.delete(keyOf(l));
        } else if (l.retired || now - l.lastUsed >= this.#opts.idleReturnMs) {
          await this.#giveBackFree(l, true);
        }
      }
      const swept = await sweepExpiredLeases(this.db);
      for (const s of swept) {
        this.stats.swept++;
        this.log.warn('swept an expired budget lease', {
          lease: s.leaseId,
          budget: s.budgetId,
          replica: s.replicaId,
          abandoned_pico_usd: s.abandoned.toString(),
        });
      }
    } catch (err) {
      this.log.warn('budget lease maintenance failed', { error: err });
    } finally {
      this.#ticking = false;
    }
  }

  #current(budgets: readonly BudgetDef[]): LocalLease[] {
    const now = this.#opts.now();
    const out: LocalLease[] = [];
    for (const b of budgets) {
      const start = periodStart(b.period, new Date(now));
      const key = leaseKey(b.id, start);
      let l = this.#leases.get(key);
      if (!l || l.retired) {
        l = new LocalLease(b, start);
        this.#leases.set(key, l);
        this.#all.add(l);
      }
      out.push(l);
    }
    return out;
  }

  #byLeaseId(leaseId: string): LocalLease | undefined {
    for (const l of this.#all) if (l.leaseId === leaseId) return l;
    return undefined;
  }

  /**
   * Tracks the lease's demand and, when its free money falls under about a quarter second of
   * it, borrows the next slice in the background, so that under steady load reservations do
   * not wait for Postgres at all.
   */
  #noteDemand(l: LocalLease, amount: bigint, now: number): void {
    l.windowAmount += Number(amount);
    const span = now - l.windowStart;
    if (span >= 100) {
      const observed = l.windowAmount / span;
      l.rate = l.rate === 0 ? observed : 0.5 * l.rate + 0.5 * observed;
      l.windowStart = now;
      l.windowAmount = 0;
    }
    const lowWater = BigInt(Math.ceil(l.rate * REFILL_AHEAD_MS)) + amount * 2n;
    if (l.free < lowWater && !l.borrowing && !l.retired) {
      void this.#refill(l, amount, true).catch((err) => this.log.warn('budget lease refill failed', { error: err }));
    }
  }

  /**
   * Borrows so that `l` can hold `amount`; false when the budget has no room. `ahead`: a
   * background top-up while `l` still has room.
   */
  async #refill(l: LocalLease, amount: bigint, ahead = false): Promise<boolean> {
    while (l.borrowing) {
      if (ahead) return true;
      await l.borrowing;
      if (l.free >= amount) return true;
      if (l.retired) return true; // the caller re-reads the current lease
    }
    if (l.free >= amount && !ahead) return true;
    const need = ahead ? amount : amount - (l.free > 0n ? l.free : 0n);
    const multiple = BigInt(this.#opts.sliceMultiple);
    // A slice: some multiple of this request, or about a second of the observed demand.
    const byRate = BigInt(Math.ceil(l.rate * SLICE_DEMAND_MS));
    const bySize = multiple > 0n ? amount * multiple : need;
    const want = byRate > bySize ? byRate : bySize;
    let ok = false;
    l.borrowing = (async () => {
      const r = await borrow(this.db, {
        budgetId: l.budget.id,
        periodStart: l.periodStart,
        leaseId: l.leaseId,
        replicaId: this.#opts.replicaId,
        want: want > need ? want : need,
        need,
        ttlMs: this.#opts.leaseTtlMs,
      });
      if (r.kind !== 'granted') return;
      this.stats.borrows++;
      ok = true;
      if (l.leaseId === undefined || l.leaseId === r.leaseId) {
        l.leaseId = r.leaseId;
        l.granted += r.granted;
        this.#all.add(l); // whatever holds money must be returned some day
      } else {
        // The old lease was swept (this replica failed to renew it): start a new one.
        const fresh = new LocalLease(l.budget, l.periodStart);
        fresh.leaseId = r.leaseId;
        fresh.granted = r.granted;
        l.retired = true;
        this.#all.add(fresh);
        const key = keyOf(l);
        const cur = this.#leases.get(key);
        if (!cur || cur === l || cur.retired) this.#leases.set(key, fresh);
      }
    })().finally(() => {
      l.borrowing = undefined;
    });
    await l.borrowing;
    return ok;
  }

  /** Gives a lease's free money back; closes it when nothing is held or unflushed. */
  async #giveBackFree(l: LocalLease, mayClose: boolean): Promise<void> {
    if (!l.leaseId || l.borrowing) return;
    const amount = l.free > 0n ? l.free : 0n;
    const close =
      mayClose && l.held === 0n && !this.#dirty.has(l) && !this.#flushing.has(l) && l.granted - l.consumed === amount;
    if (amount === 0n && !close) return;
    l.granted -= amount;
    const key = keyOf(l);
    if (close) {
      l.retired = true;
      this.#all.delete(l);
      if (this.#leases.get(key) === l) this.#leases.delete(key);
    }
    try {
      await giveBack(this.db, l.leaseId, amount, close);
      this.stats.returns++;
    } catch (err) {
      // Not returned: the money stays with the lease (the sweeper returns it if we die).
      l.granted += amount;
      if (close) {
        this.#all.add(l);
        if (!this.#leases.has(key)) {
          l.retired = false;
          this.#leases.set(key, l);
        }
      }
      this.log.warn('could not return budget lease money', { error: err, lease: l.leaseId });
    }
  }
}

const leaseKey = (budgetId: string, start: Date) => `${budgetId}\u0000${start.getTime()}`;
const keyOf = (l: LocalLease) => leaseKey(l.budget.id, l.periodStart);
