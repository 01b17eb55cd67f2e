// LISTEN/NOTIFY on both backends, and on Postgres across two "replicas" and a dropped
// listener connection.

import { describe, expect, test } from 'vitest';
import { notify } from '../../../src/store/db.js';
import { openDb } from '../../../src/store/open.js';
import { sleep, waitFor, type StorageCtx } from './context.js';

export function listenSuite(ctx: StorageCtx): void {
  describe('listen/notify', () => {
    test('delivers payloads until unlisten', async () => {
      const got: string[] = [];
      const stop = await ctx.db.listen('sy_test_a', (p) => got.push(p));
      await notify(ctx.db, 'sy_test_a', 'one');
      await ctx.db.query(`SELECT pg_notify('sy_test_a', 'two')`);
      await waitFor(() => got.length === 2);
      expect(got).toEqual(['one', 'two']);

      await stop();
      await stop(); // idempotent
      await notify(ctx.db, 'sy_test_a', 'three');
      await sleep(50);
      expect(got).toEqual(['one', 'two']);
    });

    test('several listeners on one channel each get every payload', async () => {
      const a: string[] = [];
      const b: string[] = [];
      const stopA = await ctx.db.listen('sy_test_b', (p) => a.push(p));
      const stopB = await ctx.db.listen('sy_test_b', (p) => b.push(p));
      await notify(ctx.db, 'sy_test_b', 'x');
      await waitFor(() => a.length === 1 && b.length === 1);
      await stopA();
      await notify(ctx.db, 'sy_test_b', 'y');
      await waitFor(() => b.length === 2);
      expect(a).toEqual(['x']);
      expect(b).toEqual(['x', 'y']);
      await stopB();
    });

    test('a NOTIFY inside a transaction arrives on COMMIT, never on ROLLBACK', async () => {
      const got: string[] = [];
      const stop = await ctx.db.listen('sy_test_c', (p) => got.push(p));
      await ctx.db
        .transaction(async (tx) => {
          await notify(tx, 'sy_test_c', 'rolled back');
          throw new Error('no');
        })
        .catch(() => undefined);
      await ctx.db.transaction(async (tx) => {
        await notify(tx, 'sy_test_c', 'committed');
      });
      await waitFor(() => got.length >= 1);
      await sleep(30);
      expect(got).toEqual(['committed']);
      await stop();
    });

    test('channel names must be plain lowercase identifiers', async () => {
      await expect(ctx.db.listen('Bad-Name"; DROP', () => undefined)).rejects.toThrow(/invalid LISTEN/);
      await expect(notify(ctx.db, 'UPPER', 'x')).rejects.toThrow(/invalid LISTEN/);
    });

    if (ctx.backend === 'postgres') {
      test('a NOTIFY from one replica reaches a listener on another', async () => {
        const other = await openDb({ databaseUrl: ctx.url! });
        try {
          const got: string[] = [];
          const stop = await other.listen('sy_test_d', (p) => got.push(p));
          await notify(ctx.db, 'sy_test_d', 'hello');
          await waitFor(() => got.length === 1);
          expect(got).toEqual(['hello']);
          await stop();
        } finally {
          await other.close();
        }
      });

      test('the listener reconnects and re-LISTENs after its connection is killed', async () => {
        const errors: Error[] = [];
        const replica = await openDb({ databaseUrl: ctx.url!, onBackgroundError: (e) => errors.push(e) });
        try {
          const got: string[] = [];
          await replica.listen('sy_test_e', (p) => got.push(p));
          const killed = await ctx.db.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND query = 'LISTEN "sy_test_e"'`,
          );
          expect(killed.rowCount).toBe(1);
          await waitFor(() => errors.length > 0);
          // Keep notifying until the re-established connection hears one.
          for (let i = 0; got.length === 0 && i < 100; i++) {
            await notify(ctx.db, 'sy_test_e', `after-${i}`);
            await sleep(50);
          }
          expect(got.length).toBeGreaterThan(0);
        } finally {
          await replica.close();
        }
      });
    }
  });
}
