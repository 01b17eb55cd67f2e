// The budget engine of one replica: reservations are taken in memory from escrow leases,
// slices of a budget this replica has already borrowed in Postgres
// (src/store/repos/budget-leases.ts). A hot budget therefore costs one Postgres transaction per
// slice, not per request, and can still never be overspent: money is deducted from the budget
// in Postgres before any of it is reserved here.
//
// Life of the money, per (budget, period) lease:
//   granted  — borrowed into this lease (Postgres: budget_leases.granted)
//   held     — reserved by requests in flight (memory only)
//   consumed — settled cost (memory; reaches Postgres with the ledger rows, ledger/writer.ts)
//   free     — granted − held − consumed: what the next reservation can take without Postgres
// Unused money goes back when a lease sits idle, at shutdown, and (for a crashed replica) when
// another replica's sweeper finds the lease expired; calls that were in flight on it are then
// settled at what they held, from the intents the ledger wrote (src/store/repos/call-intents.ts).
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import {
  borrow,
  giveBack,
  renewLeases,
  settleDeadReplicaIntents,
  sweepExpiredLeases,
  type BorrowResult,
} from '../store/repos/budget-leases.js';
import { periodStart } from '../store/repos/budgets.js';
import { dbNow, recallExcess } from '../store/repos/budget-recall.js';
import { BudgetExhausted, type BudgetDef, type LeaseDelta } from './types.js';
import { LocalLease, NO_RESERVATION_LEASES, Reservation, type SettleSink } from './lease.js';

export { LocalLease, NO_RESERVATION_LEASES, Reservation };

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

export class EscrowEngine implements SettleSink {
  /** The lease each (budget, period) reserves from now. */
  readonly #leases = new Map<string, LocalLease>();
  /** Every lease object that may still hold money, current or retired. */
  readonly #all = new Set<LocalLease>();
  readonly #dirty = new Set<LocalLease>();
  /**
   * Leases whose deltas are in a ledger batch not committed yet, by batch key: written now,
   * retried, or spooled to disk while Postgres is away (src/ledger/writer.ts). Such a lease is
   * not closable until every batch it is in commits (LocalLease.batches counts them).
   */
  readonly #inBatch = new Map<string, LocalLease[]>();
  /** Settled cost on budgets no lease was ever borrowed for (a call estimated at 0). */
  #leaseless = new Map<string, LeaseDelta>();
  readonly #opts: Required<EscrowOptions>;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #closing = false;
  /** Reservations refused for want of room, and borrows made: for metrics and the bench. */
  readonly stats = { reservations: 0, refused: 0, borrows: 0, returns: 0, swept: 0, recalled: 0n };
  /**
   * Database clock minus local clock (ms), measured every tick and on every borrow Postgres
   * refused for a stale period: budget periods follow the database's clock, so replicas whose
   * clocks disagree still agree on when a day or month begins.
   */
  #skew = 0;

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
   * How long before Postgres's expiry a lease stops being trusted locally: a third of the TTL
   * (clock drift between here and Postgres, a slow renewal). Renewal runs every tick, which
   * must be shorter than that (app.ts checks the configuration).
   */
  get #margin(): number {
    return Math.floor(this.#opts.leaseTtlMs / 3);
  }

  /** The database's time now, as well as this replica knows it. */
  #dbTime(): number {
    return this.#opts.now() + this.#skew;
  }

  #usable(l: LocalLease, amount: bigint, now: number): boolean {
    return !l.retired && now < l.validUntil && l.free >= amount;
  }

  /**
   * Holds `amount` in every budget of `budgets` at once, or in none: a budget without room
   * refuses with BudgetExhausted naming it, before any upstream call.
   */
  async reserve(budgets: readonly BudgetDef[], amount: bigint): Promise<Reservation> {
    if (budgets.length === 0) return new Reservation(this, NO_RESERVATION_LEASES, 0n);
    // Nothing to hold (an unpriced call): settle() still records any cost it turns out to have.
    if (amount <= 0n) return new Reservation(this, this.#current(budgets), 0n);
    if (this.#opts.sliceMultiple === 0) return this.#reserveDirect(budgets, amount);
    let live = budgets;
    let last: BudgetDef = budgets[0]!;
    for (let round = 0; round < 8; round++) {
      const leases = this.#current(live);
      const now = this.#opts.now();
      const short = leases.filter((l) => !this.#usable(l, amount, now));
      if (short.length === 0) {
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
        last = l.budget;
        const r = await this.#refill(l, amount);
        if (r === 'no_room') {
          this.stats.refused++;
          throw new BudgetExhausted(l.budget, amount);
        }
        // Deleted since this replica last loaded its budgets: it no longer applies.
        if (r === 'gone') live = live.filter((b) => b.id !== l.budget.id);
      }
      if (live.length === 0) return new Reservation(this, NO_RESERVATION_LEASES, 0n);
    }
    // Other requests kept taking the money this one borrowed: treat as no room.
    this.stats.refused++;
    throw new BudgetExhausted(last, amount);
  }

  /**
   * Without escrow: each reservation is a lease of exactly its amount, borrowed in budget id
   * order; if one budget refuses (or the database fails), the ones already borrowed go back.
   */
  async #reserveDirect(budgets: readonly BudgetDef[], amount: bigint, again = true): Promise<Reservation> {
    const now = this.#opts.now();
    const dbTime = this.#dbTime();
    const taken: LocalLease[] = [];
    const undo = async () => {
      for (const t of taken) {
        t.held = 0n;
        await this.#giveBackFree(t, true);
      }
    };
    for (const b of budgets) {
      const l = new LocalLease(b, periodStart(b.period, new Date(dbTime)));
      l.retired = true; // never reserved from by anyone else
      l.direct = true;
      let r: BorrowResult;
      try {
        r = await borrow(this.db, {
          budgetId: b.id,
          periodStart: l.periodStart,
          replicaId: this.#opts.replicaId,
          want: amount,
          need: amount,
          ttlMs: this.#opts.leaseTtlMs,
        });
      } catch (err) {
        await undo();
        throw err;
      }
      if (r.kind === 'gone') continue;
      if (r.kind === 'stale_period' && again) {
        // This replica's idea of the period was wrong: learn the database clock, start over.
        await undo();
        this.#skew = r.dbNow.getTime() - now;
        return this.#reserveDirect(budgets, amount, false);
      }
      if (r.kind !== 'granted') {
        await undo();
        this.stats.refused++;
        throw new BudgetExhausted(b, amount);
      }
      this.stats.borrows++;
      l.leaseId = r.leaseId;
      l.granted = r.granted;
      l.held = amount;
      l.lastUsed = now;
      l.validUntil = now + this.#opts.leaseTtlMs - this.#margin;
      this.#all.add(l);
      taken.push(l);
    }
    this.stats.reservations++;
    return new Reservation(this, taken, amount);
  }

  /** Settled costs not yet in Postgres, for ledger batch `key`, which applies them with its rows. */
  takeDeltas(key: string): LeaseDelta[] {
    const out: LeaseDelta[] = [...this.#leaseless.values()];
    this.#leaseless = new Map();
    const leases = [...this.#dirty];
    for (const l of leases) {
      if (l.unflushedConsumed > 0n || l.unflushedOverage > 0n) {
        out.push({
          leaseId: l.leaseId ?? '',
          budgetId: l.budget.id,
          periodStart: l.periodStart,
          consumed: l.unflushedConsumed,
          overage: l.unflushedOverage,
        });
      }
      l.unflushedConsumed = 0n;
      l.unflushedOverage = 0n;
      l.batches++;
    }
    this.#dirty.clear();
    if (leases.length > 0) this.#inBatch.set(key, leases);
    return out;
  }

  /** Batch `key` committed (its deltas are in Postgres); unknown keys (another process's) are ignored. */
  commitDeltas(key: string): void {
    for (const l of this.#inBatch.get(key) ?? []) l.batches--;
    this.#inBatch.delete(key);
  }

  hasUnflushed(): boolean {
    return this.#dirty.size > 0 || this.#leaseless.size > 0;
  }

  /** @internal called by Reservation.settle */
  noteSettled(l: LocalLease, within: bigint, overage: bigint): void {
    if (l.direct) {
      // No escrow: give the unused hold back at once (the lease closes once flushed).
      void this.#giveBackFree(l, false);
    }
    if (within === 0n && overage === 0n) return;
    if (!l.leaseId) {
      // Never borrowed (a call reserved at 0 that did cost something): all of it is overage.
      this.#addLeaseless({ leaseId: '', budgetId: l.budget.id, periodStart: l.periodStart, consumed: 0n, overage: within + overage });
      l.consumed -= within;
      return;
    }
    l.unflushedConsumed += within;
    l.unflushedOverage += overage;
    this.#dirty.add(l);
  }

  #addLeaseless(d: LeaseDelta): void {
    const key = leaseKey(d.budgetId, d.periodStart);
    const prev = this.#leaseless.get(key);
    this.#leaseless.set(
      key,
      prev ? { ...prev, consumed: prev.consumed + d.consumed, overage: prev.overage + d.overage } : { ...d, leaseId: '' },
    );
  }

  /** Leases as a test or the bench sees them. */
  leases(): readonly LocalLease[] {
    return [...this.#all];
  }

  /** Waits (up to `timeoutMs`) until no reservation is held: calls still finishing settle. */
  async drain(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (![...this.#all].some((l) => l.held > 0n)) return true;
      if (Date.now() >= end) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Returns every lease's free money and closes the leases that hold nothing. Call after the
   * servers have drained and the ledger writer has flushed (so consumption is in Postgres).
   */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#tick;
    await Promise.allSettled([...this.#all].map((l) => l.borrowing));
    await Promise.allSettled([...this.#all].map((l) => this.#giveBackFree(l, true)));
    const open = [...this.#all].filter((l) => l.leaseId && l.held > 0n);
    if (open.length > 0) {
      this.log.warn('budget leases still held at shutdown; the sweeper will return them', { leases: open.length });
    }
  }

  /** One round of background work: renew, return idle money, sweep. Exposed for tests. */
  tick(): Promise<void> {
    this.#tick ??= this.#runTick().finally(() => {
      this.#tick = undefined;
    });
    return this.#tick;
  }

  async #runTick(): Promise<void> {
    try {
      const sent = this.#opts.now();
      const db = (await dbNow(this.db)).getTime();
      this.#skew = db - Math.round((sent + this.#opts.now()) / 2);
      await this.#renew();
      const now = this.#opts.now();
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
      // Two lease lifetimes after a sweep, a replica that has not borrowed since is dead: its
      // calls in flight are charged at their hold (a live one charges them itself).
      for (const s of await settleDeadReplicaIntents(this.db, 2 * this.#opts.leaseTtlMs)) {
        this.log.warn('settled the calls a dead replica had in flight', {
          lease: s.leaseId,
          budget: s.budgetId,
          replica: s.replicaId,
          calls_settled: s.calls,
          settled_pico_usd: s.settled.toString(),
        });
      }
    } catch (err) {
      this.log.warn('budget lease maintenance failed', { error: err });
    }
  }

  /**
   * Renews this replica's open leases. A local lease Postgres no longer has open (swept while
   * this replica could not renew it) is retired at once: its money went back to the budget.
   */
  async #renew(): Promise<void> {
    if (this.#all.size === 0) return;
    const sentAt = this.#opts.now();
    const renewed = new Map((await renewLeases(this.db, this.#opts.replicaId, this.#opts.leaseTtlMs)).map((r) => [r.id, r.excess]));
    for (const l of [...this.#all]) {
      if (!l.leaseId) continue;
      const excess = renewed.get(l.leaseId);
      if (excess !== undefined) {
        l.validUntil = Math.max(l.validUntil, sentAt + this.#opts.leaseTtlMs - this.#margin);
        if (excess > 0n) await this.#recall(l, excess);
      } else if (!l.borrowing && l.validUntil <= sentAt + this.#opts.leaseTtlMs - this.#margin) {
        // Granted before this renewal and not open any more.
        this.#retire(l);
      }
    }
  }

  /**
   * The budget's limit was lowered below what its period has spent and lent: give back the
   * lease's free money, up to the excess (Postgres caps it, so replicas recalling together
   * give back the excess once). Held money stays held: those calls were admitted.
   */
  async #recall(l: LocalLease, excess: bigint): Promise<void> {
    if (!l.leaseId || l.borrowing || l.free <= 0n) return;
    const offer = l.free < excess ? l.free : excess;
    l.granted -= offer; // not reservable while Postgres decides
    let back = 0n;
    try {
      back = await recallExcess(this.db, l.leaseId, offer);
      this.stats.recalled += back;
    } finally {
      l.granted += offer - back;
    }
    if (back > 0n)
      this.log.info('recalled budget lease money after a lowered limit', {
        lease: l.leaseId,
        budget: l.budget.id,
        pico_usd: back.toString(),
      });
  }

  #retire(l: LocalLease): void {
    l.retired = true;
    const key = keyOf(l);
    if (this.#leases.get(key) === l) this.#leases.delete(key);
    // Kept in #all while requests still hold on it or its consumption is unflushed.
    if (l.held === 0n && !this.#dirty.has(l) && l.batches === 0) this.#all.delete(l);
  }

  #current(budgets: readonly BudgetDef[]): LocalLease[] {
    const now = this.#dbTime();
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
    if (l.free < lowWater && !l.borrowing && !l.retired && !this.#closing) {
      void this.#refill(l, amount, true).catch((err) => this.log.warn('budget lease refill failed', { error: err }));
    }
  }

  /**
   * Borrows so that `l` can hold `amount` (and renews it if it is no longer trusted). 'ok'
   * also when `l` was replaced meanwhile: the caller re-reads the current lease. `ahead`: a
   * background top-up while `l` still has room.
   */
  async #refill(l: LocalLease, amount: bigint, ahead = false): Promise<'ok' | 'no_room' | 'gone'> {
    while (l.borrowing) {
      if (ahead) return 'ok';
      await l.borrowing;
      if (l.retired || this.#usable(l, amount, this.#opts.now())) return 'ok';
    }
    if (l.retired) return 'ok';
    const sentAt = this.#opts.now();
    if (!ahead && this.#usable(l, amount, sentAt)) return 'ok';
    const free = l.free > 0n ? l.free : 0n;
    // Only a renewal when the lease has room but is no longer trusted: need 0.
    const need = ahead ? amount : amount > free ? amount - free : 0n;
    const multiple = BigInt(this.#opts.sliceMultiple);
    // A slice: some multiple of this request, or about a second of the observed demand.
    const byRate = BigInt(Math.ceil(l.rate * SLICE_DEMAND_MS));
    const bySize = need === 0n ? 0n : amount * multiple;
    const want = byRate > bySize ? byRate : bySize;
    let outcome: 'ok' | 'no_room' | 'gone' = 'no_room';
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
      if (r.kind === 'stale_period') {
        // The period ended (or has not begun) by the database clock: learn its clock; the
        // caller's next round picks the lease of the database's current period.
        this.#skew = r.dbNow.getTime() - sentAt;
        this.#retire(l);
        outcome = 'ok';
        return;
      }
      if (r.kind !== 'granted') {
        outcome = r.kind;
        return;
      }
      this.stats.borrows++;
      outcome = 'ok';
      const validUntil = sentAt + this.#opts.leaseTtlMs - this.#margin;
      if (!l.retired && (l.leaseId === undefined || l.leaseId === r.leaseId)) {
        l.leaseId = r.leaseId;
        l.granted += r.granted;
        l.validUntil = validUntil;
      } else {
        // The old lease was swept or closed meanwhile: the money is in a new one.
        const fresh = new LocalLease(l.budget, l.periodStart);
        fresh.leaseId = r.leaseId;
        fresh.granted = r.granted;
        fresh.validUntil = validUntil;
        this.#retire(l);
        this.#all.add(fresh);
        const key = keyOf(l);
        const cur = this.#leases.get(key);
        if (!cur || cur === l || cur.retired) this.#leases.set(key, fresh);
      }
    })().finally(() => {
      l.borrowing = undefined;
    });
    await l.borrowing;
    return outcome;
  }

  /** Gives a lease's free money back; closes it when nothing is held or unflushed. */
  async #giveBackFree(l: LocalLease, mayClose: boolean): Promise<void> {
    if (!l.leaseId || l.borrowing) return;
    const amount = l.free > 0n ? l.free : 0n;
    const close = mayClose && l.held === 0n && !this.#dirty.has(l) && l.batches === 0;
    if (amount === 0n && !close) return;
    l.granted -= amount;
    if (close) {
      l.retired = true;
      this.#all.delete(l);
      if (this.#leases.get(keyOf(l)) === l) this.#leases.delete(keyOf(l));
    }
    let open: boolean;
    try {
      open = await giveBack(this.db, l.leaseId, amount, close);
      this.stats.returns++;
    } catch (err) {
      // Not returned: the money stays with the lease (the sweeper returns it if we die).
      l.granted += amount;
      if (close) {
        this.#all.add(l);
        if (!this.#leases.has(keyOf(l)) && !this.#closing) {
          l.retired = false;
          this.#leases.set(keyOf(l), l);
        }
      }
      this.log.warn('could not return budget lease money', { error: err, lease: l.leaseId });
      return;
    }
    // Not open any more: it was swept (its money already went back); never reserve from it.
    if (!open) this.#retire(l);
  }
}

const leaseKey = (budgetId: string, start: Date) => `${budgetId}\u0000${start.getTime()}`;
const keyOf = (l: LocalLease) => leaseKey(l.budget.id, l.periodStart);
