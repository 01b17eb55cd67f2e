// Issue 12 §8, the README's former money limits: a ledger batch retried after a lost COMMIT
// answer applies its deltas once; periods follow the database clock; a lowered limit recalls
// lent money at the next renewal.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { EscrowEngine } from '../../../src/budget/escrow.js';
import { BudgetExhausted } from '../../../src/budget/types.js';
import { LedgerWriter } from '../../../src/ledger/writer.js';
import { silentLogger } from '../../../src/log.js';
import type { Db } from '../../../src/store/db.js';
import { periodStart, type BudgetPeriod } from '../../../src/store/repos/budgets.js';
import type { StorageCtx } from './context.js';
import { budget, opts, period, row } from './escrow.js';

/** The real database, except that the first COMMIT's answer is lost after it committed. */
function losingFirstCommitAnswer(db: Db): Db {
  let lose = true;
  return {
    kind: db.kind,
    query: (sql: string, params?: unknown[]) => db.query(sql, params),
    exec: (sql: string) => db.exec(sql),
    copyFrom: (t: string, c: readonly string[], l: string) => db.copyFrom(t, c, l),
    listen: (c: string, f: (p: string) => void) => db.listen(c, f),
    close: () => db.close(),
    transaction: async <T>(fn: Parameters<Db['transaction']>[0]) => {
      const out = (await db.transaction(fn)) as T;
      if (lose) {
        lose = false;
        throw new Error('Connection terminated unexpectedly');
      }
      return out;
    },
  } as Db;
}

export function moneyEdgesSuite(ctx: StorageCtx): void {
  describe('money edges', () => {
    it('a ledger batch retried after a lost commit answer applies its deltas once', async () => {
      const b = await budget(ctx.db, { limit: 10_000n });
      const e = new EscrowEngine(ctx.db, silentLogger, opts());
      const r = await e.reserve([b], 100n);
      const ledger = new LedgerWriter(losingFirstCommitAnswer(ctx.db), silentLogger, e);
      r.settle(70n);
      ledger.append(row(randomUUID(), 70n));
      await ledger.flush(); // committed, but the writer saw an error
      expect(ledger.pending).toBe(1);
      await ledger.close(); // the retry
      expect(ledger.pending).toBe(0);
      expect((await period(ctx.db, b.id)).spent).toBe(70n);
      const { rows } = await ctx.db.query<{ n: bigint }>('SELECT count(*) AS n FROM usage_ledger');
      expect(rows[0]!.n).toBe(1n);
      await e.close();
    });

    it("budget periods follow the database clock, whatever a replica's clock says", async () => {
      const b = await budget(ctx.db, { limit: 100n, period: 'day' });
      // A replica three days ahead, and one with a good clock, share one day's limit.
      const ahead = new EscrowEngine(ctx.db, silentLogger, opts({ now: () => Date.now() + 3 * 86_400_000, sliceMultiple: 1 }));
      const good = new EscrowEngine(ctx.db, silentLogger, opts({ sliceMultiple: 1 }));
      const r = await ahead.reserve([b], 100n);
      await expect(good.reserve([b], 1n)).rejects.toBeInstanceOf(BudgetExhausted);
      const { rows } = await ctx.db.query<{ current: boolean }>(
        `SELECT period_start = budget_period_start('day', now()) AS current FROM budget_leases WHERE budget_id = $1`,
        [b.id],
      );
      expect(rows).toEqual([{ current: true }]);
      r.settle(0n);
      await ahead.close();
      await good.close();
    });

    it('the SQL period start is the twin of periodStart(): UTC days and months', async () => {
      const cases: Array<[BudgetPeriod, string]> = [
        ['day', '2026-11-22T23:59:59.999Z'],
        ['day', '2026-11-23T00:00:00.000Z'],
        ['month', '2026-11-30T23:59:59.999Z'],
        ['month', '2026-12-01T00:00:00.000Z'],
        ['total', '2026-12-01T00:00:00.000Z'],
      ];
      for (const [p, at] of cases) {
        const { rows } = await ctx.db.query<{ s: Date }>('SELECT budget_period_start($1, $2::timestamptz) AS s', [p, at]);
        expect(rows[0]!.s.toISOString()).toBe(periodStart(p, new Date(at)).toISOString());
      }
    });

    it('a lowered limit recalls lent money at the next renewal, once between replicas', async () => {
      const b = await budget(ctx.db, { limit: 10_000n });
      const a = new EscrowEngine(ctx.db, silentLogger, opts({ sliceMultiple: 10 }));
      const c = new EscrowEngine(ctx.db, silentLogger, opts({ sliceMultiple: 10 }));
      const held = [await a.reserve([b], 100n), await c.reserve([b], 100n)];
      expect((await period(ctx.db, b.id)).leased).toBe(2_000n);
      await ctx.db.query('UPDATE budgets SET limit_pico = 1500 WHERE id = $1', [b.id]);
      await a.tick();
      await c.tick();
      // 500 over the limit came back once, not once per replica; the holds stay held.
      expect((await period(ctx.db, b.id)).leased).toBe(1_500n);
      expect(a.stats.recalled + c.stats.recalled).toBe(500n);
      await ctx.db.query('UPDATE budgets SET limit_pico = 200 WHERE id = $1', [b.id]);
      await a.tick();
      await c.tick();
      // Only the two holds remain lent: nothing new fits.
      expect((await period(ctx.db, b.id)).leased).toBe(200n);
      await expect(a.reserve([b], 100n)).rejects.toBeInstanceOf(BudgetExhausted);
      for (const r of held) r.settle(0n);
      await a.close();
      await c.close();
    });
  });
}
