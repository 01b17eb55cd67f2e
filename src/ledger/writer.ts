// Writes usage ledger rows off the request path, in batches, and in the SAME transaction
// applies the budget consumption those rows explain (escrow lease deltas): a budget's spend in
// Postgres and the ledger can never disagree, whatever crashes.
//
// Exactly once: every batch (rows + deltas) carries an idempotency key, claimed in its own
// transaction (ledger_batches, migration 0006, src/ledger/ledger-batch.ts). A failed flush
// keeps the batch as it is and retries it with the same key, so a flush whose COMMIT went
// through but whose answer was lost never applies its deltas twice.
//
// While Postgres is away (issue 12 §4): rows queue in memory up to `maxPending`; past it, whole
// batches (key, rows and the deltas taken with them) go to the local spool (src/ledger/spool.ts)
// and are replayed, oldest first and under the same key, once Postgres answers. Their leases
// stay unclosable until then (EscrowEngine.takeDeltas/commitDeltas). Rows are never dropped:
// when even the spool is full the writer reports itself `overloaded` and paid calls are
// refused before dispatch (src/calls/metering.ts). A graceful shutdown (close()) writes what
// it can and spools the rest. A crash loses what was queued in memory since the last flush
// or spill: those rows and their consumption together. Calls in flight leave intents
// (intend(), written with the batches) that the lease sweeper settles at their hold.
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { applyLeaseDeltas } from '../store/repos/budget-leases.js';
import { claimLedgerBatch, pruneLedgerBatches } from '../store/repos/ledger-batches.js';
import { deleteIntents, insertIntents, pruneIntents, type CallIntent } from '../store/repos/call-intents.js';
import type { LeaseDelta } from '../store/repos/budget-leases.js';
import { copyLedgerRows, insertLedgerRows } from '../store/repos/usage.js';
import { sqlState } from '../store/db.js';
import type { LedgerRow } from '../store/repos/usage.js';
import { RateLimitedLog, type QueueStats } from './backlog.js';
import { decodeBatch, encodeBatch, newBatch, RowQueue, sanitize, sanitizeIntent, type LedgerBatch } from './ledger-batch.js';
import type { Spool } from './spool.js';

export const FLUSH_INTERVAL_MS = 200;
const MAX_BATCH = 2_000;
/** Past this many rows in memory, batches go to the spool (or, without room there, calls are refused). */
export const MAX_PENDING = 100_000;

/** Keys older than this are pruned (a batch is retried while its process lives, or replayed from its spool). */
const BATCH_KEY_DAYS = 7;
const PRUNE_EVERY_MS = 3_600_000;

/** Where the deltas come from (the escrow engine): per batch key, so a spooled batch's leases stay open. */
export interface DeltaSource {
  takeDeltas(key: string): LeaseDelta[];
  commitDeltas(key: string): void;
  hasUnflushed(): boolean;
}

export interface LedgerWriterOptions {
  /** Where batches past `maxPending` go while Postgres is away; without one, calls are refused there. */
  spool?: Spool;
  maxPending?: number;
  flushIntervalMs?: number;
  logEveryMs?: number;
}

export class LedgerWriter {
  readonly #queue = new RowQueue();
  /** Batches taken but not committed: the one being written or retried first, then spool refusals. */
  #batches: LedgerBatch[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  /** A flush is queued behind the running one: later requests join it. */
  #queued = false;
  /** The last write failed: only the retry timer flushes (no flush per row). */
  #failing = false;
  #spilling: Promise<void> | undefined;
  /** The spool refused the last batch (disk bound or error): retried by flushes only. */
  #spoolFull = false;
  #prunedAt = 0;
  /** Intents of calls in flight, not taken into a batch yet. */
  readonly #intents = new Map<string, CallIntent>();
  /** Calls whose intent is in a batch (written or on its way): their end must delete it. */
  readonly #sent = new Set<string>();
  #ended: string[] = [];
  readonly #maxPending: number;
  readonly #interval: number;
  readonly #spool: Spool | undefined;
  readonly #backlog: RateLimitedLog;
  written = 0;
  /** Rows the database refused for good (logged one by one; their cost still counts). */
  refused = 0;

  constructor(
    private readonly db: Db,
    private readonly log: Pick<Logger, 'warn' | 'error'>,
    private readonly deltas?: DeltaSource,
    opts: LedgerWriterOptions = {},
  ) {
    this.#maxPending = opts.maxPending ?? MAX_PENDING;
    this.#interval = opts.flushIntervalMs ?? FLUSH_INTERVAL_MS;
    this.#spool = opts.spool;
    this.#backlog = new RateLimitedLog(log, opts.logEveryMs);
  }

  /**
   * A call now holds money on leases: the next flush writes its intent (batched, no round trip
   * of its own), so that if this process dies mid-call the sweeper settles it at the held
   * amount. A call that ends before that flush never reaches the table.
   */
  intend(intent: CallIntent): void {
    if (intent.leaseIds.length === 0) return;
    this.#intents.set(intent.decisionId, sanitizeIntent(intent));
    this.#schedule();
  }

  append(row: LedgerRow): void {
    if (!this.#intents.delete(row.decisionId) && this.#sent.delete(row.decisionId)) this.#ended.push(row.decisionId);
    this.#queue.push(sanitize(row));
    if (this.#queue.length >= this.#maxPending && this.#spool && !this.#spoolFull) void this.#spill();
    this.#schedule();
  }

  /** True while the backlog is over `maxPending` and the spool takes nothing: admit no new paid call. */
  get overloaded(): boolean {
    return this.pending >= this.#maxPending && (!this.#spool || this.#spoolFull);
  }

  /** Budget consumption without a row of its own still has to reach Postgres. */
  poke(): void {
    this.#schedule();
  }

  /** Rows in memory, not written yet. */
  get pending(): number {
    return this.#queue.length + this.#batches.reduce((n, b) => n + b.rows.length, 0);
  }

  /** Queue figures (metrics, the log). `spooled` counts batches on disk; nothing is ever dropped. */
  stats(): QueueStats {
    return { pending: this.pending, spooled: this.#spool?.records ?? 0, dropped: 0 };
  }

  /** Rows, consumption or intents not taken into a batch yet. */
  #hasWork(): boolean {
    return this.#queue.length > 0 || this.#intents.size > 0 || this.#ended.length > 0 || (this.deltas?.hasUnflushed() ?? false);
  }

  #schedule(): void {
    if (this.#failing) return; // the retry timer is set
    if (this.#queue.length >= MAX_BATCH && !this.#queued) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.#interval).unref();
  }

  /** The next batch: rows from the head of the queue and the deltas settled with them, in one synchronous step. */
  #take(rows: number): LedgerBatch {
    const b = newBatch(this.#queue.take(rows));
    b.deltas = this.deltas?.takeDeltas(b.key) ?? [];
    b.intents = [...this.#intents.values()];
    for (const i of b.intents) this.#sent.add(i.decisionId);
    this.#intents.clear();
    b.ended = this.#ended;
    this.#ended = [];
    return b;
  }

  /** Moves batches from the head of the queue to the spool until it is under half its bound. */
  #spill(): Promise<void> {
    this.#spilling ??= (async () => {
      while (this.#spool && !this.#spoolFull && this.#queue.length >= this.#maxPending / 2) {
        const b = this.#take(MAX_BATCH);
        const taken = await this.#spool.append([encodeBatch(b)]).catch((err) => {
          this.#backlog.warn('usage ledger spool write failed', { error: err });
          return 0;
        });
        if (taken === 0) {
          // Kept in memory (never dropped); new paid calls are refused while this lasts.
          this.#spoolFull = true;
          this.#batches.push(b);
          this.#backlog.warn('usage ledger queue and spool are full: paid calls are refused', { ...this.stats() });
        }
      }
    })().finally(() => {
      this.#spilling = undefined;
    });
    return this.#spilling;
  }

  /** Writes everything queued so far, then replays the spool (one flush at a time; callers arriving while one waits share it). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#queued) return this.#flushing;
    this.#queued = true;
    this.#flushing = this.#flushing
      .then(async () => {
        this.#queued = false;
        if (this.#spoolFull && this.#queue.length >= this.#maxPending / 2) this.#spoolFull = false; // try the disk again
        await this.#spill();
        await this.#drain();
      })
      .catch((err) => this.log.error('usage ledger flush failed', { error: err }));
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#batches.length > 0 || this.#hasWork()) {
        if (this.#batches.length === 0) this.#batches.push(this.#take(MAX_BATCH));
        const b = this.#batches[0]!;
        await this.#write(b);
        this.#batches.shift();
        this.deltas?.commitDeltas(b.key);
      }
      // Adopts what a crashed process left (once), then replays one segment per flush, so the
      // live queue is not held up behind a deep spool.
      await this.#spool?.open().catch(() => undefined);
      if (this.#spool && this.#spool.records > 0) {
        await this.#spool.replay(
          async (lines) => {
            for (const line of lines) {
              const b = decodeBatch(line);
              await this.#write(b);
              this.deltas?.commitDeltas(b.key);
            }
          },
          1,
          1,
        );
        this.#spoolFull = false;
        if (this.#spool.records > 0) this.#timer ??= setTimeout(() => void this.flush(), 0).unref();
      }
      this.#failing = false;
    } catch (err) {
      // Batches stay as they are, keys included, for the retry.
      this.#failing = true;
      this.#backlog.warn('usage ledger rows not written yet', { error: err, ...this.stats() });
      this.#timer ??= setTimeout(() => void this.flush(), this.#interval * 10).unref();
      return;
    }
    if (Date.now() - this.#prunedAt > PRUNE_EVERY_MS) {
      this.#prunedAt = Date.now();
      await pruneLedgerBatches(this.db, BATCH_KEY_DAYS).catch((err) => this.log.warn('ledger batch keys not pruned', { error: err }));
      await pruneIntents(this.db).catch((err) => this.log.warn('stale call intents not pruned', { error: err }));
    }
  }

  /** One batch, exactly once. Throws (the batch is kept) when Postgres is away. */
  async #write(b: LedgerBatch): Promise<void> {
    try {
      const fresh = await this.db.transaction(async (tx) => {
        if (!(await claimLedgerBatch(tx, b.key))) return false;
        await copyLedgerRows(tx, b.rows);
        await applyLeaseDeltas(tx, b.deltas);
        await insertIntents(tx, b.intents);
        await deleteIntents(tx, b.ended);
        return true;
      });
      // Committed before (its answer was lost, or row by row stopped half way, or a spool
      // segment replayed again): only rows missing are inserted; the deltas are not applied again.
      if (fresh) this.written += b.rows.length;
      else await this.#rowByRow(b);
    } catch (err) {
      // A row Postgres will never take must not hold back the others, nor the budget
      // consumption: write row by row, keep the money, and report what was refused.
      if (isPermanent(err) && b.rows.length > 0) await this.#rowByRow(b);
      else throw err;
    }
  }

  /** The deltas (once, by the key) in one transaction, then each row on its own, idempotently. */
  async #rowByRow(b: LedgerBatch): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await claimLedgerBatch(tx, b.key))) return;
      await applyLeaseDeltas(tx, b.deltas);
      await insertIntents(tx, b.intents);
      await deleteIntents(tx, b.ended);
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

  /** Drains the queue, the last step of a graceful shutdown: what Postgres cannot take now is spooled for the next start. */
  async close(): Promise<void> {
    await this.flush();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#spilling;
    if (this.#spool && (this.#batches.length > 0 || this.#hasWork())) {
      const all = this.#batches;
      while (this.#hasWork()) all.push(this.#take(MAX_BATCH));
      const taken = await this.#spool.append(all.map(encodeBatch)).catch(() => 0);
      this.#batches = all.slice(taken);
    }
    if (this.pending > 0) {
      this.log.error('usage ledger rows could not be written at shutdown', { lost: this.pending });
    }
  }
}

/** Data errors (class 22) and constraint violations (class 23) fail the same way every time. */
function isPermanent(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}
