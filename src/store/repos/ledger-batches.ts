// Idempotency keys of usage-ledger flushes (table ledger_batches, migration 0006).
import type { Queryable } from '../db.js';

/**
 * Records batch `id` inside the flush's transaction. False: a transaction with this id already
 * committed (a retry after a lost COMMIT answer, or a spool replayed twice), so its budget
 * deltas must not be applied again.
 */
export async function claimLedgerBatch(tx: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await tx.query('INSERT INTO ledger_batches (id) VALUES ($1) ON CONFLICT DO NOTHING', [id]);
  return rowCount === 1;
}

/** Forgets keys older than `days` (a batch is never retried that late). Returns how many. */
export async function pruneLedgerBatches(q: Queryable, days: number): Promise<number> {
  const { rowCount } = await q.query(`DELETE FROM ledger_batches WHERE committed_at < now() - make_interval(days => $1)`, [days]);
  return rowCount;
}
