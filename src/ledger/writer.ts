// Writes usage ledger rows off the request path, in batches, and in the SAME transaction
// applies the budget consumption those rows explain (escrow lease deltas): a budget's spend in
// Postgres and the ledger can never disagree, whatever crashes.
//
// Durability: a graceful shutdown (close()) drains the queue. A crash loses at most what was
// queued since the last flush (FLUSH_INTERVAL_MS): those rows and their consumption are lost
// together, and the sweeper records the lease's unaccounted money as `abandoned`.
//
// Exactly once: every batch (rows + deltas) carries an idempotency key, claimed in its own
// transaction (ledger_batches, migration 0006). A failed flush keeps the batch as it is and
// retries it with the same key, so a flush whose COMMIT went through but whose answer was lost
// never applies its deltas twice.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { applyLeaseDeltas } from '../store/repos/budget-leases.js';
import { claimLedgerBatch, pruneLedgerBatches } from '../store/repos/ledger-batches.js';
import type { LeaseDelta } from '../store/repos/budget-leases.js';
import { copyLedgerRows, insertLedgerRows } from '../store/repos/usage.js';
import { sqlState } from '../store/db.js';
import type { LedgerRow } from '../store/repos/usage.js';

export const FLUSH_INTERVAL_MS = 200;
const MAX_BATCH = 2_000;
/**
 * Beyond this backlog (database slow or down) the writer reports itself overloaded and new
 * calls are refused before dispatch (src/server/metering.ts): rows are never dropped, and
 * memory stays bounded by what is already in flight.
 */
export const MAX_PENDING = 100_000;

/** Keys older than this are pruned (a batch is retried while its process lives, not later). */
const BATCH_KEY_DAYS = 7;
const PRUNE_EVERY_MS = 3_600_000;

/** One flush's unit of work, retried unchanged (same key) until it commits. */
interface Batch {
  key: string;
  rows: LedgerRow[];
  deltas: LeaseDelta[];
}

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
  /** The batch being written, or whose last attempt failed: retried before anything new. */
  #batch: Batch | undefined;
  #prunedAt = 0;
  written = 0;
  /** Rows the database refused for good (logged one by one; their cost still counts). */
  refused = 0;

  constructor(
    private readonly db: Db,
    private readonly log: Pick<Logger, 'warn' | 'error'>,
    private readonly deltas?: DeltaSource,
    private readonly flushIntervalMs = FLUSH_INTERVAL_MS,
  ) {}

  append(row: LedgerRow): void {
    this.#pending.push(sanitize(row));
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
    this.#flushing = this.#flushing.then(() => this.#drain()).catch((err) => this.log.error('usage ledger flush failed', { error: err }));
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    while (this.#batch || this.#pending.length > 0 || this.deltas?.hasUnflushed()) {
      // The deltas are taken in the same synchronous step as the rows: a request settles its
      // reservation and appends its row together, so a row's consumption is never applied
      // after the row (only, with a backlog over MAX_BATCH, up to one batch before it).
      const b = (this.#batch ??= { key: randomUUID(), rows: this.#pending.slice(0, MAX_BATCH), deltas: this.deltas?.takeDeltas() ?? [] });
      try {
        const fresh = await this.db.transaction(async (tx) => {
          if (!(await claimLedgerBatch(tx, b.key))) return false;
          await copyLedgerRows(tx, b.rows);
          await applyLeaseDeltas(tx, b.deltas);
          return true;
        });
        // Committed before (its answer was lost, or row by row stopped half way): only rows
        // missing are inserted; the deltas are not applied again.
        if (fresh) this.written += b.rows.length;
        else await this.#rowByRow(b);
        this.#done(b);
      } catch (first) {
        let err = first;
        if (isPermanent(err) && b.rows.length > 0) {
          // A row Postgres will never take must not hold back the others, nor the budget
          // consumption: write row by row, keep the money, and report what was refused.
          try {
            await this.#rowByRow(b);
            this.#done(b);
            continue;
          } catch (again) {
            err = again;
          }
        }
        // The batch stays as it is, key included, for the retry.
        this.log.warn('usage ledger rows not written yet', { error: err, pending: this.#pending.length });
        this.#timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs * 10).unref();
        return;
      }
    }
    if (Date.now() - this.#prunedAt > PRUNE_EVERY_MS) {
      this.#prunedAt = Date.now();
      await pruneLedgerBatches(this.db, BATCH_KEY_DAYS).catch((err) => this.log.warn('ledger batch keys not pruned', { error: err }));
    }
  }

  #done(b: Batch): void {
    this.#batch = undefined;
    this.deltas?.commitDeltas();
    this.#pending.splice(0, b.rows.length);
  }

  /** The deltas (once, by the key) in one transaction, then each row on its own, idempotently. */
  async #rowByRow(b: Batch): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (await claimLedgerBatch(tx, b.key)) await applyLeaseDeltas(tx, b.deltas);
    });
    for (const row of b.rows) {
      try {
        await insertLedgerRows(this.db, [row]);
        this.written++;
      } catch (err) {
        if (!isPermanent(err)) throw err;
        this.refused++;
        this.log.error('usage ledger row refused by the database; its cost is in the budget', {
          error: err,
          decision_id: row.decisionId,
          tenant: row.tenantId,
          cost_pico_usd: row.cost.toString(),
        });
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

/** Data errors (class 22) and constraint violations (class 23) fail the same way every time. */
function isPermanent(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

const MAX_TEXT = 512;

/** Text Postgres takes (no NUL, bounded), counts that are non-negative integers. */
function sanitize(r: LedgerRow): LedgerRow {
  const text = (v: string) => (v.length > MAX_TEXT || v.includes('\u0000') ? v.replaceAll('\u0000', '').slice(0, MAX_TEXT) : v);
  const count = (n: number) =>
    Number.isSafeInteger(n) && n >= 0 ? n : Number.isFinite(n) && n > 0 ? Math.floor(Math.min(n, Number.MAX_SAFE_INTEGER)) : 0;
  return {
    ...r,
    requestId: text(r.requestId),
    workerId: text(r.workerId),
    taskType: text(r.taskType),
    inputTokens: count(r.inputTokens),
    outputTokens: count(r.outputTokens),
    cachedInputTokens: count(r.cachedInputTokens),
    reasoningTokens: count(r.reasoningTokens),
    cost: r.cost < 0n ? 0n : r.cost,
    latencyMs: Math.min(count(r.latencyMs), 2_147_483_647),
    ...(r.ttftMs !== undefined ? { ttftMs: Math.min(count(r.ttftMs), 2_147_483_647) } : {}),
  };
}
