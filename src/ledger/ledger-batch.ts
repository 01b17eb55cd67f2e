// A usage-ledger batch: the unit the ledger writer commits, retries and spools (issue 12 §4).
// It is written whole or not at all, under its idempotency key (ledger_batches, migration
// 0006), so a batch retried after a lost COMMIT answer, or replayed from the spool twice (a
// crash between replay and delete), applies its budget deltas once and its rows once.
import { randomUUID } from 'node:crypto';
import type { LeaseDelta } from '../store/repos/budget-leases.js';
import type { CallIntent } from '../store/repos/call-intents.js';
import type { LedgerRow } from '../store/repos/usage.js';

export interface LedgerBatch {
  key: string;
  rows: LedgerRow[];
  deltas: LeaseDelta[];
  /** Calls in flight holding money (call_intents): a crash leaves them for the sweeper. */
  intents: CallIntent[];
  /** Calls whose intent an earlier batch wrote and that have ended: their intents go. */
  ended: string[];
}

export function newBatch(rows: LedgerRow[]): LedgerBatch {
  return { key: randomUUID(), rows, deltas: [], intents: [], ended: [] };
}

/**
 * One spool line (JSON has no bigint and no Date: amounts as decimal strings, times as ISO
 * text). Written by hand, not with a serialisation library: two fields need converting.
 */
export function encodeBatch(b: LedgerBatch): string {
  return JSON.stringify(b, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

type Wire<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] extends Date ? string : T[K] };

export function decodeBatch(line: string): LedgerBatch {
  const b = JSON.parse(line) as {
    key: string;
    rows: Wire<LedgerRow>[];
    deltas: Wire<LeaseDelta>[];
    intents?: Wire<CallIntent>[];
    ended?: string[];
  };
  return {
    key: b.key,
    intents: (b.intents ?? []).map((i) => ({ ...i, held: BigInt(i.held), createdAt: new Date(i.createdAt) })),
    ended: b.ended ?? [],
    rows: b.rows.map((r) => ({ ...r, cost: BigInt(r.cost), createdAt: new Date(r.createdAt) })),
    deltas: b.deltas.map((d) => ({
      ...d,
      consumed: BigInt(d.consumed),
      overage: BigInt(d.overage),
      periodStart: new Date(d.periodStart),
    })),
  };
}

/**
 * A FIFO of rows: append at the tail, take batches from the head without copying the rest
 * (a head index, compacted now and then), so a deep backlog costs O(1) per row.
 */
export class RowQueue {
  #rows: LedgerRow[] = [];
  #head = 0;

  get length(): number {
    return this.#rows.length - this.#head;
  }

  push(row: LedgerRow): void {
    this.#rows.push(row);
  }

  take(n: number): LedgerRow[] {
    const out = this.#rows.slice(this.#head, this.#head + n);
    this.#head += out.length;
    if (this.#head === this.#rows.length) {
      this.#rows = [];
      this.#head = 0;
    } else if (this.#head >= 4096 && this.#head * 2 >= this.#rows.length) {
      this.#rows = this.#rows.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }
}

const MAX_TEXT = 512;

const text = (v: string) => (v.length > MAX_TEXT || v.includes('\u0000') ? v.replaceAll('\u0000', '').slice(0, MAX_TEXT) : v);

/** Text Postgres takes (no NUL, bounded), counts that are non-negative integers. */
export function sanitize(r: LedgerRow): LedgerRow {
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

/** The same for an intent's text (jsonb refuses NUL too). */
export function sanitizeIntent(i: CallIntent): CallIntent {
  const c = i.call;
  return {
    ...i,
    call: {
      ...c,
      requestId: text(c.requestId),
      workerId: text(c.workerId),
      taskType: text(c.taskType),
      provider: text(c.provider),
      model: text(c.model),
    },
  };
}
