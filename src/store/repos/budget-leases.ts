// Escrow leases in Postgres (tables budget_periods and budget_leases, migration 0003): the
// only place budget money moves between "free" and "held by a replica". Every function is one
// transaction. The budget engine (src/budget/escrow.ts) decides when to borrow and give back;
// the ledger writer (src/ledger/writer.ts) flushes consumption here. Budget definitions and
// their listings are in ./budgets.ts.
//
// Lock order, everywhere: budget_periods rows (sorted by budget id, period start), then
// budget_leases rows. Borrowing, returning, sweeping and flushing follow it, so they cannot
// deadlock with each other.
import { randomUUID } from 'node:crypto';
import type { Db, Queryable } from '../db.js';
import { sqlState, SQLSTATE } from '../db.js';
import { settleIntents } from './call-intents.js';

/** What one settled lease owes Postgres since the last flush (src/ledger/writer.ts). */
export interface LeaseDelta {
  leaseId: string;
  budgetId: string;
  periodStart: Date;
  /** Cost settled within what the lease had been granted. */
  consumed: bigint;
  /** Cost settled beyond it (could not be covered by borrowing more). */
  overage: bigint;
}

export interface BorrowRequest {
  budgetId: string;
  periodStart: Date;
  /** The replica's open lease on this budget period, extended in place when still open. */
  leaseId?: string;
  replicaId: string;
  /** Borrow up to this much… */
  want: bigint;
  /** …but at least this much, or nothing. */
  need: bigint;
  ttlMs: number;
}

export type BorrowResult =
  | { kind: 'granted'; leaseId: string; granted: bigint }
  | { kind: 'no_room'; free: bigint }
  /** The budget was deleted meanwhile. */
  | { kind: 'gone' }
  /** `periodStart` is not the budget's current period by the database clock (`dbNow`). */
  | { kind: 'stale_period'; dbNow: Date };

/**
 * Moves money from a budget period's free pool into a lease: at least `need`, at most `want`,
 * and never more than a quarter of what is free beyond `need`, so that near exhaustion one
 * replica does not take what the others need. The row lock on the period serialises borrowers;
 * the check `spent + leased + grant <= limit` under that lock is what makes overspending
 * impossible.
 */
export async function borrow(db: Db, r: BorrowRequest): Promise<BorrowResult> {
  try {
    return await db.transaction(async (tx) => {
      // Periods follow the database clock, not the replica's (migration 0006).
      const { rows: cur } = await tx.query<{ current: Date; db_now: Date }>(
        'SELECT budget_period_start(period, now()) AS current, now() AS db_now FROM budgets WHERE id = $1',
        [r.budgetId],
      );
      if (!cur[0]) return { kind: 'gone' } as const;
      if (cur[0].current.getTime() !== r.periodStart.getTime()) return { kind: 'stale_period', dbNow: cur[0].db_now } as const;
      await tx.query('INSERT INTO budget_periods (budget_id, period_start) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        r.budgetId,
        r.periodStart,
      ]);
      const { rows } = await tx.query<{ limit_pico: bigint; spent: bigint; leased: bigint }>(
        `SELECT b.limit_pico, p.spent, p.leased
           FROM budget_periods p JOIN budgets b ON b.id = p.budget_id
          WHERE p.budget_id = $1 AND p.period_start = $2
          FOR UPDATE OF p FOR SHARE OF b`,
        [r.budgetId, r.periodStart],
      );
      const row = rows[0];
      if (!row) return { kind: 'gone' } as const;
      const free = row.limit_pico - row.spent - row.leased;
      if (free < r.need) return { kind: 'no_room', free: free < 0n ? 0n : free } as const;
      const share = free / 4n > r.need ? free / 4n : r.need;
      const granted = r.want < share ? (r.want > r.need ? r.want : r.need) : share;
      await tx.query('UPDATE budget_periods SET leased = leased + $3 WHERE budget_id = $1 AND period_start = $2', [
        r.budgetId,
        r.periodStart,
        granted,
      ]);
      if (r.leaseId) {
        const extended = await tx.query(
          `UPDATE budget_leases SET granted = granted + $2, expires_at = now() + make_interval(secs => $3::float8 / 1000)
            WHERE id = $1 AND state = 'open'`,
          [r.leaseId, granted, r.ttlMs],
        );
        if (extended.rowCount === 1) return { kind: 'granted', leaseId: r.leaseId, granted } as const;
      }
      const leaseId = randomUUID();
      await tx.query(
        `INSERT INTO budget_leases (id, budget_id, period_start, replica_id, granted, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::float8 / 1000))`,
        [leaseId, r.budgetId, r.periodStart, r.replicaId, granted, r.ttlMs],
      );
      return { kind: 'granted', leaseId, granted } as const;
    });
  } catch (err) {
    if (sqlState(err) === SQLSTATE.foreignKeyViolation) return { kind: 'gone' };
    throw err;
  }
}

/**
 * Gives `amount` of an open lease back to its budget period. `close` ends the lease and gives
 * back everything it still has beyond its consumption, as Postgres counts it (the caller has
 * flushed all its consumption and holds nothing on it): a borrow that extended the lease just
 * before cannot be stranded. A lease that was swept meanwhile already gave its money back:
 * nothing happens. Returns whether the lease was open.
 */
export async function giveBack(db: Db, leaseId: string, amount: bigint, close: boolean): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ budget_id: string; period_start: Date }>(
      `SELECT budget_id, period_start FROM budget_leases WHERE id = $1 AND state = 'open'`,
      [leaseId],
    );
    const lease = rows[0];
    if (!lease) return false;
    await tx.query('SELECT 1 FROM budget_periods WHERE budget_id = $1 AND period_start = $2 FOR UPDATE', [
      lease.budget_id,
      lease.period_start,
    ]);
    const { rows: locked } = await tx.query<{ granted: bigint; consumed: bigint }>(
      `SELECT granted, consumed FROM budget_leases WHERE id = $1 AND state = 'open' FOR UPDATE`,
      [leaseId],
    );
    const row = locked[0];
    if (!row) return false;
    const left = row.granted - row.consumed;
    const back = close ? (left > 0n ? left : 0n) : amount < left ? amount : left > 0n ? left : 0n;
    await tx.query(
      `UPDATE budget_leases
          SET granted = granted - $2,
              state = CASE WHEN $3::boolean THEN 'returned' ELSE state END,
              closed_at = CASE WHEN $3::boolean THEN now() ELSE closed_at END
        WHERE id = $1`,
      [leaseId, back, close],
    );
    if (back > 0n) {
      await tx.query('UPDATE budget_periods SET leased = leased - $3 WHERE budget_id = $1 AND period_start = $2', [
        lease.budget_id,
        lease.period_start,
        back,
      ]);
    }
    return true;
  });
}

export interface RenewedLease {
  id: string;
  /** How far the lease's budget period is over its limit (a lowered limit): to recall. */
  excess: bigint;
}

/**
 * Keeps a live replica's leases from being swept. Returns its leases still open: any other
 * lease it thinks it has was swept and must not be reserved from. Rows are locked in id
 * order, the order the ledger flush locks them in.
 */
export async function renewLeases(db: Queryable, replicaId: string, ttlMs: number): Promise<RenewedLease[]> {
  const { rows } = await db.query<{ id: string; excess: bigint | null }>(
    `UPDATE budget_leases l SET expires_at = now() + make_interval(secs => $2::float8 / 1000)
      WHERE id IN (SELECT id FROM budget_leases WHERE replica_id = $1 AND state = 'open' ORDER BY id FOR UPDATE)
      RETURNING l.id, (SELECT GREATEST(p.spent + p.leased - b.limit_pico, 0)
                         FROM budget_periods p JOIN budgets b ON b.id = p.budget_id
                        WHERE p.budget_id = l.budget_id AND p.period_start = l.period_start) AS excess`,
    [replicaId, ttlMs],
  );
  return rows.map((r) => ({ id: r.id, excess: BigInt(r.excess ?? 0n) }));
}

export interface SweptLease {
  leaseId: string;
  budgetId: string;
  periodStart: Date;
  replicaId: string;
  abandoned: bigint;
  /** What calls in flight on it held when its replica died: settled as spent (call_intents). */
  settled: bigint;
  /** Those calls, recorded in the ledger as 'abandoned'. */
  calls: number;
}

/**
 * Returns the money of leases whose replica stopped renewing them (it crashed or lost the
 * database) to their budgets, and records it: state 'swept'. Calls that were in flight on
 * them (call_intents, migration 0008) are settled at what they held: spent, and a ledger row
 * 'abandoned' each. `abandoned` = what the lease held beyond its flushed consumption and those
 * calls. Safe on every replica at once.
 */
export async function sweepExpiredLeases(db: Db, limit = 200): Promise<SweptLease[]> {
  const { rows: expired } = await db.query<{ budget_id: string; period_start: Date }>(
    `SELECT DISTINCT budget_id, period_start FROM budget_leases
      WHERE state = 'open' AND expires_at < now()
      ORDER BY budget_id, period_start LIMIT $1`,
    [limit],
  );
  const swept: SweptLease[] = [];
  for (const period of expired) {
    const got = await db.transaction(async (tx) => {
      await tx.query('SELECT 1 FROM budget_periods WHERE budget_id = $1 AND period_start = $2 FOR UPDATE', [
        period.budget_id,
        period.period_start,
      ]);
      const { rows } = await tx.query<{ id: string; replica_id: string; abandoned: bigint }>(
        `UPDATE budget_leases
            SET state = 'swept', abandoned = GREATEST(granted - consumed, 0), closed_at = now()
          WHERE budget_id = $1 AND period_start = $2 AND state = 'open' AND expires_at < now()
          RETURNING id, replica_id, abandoned`,
        [period.budget_id, period.period_start],
      );
      const total = rows.reduce((s, r) => s + r.abandoned, 0n);
      if (total > 0n) {
        await tx.query('UPDATE budget_periods SET leased = GREATEST(leased - $3, 0) WHERE budget_id = $1 AND period_start = $2', [
          period.budget_id,
          period.period_start,
          total,
        ]);
      }
      return rows.map((r) => ({
        leaseId: r.id,
        budgetId: period.budget_id,
        periodStart: period.period_start,
        replicaId: r.replica_id,
        abandoned: r.abandoned,
        settled: 0n,
        calls: 0,
      }));
    });
    swept.push(...got);
  }
  return swept;
}

/**
 * The calls a dead replica had in flight, charged at what they held: intents left on leases
 * swept more than `graceMs` ago whose replica holds no open lease since. A replica that was
 * only late (its lease swept under load) is alive: it borrows again, and its calls end and
 * delete their intents themselves, charged once at their real cost; settling them here too
 * would charge them twice. Same transaction shape as the sweep: the period row is locked.
 */
export async function settleDeadReplicaIntents(db: Db, graceMs: number, limit = 200): Promise<SweptLease[]> {
  const { rows: leases } = await db.query<{ id: string; budget_id: string; period_start: Date; replica_id: string }>(
    `SELECT l.id, l.budget_id, l.period_start, l.replica_id FROM budget_leases l
      WHERE l.state = 'swept' AND l.closed_at < now() - make_interval(secs => $1::float8 / 1000)
        AND EXISTS (SELECT 1 FROM call_intents i WHERE i.lease_id = l.id)
        AND NOT EXISTS (SELECT 1 FROM budget_leases o WHERE o.replica_id = l.replica_id AND o.state = 'open')
      ORDER BY l.budget_id, l.period_start LIMIT $2`,
    [graceMs, limit],
  );
  const settled: SweptLease[] = [];
  for (const lease of leases) {
    const got = await db.transaction(async (tx) => {
      await tx.query('SELECT 1 FROM budget_periods WHERE budget_id = $1 AND period_start = $2 FOR UPDATE', [
        lease.budget_id,
        lease.period_start,
      ]);
      const { rows } = await tx.query<{ abandoned: bigint }>(
        `SELECT abandoned FROM budget_leases WHERE id = $1 AND state = 'swept' FOR UPDATE`,
        [lease.id],
      );
      if (rows.length === 0) return [];
      const intents = await settleIntents(tx, [lease.id]);
      const { held, calls } = intents.get(lease.id) ?? { held: 0n, calls: 0 };
      // A hold never exceeds what the lease still had unconsumed when it was swept.
      const abandoned = rows[0]!.abandoned;
      const charge = held < abandoned ? held : abandoned;
      if (charge > 0n) {
        await tx.query('UPDATE budget_leases SET consumed = consumed + $2, abandoned = abandoned - $2 WHERE id = $1', [lease.id, charge]);
        await tx.query('UPDATE budget_periods SET spent = spent + $3 WHERE budget_id = $1 AND period_start = $2', [
          lease.budget_id,
          lease.period_start,
          charge,
        ]);
      }
      return [
        {
          leaseId: lease.id,
          budgetId: lease.budget_id,
          periodStart: lease.period_start,
          replicaId: lease.replica_id,
          abandoned: abandoned - charge,
          settled: charge,
          calls,
        },
      ];
    });
    settled.push(...got);
  }
  return settled;
}

/**
 * Applies settled consumption to leases and budget periods, inside the ledger writer's
 * transaction (so the ledger rows and the money they explain commit together). Consumption
 * on a lease that was swept meanwhile had already been handed back to the pool: it is counted
 * as spent and as overage, never lost.
 */
export async function applyLeaseDeltas(tx: Queryable, deltas: readonly LeaseDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const byLease = new Map<string, LeaseDelta>();
  for (const d of deltas) {
    // Leaseless overage (leaseId '') is kept apart per budget period.
    const k = d.leaseId || `-${d.budgetId}\u0000${d.periodStart.toISOString()}`;
    const prev = byLease.get(k);
    byLease.set(k, prev ? { ...prev, consumed: prev.consumed + d.consumed, overage: prev.overage + d.overage } : { ...d });
  }
  const merged = [...byLease.values()];
  const periodKey = (d: { budgetId: string; periodStart: Date }) => `${d.budgetId}\u0000${d.periodStart.toISOString()}`;
  const periods = [...new Map(merged.map((d) => [periodKey(d), d])).values()].sort((a, b) =>
    a.budgetId < b.budgetId ? -1 : a.budgetId > b.budgetId ? 1 : a.periodStart.getTime() - b.periodStart.getTime(),
  );
  // Overage on a budget no lease was borrowed for may be the period's first money.
  await tx.query(
    `INSERT INTO budget_periods (budget_id, period_start)
     SELECT x.budget_id, x.period_start FROM unnest($1::text[], $2::timestamptz[]) AS x(budget_id, period_start)
       JOIN budgets b ON b.id = x.budget_id
     ON CONFLICT DO NOTHING`,
    [periods.map((p) => p.budgetId), periods.map((p) => p.periodStart)],
  );
  // Lock order: periods (sorted), then leases (sorted by id).
  await tx.query(
    `SELECT 1 FROM budget_periods p
       JOIN unnest($1::text[], $2::timestamptz[]) AS x(budget_id, period_start)
         ON p.budget_id = x.budget_id AND p.period_start = x.period_start
      ORDER BY p.budget_id, p.period_start
      FOR UPDATE OF p`,
    [periods.map((p) => p.budgetId), periods.map((p) => p.periodStart)],
  );
  const leased = merged.filter((d) => d.leaseId !== '').sort((a, b) => (a.leaseId < b.leaseId ? -1 : a.leaseId > b.leaseId ? 1 : 0));
  await tx.query(`SELECT 1 FROM budget_leases WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [leased.map((d) => d.leaseId)]);
  const { rows } = await tx.query<{ id: string; state: string }>(
    `UPDATE budget_leases l SET consumed = l.consumed + x.consumed
       FROM unnest($1::uuid[], $2::int8[]) AS x(id, consumed)
      WHERE l.id = x.id
      RETURNING l.id, l.state`,
    [leased.map((d) => d.leaseId), leased.map((d) => d.consumed)],
  );
  const open = new Set(rows.filter((r) => r.state === 'open').map((r) => r.id));
  const sums = new Map<string, { budgetId: string; periodStart: Date; spent: bigint; leased: bigint; overage: bigint }>();
  for (const d of merged) {
    const k = periodKey(d);
    const s = sums.get(k) ?? { budgetId: d.budgetId, periodStart: d.periodStart, spent: 0n, leased: 0n, overage: 0n };
    s.spent += d.consumed + d.overage;
    if (open.has(d.leaseId)) {
      s.leased += d.consumed;
      s.overage += d.overage;
    } else {
      s.overage += d.consumed + d.overage;
    }
    sums.set(k, s);
  }
  const list = [...sums.values()];
  await tx.query(
    `UPDATE budget_periods p
        SET spent = p.spent + x.spent, leased = GREATEST(p.leased - x.leased, 0), overage = p.overage + x.overage
       FROM unnest($1::text[], $2::timestamptz[], $3::int8[], $4::int8[], $5::int8[]) AS x(budget_id, period_start, spent, leased, overage)
      WHERE p.budget_id = x.budget_id AND p.period_start = x.period_start`,
    [
      list.map((s) => s.budgetId),
      list.map((s) => s.periodStart),
      list.map((s) => s.spent),
      list.map((s) => s.leased),
      list.map((s) => s.overage),
    ],
  );
}
