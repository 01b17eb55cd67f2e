import { describe, expect, test } from 'vitest';
import { getDecision, insertDecisions, type DecisionRow } from '../../../src/store/repos/decisions.js';
import type { StorageCtx } from './context.js';

const row = (i: number, over: Partial<DecisionRow> = {}): DecisionRow => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  tenantId: 'acme',
  rpc: 'Route',
  createdAt: new Date(Date.UTC(2026, 10, 22, 0, 0, i)),
  policyVersion: 'platform:0',
  catalogVersion: 'abc',
  inputs: { request: { model: 'm', maxPrice: '123456789012345678901' } },
  plan: { candidates: [{ provider: 'p', model: 'm' }], excluded: [] },
  outcome: undefined,
  ...over,
});

export function decisionsSuite(ctx: StorageCtx): void {
  describe('decisions', () => {
    test('a batch is one COPY; rows read back exactly; a retried batch keeps only what is new', async () => {
      const rows = Array.from({ length: 300 }, (_, i) => row(i + 1, i % 2 ? { rpc: 'Chat', outcome: { finish: { reason: 'stop' } } } : {}));
      await insertDecisions(ctx.db, rows);
      // A flush retried after its commit went through, plus rows that are new this time.
      await insertDecisions(ctx.db, [row(1, { tenantId: 'changed' }), row(301), row(302)]);
      expect(await getDecision(ctx.db, rows[0]!.id)).toEqual(rows[0]);
      expect(await getDecision(ctx.db, rows[1]!.id)).toEqual(rows[1]);
      expect(await getDecision(ctx.db, row(302).id)).toEqual(row(302));
      const { rows: n } = await ctx.db.query<{ n: bigint }>('SELECT count(*) AS n FROM decisions');
      expect(n[0]!.n).toBe(302n);
      expect(await getDecision(ctx.db, '00000000-0000-4000-8000-999999999999')).toBeNull();
    });

    test('COPY text escaping: tabs, newlines, backslashes, \\N, NUL escapes and non-ASCII survive', async () => {
      const tricky = 'tab\there\nnew line\r\\ back\\slash \\N \u0000 nul é 日本 🚀';
      const r = row(400, { inputs: { context: { requestId: tricky }, n: 1 }, plan: { note: tricky }, outcome: { message: '\\N' } });
      await insertDecisions(ctx.db, [r]);
      expect(await getDecision(ctx.db, r.id)).toEqual(r);
    });
  });
}
