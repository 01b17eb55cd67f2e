// Writes decision records off the request path: requests append to an in-memory queue; a
// timer (or a full batch) flushes them in ONE COPY. Reads look at the unflushed queue first,
// so a GetDecision right after a Route finds it. close() drains the queue.
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { getDecision, insertDecisions, type DecisionRow } from '../store/repos/decisions.js';

export const FLUSH_INTERVAL_MS = 200;
const MAX_BATCH = 500;
/** Beyond this backlog (database down), new records are dropped and counted, not buffered forever. */
const MAX_PENDING = 50_000;

export class DecisionWriter {
  #pending = new Map<string, DecisionRow>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  dropped = 0;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  record(row: DecisionRow): void {
    if (this.#pending.size >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.#pending.set(row.id, row);
    if (this.#pending.size >= MAX_BATCH) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  async get(id: string): Promise<DecisionRow | null> {
    return this.#pending.get(id) ?? (await getDecision(this.db, id));
  }

  /** Writes everything queued so far (serialised: one flush at a time). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushing = this.#flushing.then(async () => {
      while (this.#pending.size > 0) {
        const batch = [...this.#pending.values()].slice(0, MAX_BATCH);
        try {
          await insertDecisions(this.db, batch);
          for (const r of batch) this.#pending.delete(r.id);
        } catch (err) {
          // Kept for the next flush; the periodic timer retries.
          this.log.warn('decision records not written yet', { error: err, pending: this.#pending.size });
          this.#timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS * 10).unref();
          return;
        }
      }
    });
    return this.#flushing;
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
