// Writes usage ledger rows off the request path, in batches, and in the SAME transaction
// applies the budget consumption those rows explain (escrow lease deltas): a budget's spend in
// Postgres and the ledger can never disagree, whatever crashes.
//
// Durability: a graceful shutdown (close()) drains the queue. A crash loses at most what was
// queued since the last flush (FLUSH_INTERVAL_MS): those rows and their consumption are lost
// together, and the sweeper records the lease's unaccounted money as `abandoned`.
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { applyLeaseDeltas } from '../budget/lease-store.js';
import type { LeaseDelta } from '../budget/types.js';
import { insertLedgerRows } from '../store/repos/usage.js';
import type { LedgerRow } from './types.js';

export const FLUSH_INTERVAL_MS = 200;
const MAX_BATCH = 2_000;
/**
 * Beyond this backlog (database slow or down) the writer reports itself overloaded and new
 * calls are refused before dispatch (src/server/metering.ts): rows are never dropped, and
 * memory stays bounded by what is already in flight.
 */
export const MAX_PENDING = 100_000;

export interface DeltaSource {
  takeDeltas(): LeaseDelta[];
  restoreDeltas(deltas: readonly LeaseDelta[]): void;
  commitDeltas(): void;
  hasUnflushed(): boolean;
}

export class LedgerWriter {
  #pending: LedgerRow[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  written = 0;

  constructor(
    private readonly db: Db,
    private readonly log: Pick<Logger, 'warn' | 'error'>,
    private readonly deltas?: DeltaSource,
    private readonly flushIntervalMs = FLUSH_INTERVAL_MS,
  ) {}

  append(row: LedgerRow): void {
    this.#pending.push(row);
    this.#schedule();
  }

  /** True while the backlog is over MAX_PENDING: admit no new paid call. */
  get overloaded(): boolean {
    return this.#pending.length >= MAX_PENDING;
  }

  /** Budget consumption without a row of its own still has to reach Postgres. */
  poke(): void {
    this.#schedule();
  }

  get pending(): number {
    return this.#pending.length;
  }

  #schedule(): void {
    if (this.#pending.length >= MAX_BATCH) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs).unref();
  }

  /** Writes everything queued so far (one flush at a time). Rejects only via the log. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushing = this.#flushing.then(() => this.#drain());
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0 || this.deltas?.hasUnflushed()) {
      const batch = this.#pending.slice(0, MAX_BATCH);
      // Taken in the same synchronous step as the batch: a request settles its reservation and
      // appends its row together, so a row's consumption is never applied after the row (only,
      // with a backlog over MAX_BATCH, up to one batch before it).
      const deltas = this.deltas?.takeDeltas() ?? [];
      try {
        await this.db.transaction(async (tx) => {
          await insertLedgerRows(tx, batch);
          await applyLeaseDeltas(tx, deltas);
        });
        this.deltas?.commitDeltas();
        this.#pending.splice(0, batch.length);
        this.written += batch.length;
      } catch (err) {
        this.deltas?.restoreDeltas(deltas);
        this.log.warn('usage ledger rows not written yet', { error: err, pending: this.#pending.length });
        this.#timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs * 10).unref();
        return;
      }
    }
  }

  /** Drains the queue: the last step of a graceful shutdown. */
  async close(): Promise<void> {
    await this.flush();
    if (this.#pending.length > 0) {
      this.log.error('usage ledger rows could not be written at shutdown', { lost: this.#pending.length });
    }
  }
}
