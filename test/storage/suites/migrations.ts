// migrate(): idempotence, checksums, atomic failure, a newer database, concurrent replicas.

import { describe, expect, test } from 'vitest';
import { openDb } from '../../../src/store/open.js';
import { appliedMigrations, checksum, loadMigrations, migrate, MigrationError, type Migration } from '../../../src/store/migrate.js';
import { freshPostgres } from '../../helpers/db.js';
import { rejection, type StorageCtx } from './context.js';

const EXPECTED_TABLES = [
  'aliases',
  'api_keys',
  'budget_leases',
  'budget_periods',
  'budgets',
  'call_intents',
  'decisions',
  'ledger_batches',
  'model_overrides',
  'policies',
  'providers',
  'rate_limits',
  'route_rules',
  'schema_migrations',
  'tenants',
  'usage_ledger',
];

export function migrationsSuite(ctx: StorageCtx): void {
  describe('migrations', () => {
    test('the schema is in place and every file is recorded once with its checksum', async () => {
      // Partitions (migration 0005, the janitor) are checked by the partitions suite.
      const { rows } = await ctx.db.query<{ t: string }>(
        `SELECT c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
      );
      expect(rows.map((r) => r.t)).toEqual(EXPECTED_TABLES);
      const files = await loadMigrations();
      const recorded = await appliedMigrations(ctx.db);
      expect(recorded.map((r) => [r.version, r.name, r.checksum])).toEqual(files.map((f) => [f.version, f.name, f.checksum]));
    });

    test('running again applies nothing', async () => {
      expect(await migrate(ctx.db)).toEqual({ applied: [] });
      expect(await migrate(ctx.db)).toEqual({ applied: [] });
    });

    test('a landed migration whose file changed stops start-up', async () => {
      const files = await loadMigrations();
      const edited: Migration[] = files.map((m, i) =>
        i === 0 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: checksum(`${m.sql}\n-- edited`) } : m,
      );
      const err = await rejection(migrate(ctx.db, { migrations: edited }));
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as Error).message).toMatch(/0001_init\.sql changed after it was applied/);
    });

    test('a failing migration leaves no trace (one transaction)', async () => {
      const files = await loadMigrations();
      const bad: Migration = {
        version: 9001,
        name: 'bad',
        sql: 'CREATE TABLE zz_half_done (x int); SELECT 1/0;',
        checksum: 'x',
      };
      const err = await rejection(migrate(ctx.db, { migrations: [...files, bad] }));
      expect((err as Error).message).toMatch(/9001_bad\.sql failed: division by zero/);
      const { rowCount } = await ctx.db.query(`SELECT 1 FROM pg_tables WHERE tablename = 'zz_half_done'`);
      expect(rowCount).toBe(0);
      expect((await appliedMigrations(ctx.db)).map((m) => m.version)).toEqual(files.map((f) => f.version));
    });

    test('a database migrated by a newer release stops start-up before anything is applied', async () => {
      const files = await loadMigrations();
      const newest = Math.max(...files.map((f) => f.version));
      const future = newest + 2;
      // This build's own pending file, which must not be applied to the newer schema either.
      const pendingSql = 'CREATE TABLE zz_pending (x int);';
      const pending: Migration = { version: newest + 1, name: 'pending', sql: pendingSql, checksum: checksum(pendingSql) };
      await ctx.db.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [future, 'from_the_future', 'x']);
      try {
        const atStartUp = await rejection(migrate(ctx.db));
        expect(atStartUp).toBeInstanceOf(MigrationError);
        expect((atStartUp as Error).message).toBe(
          `database schema is at migration ${pad(future)} (from_the_future), this build knows up to ${pad(newest)}: ` +
            'run a newer Switchyard or restore the database',
        );

        const withPending = await rejection(migrate(ctx.db, { migrations: [...files, pending] }));
        expect((withPending as Error).message).toMatch(
          `database schema is at migration ${pad(future)} (from_the_future), this build knows up to ${pad(newest + 1)}:`,
        );
        const { rowCount } = await ctx.db.query(`SELECT 1 FROM pg_tables WHERE tablename = 'zz_pending'`);
        expect(rowCount).toBe(0);
        expect((await appliedMigrations(ctx.db)).map((m) => m.version)).toEqual([...files.map((f) => f.version), future]);
      } finally {
        // schema_migrations outlives resetData(): later suites share this database.
        await ctx.db.query('DELETE FROM schema_migrations WHERE version = $1', [future]);
      }
      expect(await migrate(ctx.db)).toEqual({ applied: [] });
    });

    test('a landed migration whose file was removed stops start-up', async () => {
      const files = await loadMigrations();
      const newest = Math.max(...files.map((f) => f.version));
      const err = await rejection(migrate(ctx.db, { migrations: files.filter((f) => f.version !== 1) }));
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as Error).message).toBe(
        `database records migration 0001 (init), which this build has no file for ` +
          `(this build knows up to ${pad(newest)}): never remove a landed migration; restore the file`,
      );
    });

    test('concurrent migrate() calls on one Db both succeed', async () => {
      const results = await Promise.all([migrate(ctx.db), migrate(ctx.db), migrate(ctx.db)]);
      expect(results.every((r) => r.applied.length === 0)).toBe(true);
    });

    if (ctx.backend === 'postgres') {
      test('two replicas migrating an empty database at once: each migration applied once', async () => {
        const fresh = await freshPostgres({ migrate: false });
        const replicas = [fresh.db, ...(await Promise.all([1, 2, 3].map(() => openDb({ databaseUrl: fresh.url }))))];
        try {
          const results = await Promise.all(replicas.map((db) => migrate(db)));
          const files = await loadMigrations();
          const appliedBy = results.map((r) => r.applied);
          // Exactly one replica did the work; the others waited on the lock and skipped.
          expect(appliedBy.filter((a) => a.length > 0)).toEqual([files.map((f) => f.version)]);
          const recorded = await appliedMigrations(fresh.db);
          expect(recorded.map((r) => r.version)).toEqual(files.map((f) => f.version));
        } finally {
          await Promise.all(replicas.slice(1).map((db) => db.close()));
          await fresh.drop();
        }
      });
    }
  });
}

const pad = (version: number) => String(version).padStart(4, '0');
