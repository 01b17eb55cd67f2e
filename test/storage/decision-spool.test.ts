// Issue 12 §4: decision records while Postgres is away. A real database is taken away
// (connections refused and terminated) and given back; nothing is mocked.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DecisionWriter } from '../../src/ledger/decision-writer.js';
import { Spool } from '../../src/ledger/spool.js';
import { silentLogger } from '../../src/log.js';
import type { DecisionRow } from '../../src/store/repos/decisions.js';
import { freshPostgres, resetData, type FreshPostgres } from '../helpers/db.js';
import { databaseOutage, drained } from '../helpers/outage.js';
import { waitFor } from './suites/context.js';

let pgdb: FreshPostgres;
let dir: string;

const { outage, restore } = databaseOutage(() => pgdb);

const row = (i: number): DecisionRow => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  tenantId: 'acme',
  rpc: 'Chat',
  createdAt: new Date(Date.UTC(2026, 10, 22, 0, 0, i % 60)),
  policyVersion: 'platform:0',
  catalogVersion: 'abc',
  inputs: { request: { maxPrice: '123456789012345678901' } },
  plan: { candidates: [] },
  outcome: undefined,
});

async function stored(): Promise<{ n: bigint; distinct: bigint }> {
  const { rows } = await pgdb.db.query<{ n: bigint; distinct: bigint }>(
    'SELECT count(*) AS n, count(DISTINCT id) AS distinct FROM decisions',
  );
  return rows[0]!;
}

describe('decision records while Postgres is away', () => {
  beforeAll(async () => {
    pgdb = await freshPostgres();
  }, 60_000);
  afterAll(async () => {
    await restore().catch(() => undefined);
    await pgdb.drop();
  });
  beforeEach(async () => {
    await resetData(pgdb.db);
    dir = await mkdtemp(join(tmpdir(), 'sy-spool-'));
    return () => rm(dir, { recursive: true, force: true });
  });

  it('spills past the queue bound, replays once Postgres is back: every record exactly once', async () => {
    const spool = new Spool({ dir, name: 'decisions', maxBytes: 10 * 1024 * 1024, segmentBytes: 16 * 1024 });
    const w = new DecisionWriter(pgdb.db, silentLogger, { spool, maxPending: 100 });
    await outage();
    // Records arrive over time: each flush fails (Postgres is away) and spills the overflow.
    for (let i = 1; i <= 3_000; i++) {
      w.record(row(i));
      if (i % 50 === 0) await w.flush();
    }
    const during = w.stats();
    expect(during.pending).toBeLessThanOrEqual(100);
    expect(during.spooled).toBe(3_000 - during.pending);
    expect(during.dropped).toBe(0);
    await restore();
    await drained(w);
    expect(await stored()).toEqual({ n: 3_000n, distinct: 3_000n });
    expect(await readdir(dir)).toEqual([]);
    await w.close();
  });

  it('drops only past the disk bound, and counts what it dropped', async () => {
    const line = Buffer.byteLength(JSON.stringify(row(1))) + 1;
    const spool = new Spool({ dir, name: 'decisions', maxBytes: line * 250 });
    const w = new DecisionWriter(pgdb.db, silentLogger, { spool, maxPending: 100 });
    await outage();
    for (let i = 1; i <= 1_000; i++) {
      w.record(row(i));
      if (i % 50 === 0) await w.flush();
    }
    const s = w.stats();
    expect(s.pending).toBe(100);
    expect(s.spooled).toBe(250);
    expect(s.dropped).toBe(1_000 - 100 - 250);
    await restore();
    await drained(w);
    expect((await stored()).n).toBe(350n);
    await w.close();
  });

  it("a dead process's spool is adopted and replayed by the next writer", async () => {
    const dead = new Spool({ dir, name: 'decisions', maxBytes: 1024 * 1024 });
    expect(await dead.append([row(1), row(2)].map((r) => JSON.stringify(r)))).toBe(2);
    dead.detach(); // its process is gone
    const w = new DecisionWriter(pgdb.db, silentLogger, { spool: new Spool({ dir, name: 'decisions', maxBytes: 1024 * 1024 }) });
    await w.flush();
    await waitFor(() => w.stats().spooled === 0);
    expect(await stored()).toEqual({ n: 2n, distinct: 2n });
    await w.close();
  });
});
