// Writes decision records off the request path: requests append to an in-memory queue; a
// timer (or a full batch) flushes them in ONE COPY. Reads look at the unflushed queue first,
// so a GetDecision right after a Route finds it. close() drains the queue.
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { getDecision, insertDecisions, type DecisionRow } from '../store/repos/decisions.js';
import { RateLimitedLog, type QueueStats } from './backlog.js';
import type { Spool } from './spool.js';

export const FLUSH_INTERVAL_MS = 200;
const MAX_BATCH = 500;
/**
 * Beyond this backlog (database down), new records go to the spool (when there is one), and
 * past the spool's disk bound are dropped and counted: memory stays bounded.
 */
const MAX_PENDING = 50_000;
/** Overflowing records are written to the spool this many at a time (one write each). */
const SPILL_AT = 1_000;

/**
 * Whether a Route decision is stored at `rate` (0..1): decided by the id's last 32 bits, which
 * are random in a UUID (v4 and v7), so the same id always gets the same answer on any replica
 * and the planner's inputs play no part.
 */
export function sampledIn(id: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return Number.parseInt(id.slice(-8), 16) / 2 ** 32 < rate;
}

export interface DecisionWriterOptions {
  /** Share of Route decisions stored (config `decisions.route_sample_rate`); Chat and Embed always are. */
  routeSampleRate?: number;
  /** Where records past `maxPending` go while Postgres is away; without one they are dropped. */
  spool?: Spool;
  maxPending?: number;
  logEveryMs?: number;
}

export class DecisionWriter {
  #pending = new Map<string, DecisionRow>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  dropped = 0;
  /** Route decisions not stored because of sampling (GetDecision answers not found for them). */
  sampledOut = 0;
  readonly #routeSampleRate: number;
  readonly #maxPending: number;
  readonly #spool: Spool | undefined;
  readonly #backlog: RateLimitedLog;
  /** Past maxPending, on their way to the spool. */
  #overflow: DecisionRow[] = [];
  #spilling: Promise<void> | undefined;
  /** A flush is queued behind the running one: later requests join it. */
  #queued = false;
  /** The last write failed: only the retry timer flushes (no flush per record). */
  #failing = false;

  constructor(
    private readonly db: Db,
    log: Logger,
    opts: DecisionWriterOptions = {},
  ) {
    this.#routeSampleRate = opts.routeSampleRate ?? 1;
    this.#maxPending = opts.maxPending ?? MAX_PENDING;
    this.#spool = opts.spool;
    this.#backlog = new RateLimitedLog(log, opts.logEveryMs);
  }

  /** Queue figures (for metrics and the log). */
  stats(): QueueStats {
    return { pending: this.#pending.size + this.#overflow.length, spooled: this.#spool?.records ?? 0, dropped: this.dropped };
  }

  record(row: DecisionRow): void {
    if (row.rpc === 'Route' && !sampledIn(row.id, this.#routeSampleRate)) {
      this.sampledOut++;
      return;
    }
    if (this.#pending.size < this.#maxPending) this.#pending.set(row.id, row);
    else if (this.#spool && this.#overflow.length < this.#maxPending) {
      this.#overflow.push(row);
      if (this.#overflow.length >= Math.min(SPILL_AT, this.#maxPending / 2)) void this.#spill();
    } else this.#drop(1);
    if (this.#failing) return; // the retry timer is set
    if (this.#pending.size >= MAX_BATCH && !this.#queued) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  #drop(n: number): void {
    this.dropped += n;
    this.#backlog.warn('decision records dropped: queue and spool are full', { ...this.stats() });
  }

  /** Writes the overflow to the spool, one write at a time, each taking all that waits. */
  #spill(): Promise<void> {
    this.#spilling ??= (async () => {
      while (this.#overflow.length > 0 && this.#spool) {
        const rows = this.#overflow;
        this.#overflow = [];
        const taken = await this.#spool.append(rows.map((r) => JSON.stringify(r))).catch((err) => {
          this.#backlog.warn('decision spool write failed', { error: err });
          return 0;
        });
        if (taken < rows.length) this.#drop(rows.length - taken);
      }
    })().finally(() => {
      this.#spilling = undefined;
    });
    return this.#spilling;
  }

  async get(id: string): Promise<DecisionRow | null> {
    return this.#pending.get(id) ?? (await getDecision(this.db, id));
  }

  /**
   * Writes everything queued so far, then replays the spool (serialised: one flush at a time;
   * callers arriving while one waits share it). Each batch takes the first entries of the
   * queue, never a copy of all of it.
   */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#queued) return this.#flushing;
    this.#queued = true;
    this.#flushing = this.#flushing.then(async () => {
      this.#queued = false;
      await this.#spill();
      try {
        while (this.#pending.size > 0) {
          const batch: DecisionRow[] = [];
          for (const r of this.#pending.values()) if (batch.push(r) >= MAX_BATCH) break;
          await insertDecisions(this.db, batch);
          for (const r of batch) this.#pending.delete(r.id);
        }
        // Adopts what a crashed process left (once; a failure shows in the spill's log line).
        await this.#spool?.open().catch(() => undefined);
        if (this.#spool && this.#spool.records > 0) {
          // Postgres answers again: what was spooled goes in, oldest first (ids make it
          // idempotent); one segment per flush, so the live queue is not held up behind it.
          await this.#spool.replay((lines) => insertDecisions(this.db, lines.map(decodeRow)), MAX_BATCH, 1);
          if (this.#spool.records > 0) this.#timer ??= setTimeout(() => void this.flush(), 0).unref();
        }
        this.#failing = false;
      } catch (err) {
        // Kept (in memory or on disk) for the retry timer.
        this.#failing = true;
        this.#backlog.warn('decision records not written yet', { error: err, ...this.stats() });
        this.#timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS * 10).unref();
      }
    });
    return this.#flushing;
  }

  /** Drains the queue; what Postgres cannot take now goes to the spool for the next start. */
  async close(): Promise<void> {
    await this.flush();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#spool && this.#pending.size > 0) {
      this.#overflow.unshift(...this.#pending.values());
      this.#pending.clear();
      await this.#spill();
    }
  }
}

/** A spooled record back as a row (JSON turned its date into text). */
function decodeRow(line: string): DecisionRow {
  const r = JSON.parse(line) as DecisionRow & { createdAt: string };
  return { ...r, createdAt: new Date(r.createdAt) };
}
