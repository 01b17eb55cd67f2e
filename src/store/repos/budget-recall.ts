// Two money edges of the escrow leases (./budget-leases.ts), migration 0006: the database
// clock that budget periods follow, and recalling lent money after a budget's limit was
// lowered below what its period has spent and lent.
import type { Db, Queryable } from '../db.js';

/** The database's clock (periods follow it, not each replica's). */
export async function dbNow(q: Queryable): Promise<Date> {
  const { rows } = await q.query<{ now: Date }>('SELECT now() AS now');
  return rows[0]!.now;
}

/**
 * Gives back up to `amount` of an open lease, but only as much as its budget period is over
 * the limit right now (spent + leased − limit, read under the period's row lock): replicas
 * recalling at once give back the excess once between them, not once each. The caller offers
 * only money nobody holds. Returns what went back (0 when the lease is no longer open).
 */
export async function recallExcess(db: Db, leaseId: string, amount: bigint): Promise<bigint> {
  if (amount <= 0n) return 0n;
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ budget_id: string; period_start: Date }>(
      `SELECT budget_id, period_start FROM budget_leases WHERE id = $1 AND state = 'open'`,
      [leaseId],
    );
    const lease = rows[0];
    if (!lease) return 0n;
    // Lock order: the period row, then the lease row (as everywhere in budget-leases.ts).
    const { rows: period } = await tx.query<{ excess: bigint }>(
      `SELECT GREATEST(p.spent + p.leased - b.limit_pico, 0) AS excess
         FROM budget_periods p JOIN budgets b ON b.id = p.budget_id
        WHERE p.budget_id = $1 AND p.period_start = $2
        FOR UPDATE OF p FOR SHARE OF b`,
      [lease.budget_id, lease.period_start],
    );
    const { rows: locked } = await tx.query<{ left: bigint }>(
      `SELECT granted - consumed AS left FROM budget_leases WHERE id = $1 AND state = 'open' FOR UPDATE`,
      [leaseId],
    );
    const excess = period[0]?.excess ?? 0n;
    const left = locked[0]?.left ?? 0n;
    let back = amount;
    if (excess < back) back = excess;
    if (left < back) back = left;
    if (back <= 0n) return 0n;
    await tx.query('UPDATE budget_leases SET granted = granted - $2 WHERE id = $1', [leaseId, back]);
    await tx.query('UPDATE budget_periods SET leased = leased - $3 WHERE budget_id = $1 AND period_start = $2', [
      lease.budget_id,
      lease.period_start,
      back,
    ]);
    return back;
  });
}
