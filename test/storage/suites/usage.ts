import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { LedgerRow } from '../../../src/store/repos/usage.js';
import type { Queryable } from '../../../src/store/db.js';
import { insertLedgerRows, insertLedgerRowsValues, queryUsage } from '../../../src/store/repos/usage.js';
import type { StorageCtx } from './context.js';

export function ledgerRow(over: Partial<LedgerRow> = {}): LedgerRow {
  return {
    decisionId: randomUUID(),
    requestId: 'req',
    tenantId: 'acme',
    apiKeyId: 'key_1',
    workerId: '',
    taskType: '',
    rpc: 'Chat',
    provider: 'openai',
    model: 'openai/gpt-4o',
    inputTokens: 100,
    outputTokens: 10,
    cachedInputTokens: 0,
    reasoningTokens: 0,
    cost: 1_000n,
    estimated: false,
    priceVersion: 'v1',
    latencyMs: 50,
    status: 'ok',
    attempts: 1,
    createdAt: new Date('2026-03-15T10:00:00Z'),
    ...over,
  };
}

export function usageSuite(ctx: StorageCtx): void {
  describe('usage ledger', () => {
    test('one statement per batch; a decision id counted once; every column round-trips', async () => {
      const row = ledgerRow({
        ttftMs: 12,
        cost: 9_000_000_000_000_000_000n,
        reasoningTokens: 7,
        cachedInputTokens: 3,
        estimated: true,
        status: 'cancelled',
        attempts: 3,
      });
      const statements: string[] = [];
      const spy: Queryable = {
        query: <R>(sql: string, params?: unknown[]) => (statements.push(sql), ctx.db.query<R>(sql, params)),
        exec: (sql: string) => ctx.db.exec(sql),
        copyFrom: (table, columns, lines) => (statements.push(`COPY ${table}`), ctx.db.copyFrom(table, columns, lines)),
      };
      await insertLedgerRows(spy, [row, ledgerRow({ workerId: 'w' })]);
      expect(statements).toHaveLength(1);
      await insertLedgerRows(ctx.db, [row]); // retried flush
      await insertLedgerRowsValues(ctx.db, [row, ledgerRow()]);
      await insertLedgerRows(ctx.db, []);
      const { rows } = await ctx.db.query<Record<string, unknown>>(
        'SELECT *, decision_id::text AS id FROM usage_ledger ORDER BY created_at, ttft_ms NULLS LAST',
      );
      expect(rows).toHaveLength(3);
      expect(rows.find((r) => r.id === row.decisionId)).toMatchObject({
        tenant_id: 'acme',
        api_key_id: 'key_1',
        rpc: 'Chat',
        input_tokens: 100n,
        output_tokens: 10n,
        cached_input_tokens: 3n,
        reasoning_tokens: 7n,
        cost: 9_000_000_000_000_000_000n,
        estimated: true,
        price_version: 'v1',
        latency_ms: 50,
        ttft_ms: 12,
        status: 'cancelled',
        attempts: 3,
        created_at: row.createdAt,
      });
      expect(rows.filter((r) => r.ttft_ms === null)).toHaveLength(2);
    });

    test('totals grouped by tenant, key, worker, provider, model and UTC day', async () => {
      await insertLedgerRows(ctx.db, [
        ledgerRow({ inputTokens: 10, outputTokens: 1, cost: 100n, createdAt: new Date('2026-03-14T23:59:59.999Z') }),
        ledgerRow({ inputTokens: 20, outputTokens: 2, cost: 200n, cachedInputTokens: 5, createdAt: new Date('2026-03-15T00:00:00Z') }),
        ledgerRow({
          inputTokens: 30,
          outputTokens: 3,
          cost: 300n,
          model: 'openai/gpt-4o-mini',
          createdAt: new Date('2026-03-15T12:00:00Z'),
        }),
        ledgerRow({
          tenantId: 'globex',
          apiKeyId: 'key_9',
          workerId: 'w',
          provider: 'anthropic',
          model: 'anthropic/claude',
          inputTokens: 40,
          reasoningTokens: 4,
          cost: 400n,
          createdAt: new Date('2026-03-15T13:00:00Z'),
        }),
        // Outside the range, on both ends.
        ledgerRow({ cost: 1n, createdAt: new Date('2026-03-13T23:59:59Z') }),
        ledgerRow({ cost: 1n, createdAt: new Date('2026-03-16T00:00:00Z') }),
      ]);
      const range = { start: new Date('2026-03-14T00:00:00Z'), end: new Date('2026-03-16T00:00:00Z') };
      const totals = await queryUsage(ctx.db, { ...range, groupBy: [] });
      expect(totals).toEqual([
        { group: {}, requests: 4n, inputTokens: 100n, outputTokens: 6n + 10n, cachedInputTokens: 5n, reasoningTokens: 4n, cost: 1_000n },
      ]);

      const byModelDay = await queryUsage(ctx.db, { ...range, groupBy: ['model', 'day'] });
      expect(byModelDay.map((r) => [r.group, r.requests, r.cost])).toEqual([
        [{ model: 'anthropic/claude', day: '2026-03-15' }, 1n, 400n],
        [{ model: 'openai/gpt-4o', day: '2026-03-14' }, 1n, 100n],
        [{ model: 'openai/gpt-4o', day: '2026-03-15' }, 1n, 200n],
        [{ model: 'openai/gpt-4o-mini', day: '2026-03-15' }, 1n, 300n],
      ]);
      const acme = await queryUsage(ctx.db, { ...range, groupBy: ['tenant', 'api_key', 'worker', 'provider'], tenant: 'acme' });
      expect(acme).toEqual([
        {
          group: { tenant: 'acme', api_key: 'key_1', worker: '', provider: 'openai' },
          requests: 3n,
          inputTokens: 60n,
          outputTokens: 6n,
          cachedInputTokens: 5n,
          reasoningTokens: 0n,
          cost: 600n,
        },
      ]);
      // An empty range: zero totals, or no groups.
      const empty = { start: new Date('2020-01-01T00:00:00Z'), end: new Date('2020-01-02T00:00:00Z') };
      expect(await queryUsage(ctx.db, { ...empty, groupBy: [] })).toEqual([
        { group: {}, requests: 0n, inputTokens: 0n, outputTokens: 0n, cachedInputTokens: 0n, reasoningTokens: 0n, cost: 0n },
      ]);
      expect(await queryUsage(ctx.db, { ...empty, groupBy: ['model'] })).toEqual([]);
    });
  });
}
