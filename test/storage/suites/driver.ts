// The Db contract itself: type mapping, rowCount, transactions, concurrency, error codes.

import { describe, expect, test } from 'vitest';
import { SQLSTATE, sqlState } from '../../../src/store/db.js';
import { rejection, sleep, type StorageCtx } from './context.js';

export function driverSuite(ctx: StorageCtx): void {
  describe('driver', () => {
    test('kind names the backend', () => {
      expect(ctx.db.kind).toBe(ctx.backend);
    });

    test('int8 is bigint on both backends, small or large, scalar or array', async () => {
      const { rows } = await ctx.db.query<Record<string, unknown>>(
        `SELECT 1::int8 AS small, 9223372036854775807::int8 AS max, (-9007199254740993)::int8 AS neg,
                count(*) AS n, ARRAY[1, NULL, 9007199254740993]::int8[] AS arr,
                $1::int8 AS param, 7::int4 AS i4, 1.5::numeric AS num`,
        [12345678901234567890n / 10n],
      );
      const r = rows[0]!;
      expect(r.small).toBe(1n);
      expect(r.max).toBe(9223372036854775807n);
      expect(r.neg).toBe(-9007199254740993n);
      expect(r.n).toBe(1n);
      expect(r.arr).toEqual([1n, null, 9007199254740993n]);
      expect(r.param).toBe(1234567890123456789n);
      expect(r.i4).toBe(7);
      expect(r.num).toBe('1.5');
    });

    test('timestamptz, jsonb, text[] and bool round-trip alike', async () => {
      const at = new Date('2024-02-29T12:34:56.789Z');
      const { rows } = await ctx.db.query<Record<string, unknown>>(
        `SELECT $1::timestamptz AS at, $2::jsonb AS doc, $3::text[] AS tags, $4::bool AS flag`,
        [at, JSON.stringify({ a: [1, 'x'], b: null }), ['a', 'b,c', 'd"e'], true],
      );
      expect(rows[0]).toEqual({ at, doc: { a: [1, 'x'], b: null }, tags: ['a', 'b,c', 'd"e'], flag: true });
    });

    test('rowCount counts rows returned or affected', async () => {
      // In a transaction so the TEMP table lives on one connection of the Postgres pool.
      await ctx.db.transaction(async (tx) => {
        await tx.exec('CREATE TEMP TABLE rc2 (x int) ON COMMIT DROP');
        expect((await tx.query('INSERT INTO rc2 SELECT generate_series(1, 3)')).rowCount).toBe(3);
        expect((await tx.query('UPDATE rc2 SET x = x + 1 WHERE x > 1')).rowCount).toBe(2);
        expect((await tx.query('SELECT * FROM rc2')).rowCount).toBe(3);
        expect((await tx.query('DELETE FROM rc2 WHERE x = 99')).rowCount).toBe(0);
      });
      expect((await ctx.db.query('SELECT 1 UNION ALL SELECT 2')).rowCount).toBe(2);
    });

    test('errors keep their SQLSTATE', async () => {
      const err = await rejection(ctx.db.query('SELECT 1/0'));
      expect(sqlState(err)).toBe('22012');
      const syntax = await rejection(ctx.db.query('SELEC 1'));
      expect(sqlState(syntax)).toBe('42601');
      await ctx.db.query(`INSERT INTO tenants (id) VALUES ('dup')`);
      const dup = await rejection(ctx.db.query(`INSERT INTO tenants (id) VALUES ($1)`, ['dup']));
      expect(sqlState(dup)).toBe(SQLSTATE.uniqueViolation);
      // Bound parameters never ride along on the error (they can be secrets).
      expect(dup).not.toHaveProperty('params');
    });

    test('a transaction commits on resolve and rolls back on throw', async () => {
      await ctx.db.transaction(async (tx) => {
        await tx.query(`INSERT INTO tenants (id) VALUES ('kept')`);
      });
      const boom = await rejection(
        ctx.db.transaction(async (tx) => {
          await tx.query(`INSERT INTO tenants (id) VALUES ('lost')`);
          throw new Error('boom');
        }),
      );
      expect((boom as Error).message).toBe('boom');
      const { rows } = await ctx.db.query<{ id: string }>('SELECT id FROM tenants ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual(['kept']);
    });

    test('a swallowed error makes COMMIT fail with 25P02 on both backends', async () => {
      const err = await rejection(
        ctx.db.transaction(async (tx) => {
          await tx.query(`INSERT INTO tenants (id) VALUES ('t1')`);
          await tx.query('SELECT 1/0').catch(() => undefined);
        }),
      );
      expect(sqlState(err)).toBe(SQLSTATE.inFailedTransaction);
      expect((await ctx.db.query('SELECT 1 FROM tenants')).rowCount).toBe(0);
    });

    test('db.query inside its own transaction callback throws instead of deadlocking', async () => {
      const err = await rejection(
        ctx.db.transaction(async () => {
          await ctx.db.query('SELECT 1');
        }),
      );
      expect((err as Error).message).toMatch(/use the tx argument/);
      // Work started inside a transaction but running after it ended is allowed.
      let late: Promise<unknown> | undefined;
      await ctx.db.transaction(async () => {
        late = sleep(20).then(() => ctx.db.query('SELECT 1'));
      });
      await expect(late).resolves.toBeDefined();
    });

    test('the tx handle is unusable after the transaction ends', async () => {
      let saved: { query: (s: string) => Promise<unknown> } | undefined;
      await ctx.db.transaction(async (tx) => {
        saved = tx;
      });
      await expect(saved!.query('SELECT 1')).rejects.toThrow(/closed/i);
    });

    test('concurrent read-modify-write transactions give the exact total', async () => {
      await ctx.db.query(`INSERT INTO policies (scope, version, body) VALUES ('platform', 1, '0')`);
      const bump = () =>
        ctx.db.transaction(async (tx) => {
          // FOR UPDATE is what makes this correct on a Postgres server; PGlite serialises
          // whole transactions anyway. Sleeping between read and write invites interleaving.
          const { rows } = await tx.query<{ body: number }>(`SELECT body FROM policies WHERE scope = 'platform' FOR UPDATE`);
          await sleep(2);
          await tx.query(`UPDATE policies SET body = $1::jsonb WHERE scope = 'platform'`, [JSON.stringify(rows[0]!.body + 1)]);
        });
      await Promise.all(Array.from({ length: 25 }, bump));
      const { rows } = await ctx.db.query<{ body: number }>('SELECT body FROM policies');
      expect(rows[0]!.body).toBe(25);
    });

    if (ctx.backend === 'pglite') {
      test('PGlite runs whole transactions one at a time, even without row locks', async () => {
        await ctx.db.query(`INSERT INTO policies (scope, version, body) VALUES ('platform', 1, '0')`);
        const bump = () =>
          ctx.db.transaction(async (tx) => {
            const { rows } = await tx.query<{ body: number }>(`SELECT body FROM policies`);
            await sleep(2);
            await tx.query(`UPDATE policies SET body = $1::jsonb`, [JSON.stringify(rows[0]!.body + 1)]);
          });
        await Promise.all(Array.from({ length: 25 }, bump));
        const { rows } = await ctx.db.query<{ body: number }>('SELECT body FROM policies');
        expect(rows[0]!.body).toBe(25);
      });
    }

    if (ctx.backend === 'postgres') {
      test('pool sessions carry application_name and the timeouts', async () => {
        const { rows } = await ctx.db.query<Record<string, string>>(
          `SELECT current_setting('application_name') AS app,
                  current_setting('statement_timeout') AS st,
                  current_setting('idle_in_transaction_session_timeout') AS idle`,
        );
        expect(rows[0]).toEqual({ app: 'switchyard', st: '30s', idle: '1min' });
      });
    }

    test('a plain query issued while a transaction is open does not join it', async () => {
      // On PGlite (one session) a query slipped between the transaction's statements would
      // run inside it and vanish with its ROLLBACK; it must wait for the transaction instead.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const tx = ctx.db.transaction(async (t) => {
        await t.query(`INSERT INTO tenants (id) VALUES ('inside')`);
        await gate;
        throw new Error('roll back');
      });
      await sleep(10);
      const plain = ctx.db.query(`INSERT INTO tenants (id) VALUES ('outside')`);
      await sleep(20);
      release();
      await expect(tx).rejects.toThrow('roll back');
      await plain;
      const { rows } = await ctx.db.query<{ id: string }>('SELECT id FROM tenants');
      expect(rows.map((r) => r.id)).toEqual(['outside']);
    });
  });
}
