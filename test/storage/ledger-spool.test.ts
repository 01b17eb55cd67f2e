// Issue 12 §4: usage ledger rows and the budget consumption they explain while Postgres is
// away. A real database is taken away (connections refused and terminated) and given back;
// nothing is mocked. Batches past the queue bound go to the spool whole (key, rows, deltas)
// and are replayed exactly once; their leases stay open until then; paid calls are refused
// only when the spool is full too, and no row is ever dropped.
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EscrowEngine } from '../../src/budget/escrow.js';
import { Spool } from '../../src/ledger/spool.js';
import { LedgerWriter } from '../../src/ledger/writer.js';
import { silentLogger } from '../../src/log.js';
import { freshPostgres, resetData, type FreshPostgres } from '../helpers/db.js';
import { databaseOutage, drained } from '../helpers/outage.js';
import { budget, opts, period, row } from './suites/escrow.js';

let pgdb: FreshPostgres;
let dir: string;

const { outage, restore } = databaseOutage(() => pgdb);

async function ledger(): Promise<{ n: bigint; distinct: bigint; total: bigint }> {
  const { rows } = await pgdb.db.query<{ n: bigint; distinct: bigint; total: bigint }>(
    'SELECT count(*) AS n, count(DISTINCT decision_id) AS distinct, coalesce(sum(cost), 0)::int8 AS total FROM usage_ledger',
  );
  return rows[0]!;
}

describe('usage ledger while Postgres is away', () => {
  beforeAll(async () => {
    pgdb = await freshPostgres();
  }, 60_000);
  afterAll(async () => {
    await restore().catch(() => undefined);
    await pgdb.drop();
  });
  beforeEach(async () => {
    await resetData(pgdb.db);
    dir = await mkdtemp(join(tmpdir(), 'sy-ledger-spool-'));
    return () => rm(dir, { recursive: true, force: true });
  });

  it('spools whole batches past the bound, keeps their leases open, replays them exactly once', async () => {
    const calls = 1_000;
    const b = await budget(pgdb.db, { limit: 1_000_000n });
    const e = new EscrowEngine(pgdb.db, silentLogger, opts({ sliceMultiple: 2_000 }));
    const reservations = [];
    for (let i = 0; i < calls; i++) reservations.push(await e.reserve([b], 10n));
    const spool = new Spool({ dir, name: 'ledger', maxBytes: 64 * 1024 * 1024, segmentBytes: 64 * 1024 });
    const w = new LedgerWriter(pgdb.db, silentLogger, e, { spool, maxPending: 200 });
    await outage();
    for (let i = 0; i < calls; i++) {
      reservations[i]!.settle(7n);
      w.append(row(randomUUID(), 7n));
      if (i % 100 === 99) await w.flush();
    }
    await w.flush();
    const during = w.stats();
    expect(during.pending).toBeLessThanOrEqual(200);
    expect(during.spooled).toBeGreaterThan(0);
    expect(during.dropped).toBe(0);
    expect(w.overloaded).toBe(false);
    // The lease's consumption is on disk, not in Postgres: it must not be closable yet.
    expect(e.leases().some((l) => l.batches > 0)).toBe(true);

    // A copy of the spool: the same batches replayed a second time, as after a crash between
    // a replay and the delete of its segment.
    const again = await mkdtemp(join(tmpdir(), 'sy-ledger-again-'));
    for (const f of await readdir(dir)) if (f.endsWith('.ndjson')) await copyFile(join(dir, f), join(again, f));

    await restore();
    await drained(w);
    expect(await ledger()).toEqual({ n: BigInt(calls), distinct: BigInt(calls), total: BigInt(calls) * 7n });
    expect((await period(pgdb.db, b.id)).spent).toBe(BigInt(calls) * 7n);
    expect(e.leases().every((l) => l.batches === 0)).toBe(true);
    expect((await readdir(dir)).filter((f) => f.endsWith('.ndjson'))).toEqual([]);
    await w.close();

    spool.detach(); // its process is "gone": the copies are orphans the next spool adopts
    const second = new LedgerWriter(pgdb.db, silentLogger, undefined, {
      spool: new Spool({ dir: again, name: 'ledger', maxBytes: 64 * 1024 * 1024 }),
    });
    await second.flush();
    await drained(second);
    await second.close();
    await rm(again, { recursive: true, force: true });
    expect(await ledger()).toEqual({ n: BigInt(calls), distinct: BigInt(calls), total: BigInt(calls) * 7n });
    expect((await period(pgdb.db, b.id)).spent).toBe(BigInt(calls) * 7n);

    await e.close();
    const { rows } = await pgdb.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM budget_leases WHERE state = 'open'`);
    expect(rows[0]!.n).toBe(0);
  }, 60_000);

  it('refuses paid calls when the spool is full too, and drops no row', async () => {
    const spool = new Spool({ dir, name: 'ledger', maxBytes: 1_000 });
    const w = new LedgerWriter(pgdb.db, silentLogger, undefined, { spool, maxPending: 100 });
    await outage();
    for (let i = 0; i < 150; i++) {
      w.append(row(randomUUID(), 3n));
      if (i % 50 === 49) await w.flush();
    }
    expect(w.overloaded).toBe(true);
    expect(w.stats()).toMatchObject({ pending: 150, spooled: 0, dropped: 0 });
    await restore();
    await drained(w);
    expect(w.overloaded).toBe(false);
    expect(await ledger()).toEqual({ n: 150n, distinct: 150n, total: 450n });
    await w.close();
  }, 60_000);

  it('a graceful shutdown without Postgres spools what is left; the next start replays it', async () => {
    const spool = new Spool({ dir, name: 'ledger', maxBytes: 1024 * 1024 });
    const w = new LedgerWriter(pgdb.db, silentLogger, undefined, { spool });
    await outage();
    for (let i = 0; i < 30; i++) w.append(row(randomUUID(), 1n));
    await w.close();
    expect(w.stats()).toMatchObject({ pending: 0, dropped: 0 });
    expect(w.stats().spooled).toBeGreaterThan(0);
    spool.detach();
    await restore();
    const next = new LedgerWriter(pgdb.db, silentLogger, undefined, { spool: new Spool({ dir, name: 'ledger', maxBytes: 1024 * 1024 }) });
    await next.flush();
    await drained(next);
    await next.close();
    expect(await ledger()).toEqual({ n: 30n, distinct: 30n, total: 30n });
  }, 60_000);
});
