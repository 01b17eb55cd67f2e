import { describe, expect, test } from 'vitest';
import { AlreadyExistsError, NotFoundError } from '../../../src/store/errors.js';
import {
  createBudget,
  deleteBudget,
  getBudget,
  listAllBudgets,
  listBudgets,
  periodStart,
  syncConfigBudgets,
  updateBudget,
  type BudgetUsage,
} from '../../../src/store/repos/budgets.js';
import { createTenant } from '../../../src/store/repos/tenants.js';
import { rejection, type StorageCtx } from './context.js';

export function budgetsSuite(ctx: StorageCtx): void {
  describe('budgets', () => {
    const NOW = new Date('2026-03-15T10:00:00Z');

    test("create, get, update, list, delete; spent and reserved are the current period's", async () => {
      await createTenant(ctx.db, { id: 'acme' });
      const b = await createBudget(ctx.db, { id: 'b1', tenantId: 'acme', scope: 'tenant', period: 'day', limit: 5_000_000_000_000n });
      expect(b).toMatchObject({
        id: 'b1',
        tenantId: 'acme',
        scope: 'tenant',
        apiKeyId: '',
        workerId: '',
        period: 'day',
        limit: 5_000_000_000_000n,
        source: 'admin',
      });
      expect(await getBudget(ctx.db, 'b1', NOW)).toMatchObject({ id: 'b1', spent: 0n, reserved: 0n });

      // Yesterday's period and today's: only today's counts.
      const today = periodStart('day', NOW);
      const yesterday = new Date(today.getTime() - 86_400_000);
      await ctx.db.query('INSERT INTO budget_periods (budget_id, period_start, spent, leased) VALUES ($1, $2, $3, $4), ($1, $5, $6, $7)', [
        'b1',
        yesterday,
        999n,
        999n,
        today,
        1_234n,
        56n,
      ]);
      expect(await getBudget(ctx.db, 'b1', NOW)).toMatchObject({ spent: 1_234n, reserved: 56n });

      // Switching to a monthly period reads the month's row (none yet).
      const monthly = await updateBudget(ctx.db, {
        id: 'b1',
        tenantId: 'acme',
        scope: 'worker',
        workerId: 'w',
        period: 'month',
        limit: 7n,
      });
      expect(monthly).toMatchObject({ scope: 'worker', workerId: 'w', period: 'month', limit: 7n });
      expect(await getBudget(ctx.db, 'b1', NOW)).toMatchObject({ spent: 0n, reserved: 0n });

      await deleteBudget(ctx.db, 'b1');
      expect(await getBudget(ctx.db, 'b1', NOW)).toBeNull();
      // The periods went with it.
      const { rows } = await ctx.db.query<{ n: bigint }>('SELECT count(*) AS n FROM budget_periods');
      expect(rows[0]!.n).toBe(0n);
    });

    test('typed errors: duplicates, missing tenant, missing budget, check constraints', async () => {
      await createTenant(ctx.db, { id: 'acme' });
      await createBudget(ctx.db, { id: 'b1', tenantId: 'acme', scope: 'api_key', apiKeyId: 'key_1', period: 'day', limit: 1n });
      expect(
        await rejection(createBudget(ctx.db, { id: 'b1', tenantId: 'acme', scope: 'tenant', period: 'day', limit: 1n })),
      ).toBeInstanceOf(AlreadyExistsError);
      // The same limit twice under another id.
      expect(
        await rejection(
          createBudget(ctx.db, { id: 'b2', tenantId: 'acme', scope: 'api_key', apiKeyId: 'key_1', period: 'day', limit: 9n }),
        ),
      ).toBeInstanceOf(AlreadyExistsError);
      const noTenant = await rejection(createBudget(ctx.db, { id: 'b3', tenantId: 'ghost', scope: 'tenant', period: 'day', limit: 1n }));
      expect(noTenant).toBeInstanceOf(NotFoundError);
      expect(noTenant).toMatchObject({ entity: 'tenant', id: 'ghost' });
      expect(
        await rejection(updateBudget(ctx.db, { id: 'nope', tenantId: 'acme', scope: 'tenant', period: 'day', limit: 1n })),
      ).toBeInstanceOf(NotFoundError);
      expect(await rejection(deleteBudget(ctx.db, 'nope'))).toBeInstanceOf(NotFoundError);
      // An api_key budget without a key is refused by the schema itself.
      expect(
        await rejection(createBudget(ctx.db, { id: 'b4', tenantId: 'acme', scope: 'api_key', period: 'day', limit: 1n })),
      ).toMatchObject({ code: '23514' });
    });

    test('paged listing, per tenant, and the full list for the snapshot', async () => {
      await createTenant(ctx.db, { id: 'acme' });
      await createTenant(ctx.db, { id: 'globex' });
      for (let i = 0; i < 5; i++) {
        await createBudget(ctx.db, {
          id: `b${i}`,
          tenantId: i % 2 ? 'globex' : 'acme',
          scope: 'worker',
          workerId: `w${i}`,
          period: 'total',
          limit: BigInt(i),
        });
      }
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page: { items: BudgetUsage[]; next: string | null } = await listBudgets(ctx.db, { after, limit: 2 }, NOW);
        seen.push(...page.items.map((b) => b.id));
        if (!page.next) break;
        after = page.next;
      }
      expect(seen).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
      expect((await listBudgets(ctx.db, { tenantId: 'globex' })).items.map((b) => b.id)).toEqual(['b1', 'b3']);
      expect((await listAllBudgets(ctx.db)).map((b) => [b.id, b.limit])).toEqual([
        ['b0', 0n],
        ['b1', 1n],
        ['b2', 2n],
        ['b3', 3n],
        ['b4', 4n],
      ]);
    });

    test('config budgets: upserted on what they limit, removed when they leave the file', async () => {
      await createTenant(ctx.db, { id: 'acme' });
      const admin = await createBudget(ctx.db, {
        id: 'admin-one',
        tenantId: 'acme',
        scope: 'worker',
        workerId: 'w',
        period: 'day',
        limit: 1n,
      });
      const ids = await syncConfigBudgets(ctx.db, [
        { id: 'config:acme:tenant:month', tenantId: 'acme', scope: 'tenant', period: 'month', limit: 10n },
        { id: 'config:acme:worker:w:day', tenantId: 'acme', scope: 'worker', workerId: 'w', period: 'day', limit: 20n },
      ]);
      // The file takes over the admin budget with the same scope (its id, and spend, stay).
      expect(ids).toEqual(['config:acme:tenant:month', admin.id]);
      expect(await getBudget(ctx.db, admin.id)).toMatchObject({ limit: 20n, source: 'config' });
      // A restart with a changed file: new limit kept in place, the dropped one deleted.
      await syncConfigBudgets(ctx.db, [{ id: 'config:acme:tenant:month', tenantId: 'acme', scope: 'tenant', period: 'month', limit: 11n }]);
      expect((await listAllBudgets(ctx.db)).map((b) => [b.id, b.limit, b.source])).toEqual([['config:acme:tenant:month', 11n, 'config']]);
      // Idempotent.
      await syncConfigBudgets(ctx.db, [{ id: 'config:acme:tenant:month', tenantId: 'acme', scope: 'tenant', period: 'month', limit: 11n }]);
      expect(await listAllBudgets(ctx.db)).toHaveLength(1);
      await syncConfigBudgets(ctx.db, []);
      expect(await listAllBudgets(ctx.db)).toHaveLength(0);
    });
  });
}
