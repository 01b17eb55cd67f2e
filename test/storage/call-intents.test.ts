// Issue 12 §4: a call in flight on a replica that dies leaves an intent (written by the ledger
// flush after its reservation), and the lease sweeper settles it at the held amount with an
// 'abandoned' ledger row. Real Postgres; the "dead" replica is an engine that stops renewing.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EscrowEngine } from '../../src/budget/escrow.js';
import { uuidv7 } from '../../src/ids.js';
import { LedgerWriter } from '../../src/ledger/writer.js';
import { silentLogger } from '../../src/log.js';
import { settleDeadReplicaIntents, sweepExpiredLeases, type SweptLease } from '../../src/store/repos/budget-leases.js';
import { insertLedgerRows } from '../../src/store/repos/usage.js';
import { freshPostgres, type FreshPostgres } from '../helpers/db.js';
import { budget, opts, period, row } from './suites/escrow.js';
import type { Reservation } from '../../src/budget/escrow.js';

let pgdb: FreshPostgres;

beforeAll(async () => {
  pgdb = await freshPostgres();
}, 60_000);
afterAll(async () => {
  await pgdb.drop();
});

const intentOf = (decisionId: string, r: Reservation) => ({
  decisionId,
  createdAt: new Date(),
  leaseIds: r.leases.map((l) => l.leaseId!),
  held: r.amount,
  call: {
    requestId: `req-${decisionId.slice(-4)}`,
    tenantId: 'acme',
    apiKeyId: 'k1',
    workerId: 'w1',
    taskType: '',
    rpc: 'Chat' as const,
    provider: 'fake',
    model: 'fake/model',
    priceVersion: 'test',
  },
});

it('the sweeper settles calls in flight on a dead replica at what they held, once each', async () => {
  const b = await budget(pgdb.db, { limit: 1_000_000n });
  // Leases expire quickly in Postgres; this engine never renews them (its replica "died").
  const dead = new EscrowEngine(pgdb.db, silentLogger, opts({ leaseTtlMs: 300, sliceMultiple: 50 }));
  const ledger = new LedgerWriter(pgdb.db, silentLogger, dead);
  const [x, y, z] = [uuidv7(), uuidv7(), uuidv7()];
  const rx = await dead.reserve([b], 100n);
  const ry = await dead.reserve([b], 100n);
  const rz = await dead.reserve([b], 100n);
  const when = new Map<string, Date>();
  for (const [id, r] of [
    [x, rx],
    [y, ry],
    [z, rz],
  ] as const) {
    const i = intentOf(id, r);
    when.set(id, i.createdAt);
    ledger.intend(i);
  }
  await ledger.flush();
  const { rows: written } = await pgdb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM call_intents');
  expect(written[0]!.n).toBe(3);

  // y ends normally: its row and consumption are flushed and its intent deleted.
  ry.settle(40n);
  ledger.append({ ...row(y, 40n), createdAt: when.get(y)! });
  await ledger.flush();
  // z's row reached the ledger by another path while its intent stayed: it is not charged twice.
  await insertLedgerRows(pgdb.db, [{ ...row(z, 30n), createdAt: when.get(z)! }]);

  let swept: SweptLease[] = [];
  for (let i = 0; i < 200 && swept.length === 0; i++) {
    swept = await sweepExpiredLeases(pgdb.db);
    if (swept.length === 0) await new Promise((r) => setTimeout(r, 50));
  }
  expect(swept).toHaveLength(1);
  // The sweep itself charges nothing: the replica may only be late.
  expect(swept[0]).toMatchObject({ settled: 0n, calls: 0 });
  // A replica that borrows again after its lease was swept is alive: its intents stay its own.
  const { rows: again } = await pgdb.db.query<{ replica_id: string }>('SELECT replica_id FROM budget_leases');
  await pgdb.db.query(
    `INSERT INTO budget_leases (id, budget_id, period_start, replica_id, granted, expires_at)
     SELECT gen_random_uuid(), budget_id, period_start, replica_id, 0, now() + interval '1 hour' FROM budget_leases LIMIT 1`,
  );
  expect(await settleDeadReplicaIntents(pgdb.db, 0)).toEqual([]);
  await pgdb.db.query(`DELETE FROM budget_leases WHERE state = 'open' AND replica_id = $1`, [again[0]!.replica_id]);
  // Once no open lease of its replica is left, its calls in flight are charged at their hold.
  const settled = await settleDeadReplicaIntents(pgdb.db, 0);
  expect(settled).toHaveLength(1);
  expect(settled[0]).toMatchObject({ settled: 100n, calls: 1 });

  const { rows } = await pgdb.db.query<{ decision_id: string; status: string; cost: bigint; request_id: string }>(
    'SELECT decision_id, status, cost, request_id FROM usage_ledger ORDER BY decision_id',
  );
  expect(rows.map((r) => [r.decision_id, r.status, r.cost])).toEqual(
    [
      [x, 'abandoned', 100n],
      [y, 'ok', 40n],
      [z, 'ok', 30n],
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  );
  const p = await period(pgdb.db, b.id);
  // x's hold (100) and y's flushed cost (40) are spent; z's row was written outside the lease.
  expect(p.spent).toBe(140n);
  expect(p.leased).toBe(0n);
  const { rows: lease } = await pgdb.db.query<{ granted: bigint; consumed: bigint; abandoned: bigint }>(
    'SELECT granted, consumed, abandoned FROM budget_leases',
  );
  expect(lease[0]!.consumed).toBe(140n);
  expect(lease[0]!.abandoned).toBe(lease[0]!.granted - 140n);
  const { rows: left } = await pgdb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM call_intents');
  expect(left[0]!.n).toBe(0);
  // A second pass finds nothing more to sweep or settle.
  expect(await sweepExpiredLeases(pgdb.db)).toEqual([]);
  expect(await settleDeadReplicaIntents(pgdb.db, 0)).toEqual([]);
}, 30_000);
