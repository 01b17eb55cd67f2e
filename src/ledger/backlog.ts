// What a writer's queue says while Postgres is away (issue 12 §4): one warning per interval
// however many records pile up or are dropped, with the counts that matter.
import type { Logger } from '../log.js';

/** How often a backlog warning may be repeated. */
export const BACKLOG_LOG_EVERY_MS = 10_000;

export interface QueueStats {
  /** Records in memory, not written yet. */
  pending: number;
  /** Records in the local spool, to be replayed. */
  spooled: number;
  /** Records lost for good: queue and spool were full. */
  dropped: number;
}

export class RateLimitedLog {
  #last = Number.NEGATIVE_INFINITY;
  #suppressed = 0;

  constructor(
    private readonly log: Pick<Logger, 'warn'>,
    private readonly everyMs = BACKLOG_LOG_EVERY_MS,
  ) {}

  warn(message: string, fields: Record<string, unknown>): void {
    const now = Date.now();
    if (now - this.#last < this.everyMs) {
      this.#suppressed++;
      return;
    }
    this.#last = now;
    this.log.warn(message, { ...fields, repeats_suppressed: this.#suppressed });
    this.#suppressed = 0;
  }
}
