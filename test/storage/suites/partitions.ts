// Daily partitions (migration 0005) and their janitor (src/store/partitions.ts): conversion of
// existing rows, days created ahead, rows caught by DEFAULT moved into their day, retention,
// one janitor at a time, COPY and idempotent inserts through the partitioned parents, and
// GetDecision reading the partition its UUIDv7 id names. Dates are far in the future so the
// partitions made here never meet another suite's rows.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { uuidv7 } from '../../../src/ids.js';
import { DecisionWriter } from '../../../src/ledger/decision-writer.js';
import { loadMigrations, migrate } from '../../../src/store/migrate.js';
import { JANITOR_LOCK_KEY, listPartitions, maintainPartitions, partitionName } from '../../../src/store/partitions.js';
import { getDecision, insertDecisions, type DecisionRow } from '../../../src/store/repos/decisions.js';
import { copyLedgerRows, insertLedgerRows } from '../../../src/store/repos/usage.js';
import { freshPostgres } from '../../helpers/db.js';
import { rejection, type StorageCtx } from './context.js';
import { ledgerRow } from './usage.js';

const DAY = 86_400_000;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

const decision = (createdAt: Date, over: Partial<DecisionRow> = {}): DecisionRow => ({
  id: uuidv7(createdAt.getTime()),
  tenantId: 'acme',
  rpc: 'Route',
  createdAt,
  policyVersion: 'platform:0',
  catalogVersion: 'abc',
  inputs: { request: { model: 'm' } },
  plan: { candidates: [] },
  outcome: undefined,
  ...over,
});

/** Which partition each stored row of `table` is in, counted. */
async function whereRows(ctx: StorageCtx, table: 'decisions' | 'usage_ledger'): Promise<Record<string, number>> {
  const { rows } = await ctx.db.query<{ p: string; n: bigint }>(
    `SELECT tableoid::regclass::text AS p, count(*) AS n FROM ${table} GROUP BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.p, Number(r.n)]));
}

const silent = { warn: () => undefined, error: () => undefined, info: () => undefined, debug: () => undefined };

export function partitionsSuite(ctx: StorageCtx): void {
  describe('partitions', () => {
    test('the janitor creates today and the days ahead, and a second run does nothing', async () => {
      const now = new Date('2031-01-10T15:00:00Z');
      const opts = { now, daysAhead: 2, retentionDays: { decisions: 30, usage_ledger: null } };
      const first = await maintainPartitions(ctx.db, opts);
      expect(first.ran).toBe(true);
      for (const table of ['decisions', 'usage_ledger'] as const) {
        const days = await listPartitions(ctx.db, table);
        for (const d of ['2031-01-10', '2031-01-11', '2031-01-12']) expect(days.get(day(d))).toBe(partitionName(table, day(d)));
        expect(days.has(day('2031-01-13'))).toBe(false);
      }
      expect(await maintainPartitions(ctx.db, opts)).toEqual({ ran: true, created: [], dropped: [], moved: 0, expired: 0 });

      // A created day carries the parent's key and indexes (attached, not declared on it).
      const { rows } = await ctx.db.query<{ def: string }>(
        `SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = $1::regclass ORDER BY 1`,
        [partitionName('usage_ledger', day('2031-01-11'))],
      );
      expect(rows.map((r) => r.def.replace(/^.* USING /, '')).sort()).toEqual([
        'brin (created_at)',
        'btree (decision_id, created_at)',
        'btree (tenant_id, created_at)',
      ]);
    });

    test('COPY routes rows into their day; rows no day covers land in DEFAULT and the janitor moves them', async () => {
      const now = new Date('2031-02-10T12:00:00Z');
      await maintainPartitions(ctx.db, { now, daysAhead: 1, retentionDays: { decisions: 30, usage_ledger: null } });
      const inDay = decision(new Date('2031-02-10T08:00:00Z'));
      const stray = decision(new Date('2031-02-20T08:00:00Z'));
      await insertDecisions(ctx.db, [inDay, stray]);
      await copyLedgerRows(ctx.db, [ledgerRow({ createdAt: inDay.createdAt }), ledgerRow({ createdAt: stray.createdAt })]);
      expect(await whereRows(ctx, 'decisions')).toEqual({ decisions_p20310210: 1, decisions_default: 1 });
      expect(await whereRows(ctx, 'usage_ledger')).toEqual({ usage_ledger_p20310210: 1, usage_ledger_default: 1 });

      const r = await maintainPartitions(ctx.db, { now, daysAhead: 1, retentionDays: { decisions: 30, usage_ledger: null } });
      expect(r.created).toEqual(['decisions_p20310220', 'usage_ledger_p20310220']);
      expect(r.moved).toBe(2);
      expect(await whereRows(ctx, 'decisions')).toEqual({ decisions_p20310210: 1, decisions_p20310220: 1 });
      expect(await getDecision(ctx.db, stray.id)).toEqual(stray);
    });

    test('retention drops whole days past it and stray old rows; a table without retention keeps everything', async () => {
      const old = new Date('2031-03-01T10:00:00Z');
      const recent = new Date('2031-03-25T10:00:00Z');
      await maintainPartitions(ctx.db, { now: old, daysAhead: 0, retentionDays: { decisions: 30, usage_ledger: null } });
      await maintainPartitions(ctx.db, { now: recent, daysAhead: 0, retentionDays: { decisions: 30, usage_ledger: null } });
      // Without its day, a late row for 2031-03-01 is caught by DEFAULT.
      await ctx.db.query(`DROP TABLE decisions_p20310301`);
      const ancient = decision(old);
      await insertDecisions(ctx.db, [ancient, decision(recent)]);
      await copyLedgerRows(ctx.db, [ledgerRow({ createdAt: old }), ledgerRow({ createdAt: recent })]);
      expect(await whereRows(ctx, 'decisions')).toEqual({ decisions_default: 1, decisions_p20310325: 1 });

      const now = new Date('2031-04-05T00:00:00Z');
      const r = await maintainPartitions(ctx.db, { now, daysAhead: 0, retentionDays: { decisions: 30, usage_ledger: null } });
      // Cutoff 2031-03-06T00:00Z: every decisions day ending by then goes, later days stay.
      expect(r.dropped.every((n) => n.startsWith('decisions_p') && n < 'decisions_p20310306')).toBe(true);
      expect(r.dropped).not.toContain('decisions_p20310325');
      expect(r.expired).toBe(1);
      expect(await whereRows(ctx, 'decisions')).toEqual({ decisions_p20310325: 1 });
      expect(await getDecision(ctx.db, ancient.id)).toBeNull();
      expect(await whereRows(ctx, 'usage_ledger')).toEqual({ usage_ledger_p20310301: 1, usage_ledger_p20310325: 1 });
    });

    test('a ledger row is counted once per decision id across a retry (the key holds the partition key)', async () => {
      const t = new Date('2031-02-10T09:00:00Z');
      const row = ledgerRow({ decisionId: uuidv7(t.getTime()), createdAt: t, cost: 7n });
      await copyLedgerRows(ctx.db, [row]);
      // The writer's batch COPY fails on the stored key, then inserts row by row skipping it.
      const err = await rejection(copyLedgerRows(ctx.db, [row, ledgerRow({ createdAt: t })]));
      expect((err as { code?: string }).code).toBe('23505');
      await insertLedgerRows(ctx.db, [row, { ...row, cost: 9n }]);
      const { rows } = await ctx.db.query<{ cost: bigint }>(`SELECT cost FROM usage_ledger WHERE decision_id = $1::uuid`, [row.decisionId]);
      expect(rows).toEqual([{ cost: 7n }]);
    });

    test('GetDecision by a UUIDv7 id reads the time window its id names; other ids search every day', async () => {
      const t = new Date('2031-02-10T09:00:00Z');
      // Its day again: the retention test above dropped it.
      await maintainPartitions(ctx.db, { now: t, daysAhead: 3, retentionDays: { decisions: 30, usage_ledger: null } });
      const r = decision(t);
      // The id says 2031-02-10 but the row claims another day: outside the window, not found.
      const misfiled = { ...decision(t), createdAt: new Date('2031-02-13T09:00:00Z') };
      const v4 = { ...decision(t), id: randomUUID(), createdAt: new Date('2031-02-13T09:00:00Z') };
      await insertDecisions(ctx.db, [r, misfiled, v4]);
      expect(await getDecision(ctx.db, r.id)).toEqual(r);
      expect(await getDecision(ctx.db, misfiled.id)).toBeNull();
      expect(await getDecision(ctx.db, v4.id)).toEqual(v4);
      if (ctx.backend === 'postgres') {
        // The same shape as getDecision's query, with constants: only one day is scanned.
        const { rows } = await ctx.db.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN (COSTS OFF) SELECT * FROM decisions WHERE id = '${r.id}'::uuid
             AND created_at BETWEEN '2031-02-10T08:00:00Z'::timestamptz AND '2031-02-10T10:00:00Z'::timestamptz`,
        );
        const plan = rows.map((x) => x['QUERY PLAN']).join('\n');
        expect(plan).toContain('decisions_p20310210');
        expect(plan).not.toMatch(/decisions_p2031021[1-9]|decisions_default/);
      }
    });

    test('route_sample_rate 0: Route decisions are not stored, Chat decisions are', async () => {
      const w = new DecisionWriter(ctx.db, silent as never, { routeSampleRate: 0 });
      const t = new Date('2031-02-10T10:00:00Z');
      const routed = decision(t);
      const chat = decision(t, { rpc: 'Chat', outcome: { finish: 'stop' } });
      w.record(routed);
      w.record(chat);
      await w.close();
      expect(w.sampledOut).toBe(1);
      expect(await w.get(routed.id)).toBeNull();
      expect(await getDecision(ctx.db, chat.id)).toEqual(chat);
    });

    if (ctx.backend === 'postgres') {
      test('while another replica holds the janitor lock, a run does nothing and does not wait', async () => {
        const other = new pg.Client({ connectionString: ctx.url });
        await other.connect();
        try {
          await other.query('SELECT pg_advisory_lock($1)', [JANITOR_LOCK_KEY.toString()]);
          const r = await maintainPartitions(ctx.db, {
            now: new Date('2031-06-01T00:00:00Z'),
            daysAhead: 1,
            retentionDays: { decisions: 30, usage_ledger: null },
          });
          expect(r).toEqual({ ran: false, created: [], dropped: [], moved: 0, expired: 0 });
          expect((await listPartitions(ctx.db, 'decisions')).has(day('2031-06-01'))).toBe(false);
        } finally {
          await other.end();
        }
      });

      test('migration 0005 moves existing rows into one partition per day, keeping every row', async () => {
        const fresh = await freshPostgres({ migrate: false });
        try {
          const files = await loadMigrations();
          await migrate(fresh.db, { migrations: files.filter((f) => f.version < 5) });
          const base = day('2026-05-01');
          const rows = Array.from({ length: 60 }, (_, i) => decision(new Date(base + i * 3_600_000 + 1_000)));
          await insertDecisions(fresh.db, rows);
          await copyLedgerRows(
            fresh.db,
            rows.slice(0, 30).map((d) => ledgerRow({ decisionId: d.id, createdAt: d.createdAt })),
          );
          expect((await migrate(fresh.db)).applied).toContain(5);
          const days = await listPartitions(fresh.db, 'decisions');
          expect([...days.keys()].sort()).toEqual([base, base + DAY, base + 2 * DAY]);
          expect(await getDecision(fresh.db, rows[59]!.id)).toEqual(rows[59]);
          const { rows: n } = await fresh.db.query<{ d: bigint; u: bigint }>(
            `SELECT (SELECT count(*) FROM decisions) AS d, (SELECT count(*) FROM usage_ledger) AS u`,
          );
          expect(n[0]).toEqual({ d: 60n, u: 30n });
          const { rowCount } = await fresh.db.query(`SELECT 1 FROM pg_class WHERE relname LIKE '%_unpartitioned'`);
          expect(rowCount).toBe(0);
        } finally {
          await fresh.drop();
        }
      });
    }
  });
}
