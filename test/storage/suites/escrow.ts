// Escrow leases and reservations on a real database: the limit holds for any interleaving of
// replicas, all-or-nothing across scopes, idempotent settlement, sweeping a dead replica's
// leases, and the ledger flush moving consumption into the budget period.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { EscrowEngine, type EscrowOptions } from '../../../src/budget/escrow.js';
import { BudgetExhausted, type BudgetDef } from '../../../src/budget/types.js';
import { LedgerWriter } from '../../../src/ledger/writer.js';
import { insertLedgerRows } from '../../../src/store/repos/usage.js';
import type { LedgerRow } from '../../../src/store/repos/usage.js';
import { silentLogger } from '../../../src/log.js';
import type { Db } from '../../../src/store/db.js';
import type { StorageCtx } from './context.js';

export const opts = (over: Partial<EscrowOptions> = {}): EscrowOptions => ({
  replicaId: `r-${randomUUID().slice(0, 8)}`,
  leaseTtlMs: 30_000,
  sliceMultiple: 5,
  idleReturnMs: 60_000,
  tickMs: 60_000,
  ...over,
});

export async function budget(db: Db, over: Partial<BudgetDef> & { limit: bigint }): Promise<BudgetDef> {
  const b: BudgetDef = {
    id: `b-${randomUUID().slice(0, 8)}`,
    tenantId: 'acme',
    scope: 'tenant',
    apiKeyId: '',
    workerId: '',
    period: 'total',
    ...over,
  };
  await db.query(`INSERT INTO tenants (id) VALUES ($1) ON CONFLICT DO NOTHING`, [b.tenantId]);
  await db.query(
    `INSERT INTO budgets (id, tenant_id, scope, api_key_id, worker_id, period, limit_pico) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [b.id, b.tenantId, b.scope, b.apiKeyId, b.workerId, b.period, b.limit],
  );
  return b;
}

export async function period(db: Db, id: string) {
  const { rows } = await db.query<{ spent: bigint; leased: bigint; overage: bigint }>(
    'SELECT spent, leased, overage FROM budget_periods WHERE budget_id = $1',
    [id],
  );
  return rows[0] ?? { spent: 0n, leased: 0n, overage: 0n };
}

async function openLeases(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM budget_leases WHERE state = 'open'`);
  return rows[0]!.n;
}

export function row(decisionId: string, cost: bigint): LedgerRow {
  return {
    decisionId,
    requestId: '',
    tenantId: 'acme',
    apiKeyId: 'k1',
    workerId: '',
    taskType: '',
    rpc: 'Chat',
    provider: 'fake',
    model: 'fake/model',
    inputTokens: 10,
    outputTokens: 20,
    cachedInputTokens: 0,
    reasoningTokens: 0,
    cost,
    estimated: false,
    priceVersion: 'test',
    latencyMs: 5,
    status: 'ok',
    attempts: 1,
    createdAt: new Date(),
  };
}

export function escrowSuite(ctx: StorageCtx): void {
  describe('budget escrow', () => {
    it('never reserves past the limit, and names the budget that refused', async () => {
      const b = await budget(ctx.db, { limit: 1_000n });
      const e = new EscrowEngine(ctx.db, silentLogger, opts());
      const held = [];
      for (let i = 0; i < 10; i++) held.push(await e.reserve([b], 100n));
      const err = await e.reserve([b], 100n).catch((x) => x);
      expect(err).toBeInstanceOf(BudgetExhausted);
      expect((err as BudgetExhausted).budget.id).toBe(b.id);
      const p = await period(ctx.db, b.id);
      expect(p.spent + p.leased).toBeLessThanOrEqual(1_000n);
      for (const r of held) r.settle(100n);
      await e.close();
    });

    it('two replicas racing on one budget: settled spend never exceeds the limit, nothing stays leased', async () => {
      const b = await budget(ctx.db, { limit: 10_000n });
      const a = new EscrowEngine(ctx.db, silentLogger, opts());
      const c = new EscrowEngine(ctx.db, silentLogger, opts());
      const la = new LedgerWriter(ctx.db, silentLogger, a);
      const lc = new LedgerWriter(ctx.db, silentLogger, c);
      let ok = 0;
      let refused = 0;
      // 300 requests reserving 100 and costing 70..100. Up to 100 fit at once; a call that
      // settles below its hold gives the rest back to its lease, where a later call may take
      // it, so up to 10,000 / 70 may pass in all. The money invariant is checked below:
      // settled spend within the limit, equal to the ledger, nothing left leased.
      await Promise.all(
        Array.from({ length: 300 }, async (_, i) => {
          const [engine, ledger] = i % 2 === 0 ? [a, la] : [c, lc];
          try {
            const r = await engine.reserve([b], 100n);
            ok++;
            await new Promise((res) => setTimeout(res, i % 7));
            const cost = 70n + BigInt(i % 31);
            r.settle(cost);
            ledger.append(row(randomUUID(), cost));
          } catch (err) {
            expect(err).toBeInstanceOf(BudgetExhausted);
            refused++;
          }
        }),
      );
      expect(ok + refused).toBe(300);
      expect(ok).toBeLessThanOrEqual(Math.floor(10_000 / 70));
      expect(ok).toBeGreaterThan(50);
      await la.close();
      await lc.close();
      await a.close();
      await c.close();
      const p = await period(ctx.db, b.id);
      const { rows } = await ctx.db.query<{ total: bigint }>('SELECT coalesce(sum(cost), 0)::int8 AS total FROM usage_ledger');
      expect(p.spent).toBe(rows[0]!.total);
      expect(p.spent).toBeLessThanOrEqual(10_000n);
      expect(p.leased).toBe(0n);
      expect(p.overage).toBe(0n);
      expect(await openLeases(ctx.db)).toBe(0);
    });

    it('reserves in every scope or in none', async () => {
      const roomy = await budget(ctx.db, { limit: 1_000_000n, id: 'a-tenant' });
      const tight = await budget(ctx.db, { limit: 50n, scope: 'worker', workerId: 'w1', id: 'b-worker' });
      const e = new EscrowEngine(ctx.db, silentLogger, opts());
      const err = await e.reserve([roomy, tight], 100n).catch((x) => x);
      expect(err).toBeInstanceOf(BudgetExhausted);
      expect((err as BudgetExhausted).budget.id).toBe('b-worker');
      expect(e.leases().every((l) => l.held === 0n)).toBe(true);
      await e.close();
    });

    it('settles once; a cost above the hold comes from free lease money, else is overage', async () => {
      const b = await budget(ctx.db, { limit: 1_000n });
      const e = new EscrowEngine(ctx.db, silentLogger, opts({ sliceMultiple: 0 }));
      const ledger = new LedgerWriter(ctx.db, silentLogger, e);
      const r = await e.reserve([b], 100n);
      expect(r.settle(150n)).toBe(true);
      expect(r.settle(150n)).toBe(false);
      ledger.append(row(randomUUID(), 150n));
      await ledger.close();
      await e.close();
      const p = await period(ctx.db, b.id);
      expect(p.spent).toBe(150n);
      expect(p.overage).toBe(50n);
      expect(p.leased).toBe(0n);
    });

    it("sweeps a dead replica's expired lease and records what it abandoned", async () => {
      const b = await budget(ctx.db, { limit: 10_000n });
      const dead = new EscrowEngine(ctx.db, silentLogger, opts({ sliceMultiple: 10 }));
      const ledger = new LedgerWriter(ctx.db, silentLogger, dead);
      const r = await dead.reserve([b], 100n);
      r.settle(60n);
      ledger.append(row(randomUUID(), 60n));
      await ledger.flush();
      expect((await period(ctx.db, b.id)).leased).toBe(1_000n - 60n);
      // The replica dies without returning anything; its lease runs out.
      await ctx.db.query(`UPDATE budget_leases SET expires_at = now() - interval '1 second'`);
      const alive = new EscrowEngine(ctx.db, silentLogger, opts());
      await alive.tick();
      const p = await period(ctx.db, b.id);
      expect(p.leased).toBe(0n);
      expect(p.spent).toBe(60n);
      const { rows } = await ctx.db.query<{ state: string; abandoned: bigint }>('SELECT state, abandoned FROM budget_leases');
      expect(rows).toEqual([{ state: 'swept', abandoned: 940n }]);
      // The budget's money is usable again by the living.
      const again = await alive.reserve([b], 9_000n);
      again.settle(0n);
      await alive.close();
    });

    it('a consumption flushed after its lease was swept is still counted, as overage', async () => {
      const b = await budget(ctx.db, { limit: 10_000n });
      // A slice big enough that no background top-up (which renews the lease) races the test.
      const slow = new EscrowEngine(ctx.db, silentLogger, opts({ sliceMultiple: 50 }));
      const ledger = new LedgerWriter(ctx.db, silentLogger, slow);
      const r = await slow.reserve([b], 100n);
      await ctx.db.query(`UPDATE budget_leases SET expires_at = now() - interval '1 second'`);
      await new EscrowEngine(ctx.db, silentLogger, opts()).tick();
      r.settle(80n);
      ledger.append(row(randomUUID(), 80n));
      await ledger.close();
      const p = await period(ctx.db, b.id);
      expect(p.spent).toBe(80n);
      expect(p.overage).toBe(80n);
      expect(p.leased).toBe(0n);
    });

    it('a live replica whose lease was swept stops reserving from it once it can no longer trust it', async () => {
      const b = await budget(ctx.db, { limit: 1_000n });
      let now = 1_000_000;
      const slow = new EscrowEngine(ctx.db, silentLogger, opts({ now: () => now, sliceMultiple: 5, leaseTtlMs: 3_000 }));
      // Borrows a slice of 50 and holds nothing (small enough that no background top-up,
      // which would renew the lease, races the test).
      (await slow.reserve([b], 10n)).settle(0n);
      expect(slow.leases()[0]!.free).toBe(50n);
      // It cannot renew (say the database was unreachable): the lease expires and is swept.
      await ctx.db.query(`UPDATE budget_leases SET expires_at = now() - interval '1 second'`);
      const other = new EscrowEngine(ctx.db, silentLogger, opts());
      await other.tick();
      const held = [];
      for (let i = 0; i < 10; i++) held.push(await other.reserve([b], 100n));
      // Past its local validity the slow replica must ask Postgres again, which refuses.
      now += 3_000;
      await expect(slow.reserve([b], 10n)).rejects.toBeInstanceOf(BudgetExhausted);
      for (const r of held) r.settle(100n);
      const ledger = new LedgerWriter(ctx.db, silentLogger, other);
      await ledger.close();
      await other.close();
      const p = await period(ctx.db, b.id);
      expect(p.spent).toBe(1_000n);
      expect(p.overage).toBe(0n);
    });

    it('a call reserved at 0 that costs something is still charged to the budget, as overage', async () => {
      const b = await budget(ctx.db, { limit: 100n });
      const e = new EscrowEngine(ctx.db, silentLogger, opts());
      const ledger = new LedgerWriter(ctx.db, silentLogger, e);
      const r = await e.reserve([b], 0n);
      r.settle(500n);
      ledger.append(row(randomUUID(), 500n));
      await ledger.close();
      await e.close();
      expect(await period(ctx.db, b.id)).toEqual({ spent: 500n, leased: 0n, overage: 500n });
    });

    it('a row the database refuses does not hold back the others nor the budget consumption', async () => {
      const b = await budget(ctx.db, { limit: 10_000n });
      const e = new EscrowEngine(ctx.db, silentLogger, opts());
      const ledger = new LedgerWriter(ctx.db, silentLogger, e);
      const r = await e.reserve([b], 100n);
      r.settle(70n);
      ledger.append({ ...row(randomUUID(), 30n), tenantId: 'bad\u0000tenant' });
      ledger.append({ ...row(randomUUID(), 40n), requestId: 'nul\u0000inside', inputTokens: -5, outputTokens: 1.5 });
      await ledger.close();
      await e.close();
      expect(ledger.refused).toBe(1);
      const { rows } = await ctx.db.query<{ request_id: string; input_tokens: bigint; output_tokens: bigint }>(
        'SELECT request_id, input_tokens, output_tokens FROM usage_ledger',
      );
      expect(rows).toEqual([{ request_id: 'nulinside', input_tokens: 0n, output_tokens: 1n }]);
      expect((await period(ctx.db, b.id)).spent).toBe(70n);
    });

    it('a row already stored (a retried flush) is skipped without holding back new rows or the consumption', async () => {
      const b = await budget(ctx.db, { limit: 10_000n });
      const e = new EscrowEngine(ctx.db, silentLogger, opts());
      const ledger = new LedgerWriter(ctx.db, silentLogger, e);
      const stored = row(randomUUID(), 30n);
      await insertLedgerRows(ctx.db, [stored]);
      const r = await e.reserve([b], 100n);
      r.settle(70n);
      ledger.append(stored);
      ledger.append(row(randomUUID(), 40n));
      await ledger.close();
      await e.close();
      expect(ledger.refused).toBe(0);
      const { rows } = await ctx.db.query<{ n: bigint; cost: bigint }>('SELECT count(*) AS n, sum(cost)::int8 AS cost FROM usage_ledger');
      expect(rows[0]).toEqual({ n: 2n, cost: 70n });
      expect((await period(ctx.db, b.id)).spent).toBe(70n);
    });

    it('idle leases give their free money back', async () => {
      const b = await budget(ctx.db, { limit: 10_000n });
      let now = 1_000_000;
      const e = new EscrowEngine(ctx.db, silentLogger, opts({ now: () => now, sliceMultiple: 10, idleReturnMs: 2_000 }));
      const ledger = new LedgerWriter(ctx.db, silentLogger, e);
      const r = await e.reserve([b], 100n);
      r.settle(40n);
      ledger.append(row(randomUUID(), 40n));
      await ledger.flush();
      now += 5_000;
      await e.tick();
      const p = await period(ctx.db, b.id);
      expect(p).toEqual({ spent: 40n, leased: 0n, overage: 0n });
      expect(await openLeases(ctx.db)).toBe(0);
    });
  });
}
