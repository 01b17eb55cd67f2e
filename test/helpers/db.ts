// Test databases. No mocks: a real Postgres server (one fresh database per caller, dropped
// afterwards) and one real in-memory PGlite per test process, reset between test files.
//
// If Postgres is unreachable these helpers throw, so the tests fail rather than skip: in CI a
// skipped database suite would look green while testing nothing.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Db } from '../../src/store/db.js';
import { openDb } from '../../src/store/open.js';
import { migrate } from '../../src/store/migrate.js';

export const TEST_PG_URL = process.env.SWITCHYARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface FreshPostgres {
  db: Db;
  /** Connection URL of the new database (e.g. for a second "replica" pool). */
  url: string;
  /** Closes `db` and drops the database, even if other connections are still open. */
  drop(): Promise<void>;
}

/** A new, uniquely named database on the test server; migrated unless `migrate: false`. */
export async function freshPostgres(opts: { migrate?: boolean } = {}): Promise<FreshPostgres> {
  const name = `sy_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = withDatabase(TEST_PG_URL, name);
  let db: Db;
  try {
    db = await openDb({ databaseUrl: url, poolSize: 8 });
  } catch (err) {
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    throw err;
  }
  try {
    if (opts.migrate !== false) await migrate(db);
  } catch (err) {
    await db.close();
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    throw err;
  }
  let dropped = false;
  return {
    db,
    url,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await db.close().catch(() => undefined);
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

// Opening PGlite costs seconds and most of a GB (docs/benchmarks.md), so
// one instance serves the whole process. The promise lives on globalThis so a re-evaluated
// copy of this module (vitest module isolation) still finds it.
const PGLITE_KEY = Symbol.for('switchyard.test.sharedPglite');

/**
 * The process-wide in-memory PGlite, migrated. Never close it. Call `resetData()` before
 * using it in a test file so no file depends on another's rows.
 */
export function sharedPglite(): Promise<Db> {
  const g = globalThis as { [PGLITE_KEY]?: Promise<Db> };
  g[PGLITE_KEY] ??= (async () => {
    const db = await openDb({ dataDir: 'memory://' });
    await migrate(db);
    return db;
  })();
  return g[PGLITE_KEY];
}

/** Empties every table except schema_migrations (works on both backends). */
export async function resetData(db: Db): Promise<void> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT quote_ident(tablename) AS name FROM pg_tables
      WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY tablename`,
  );
  if (rows.length === 0) return;
  await db.exec(`TRUNCATE ${rows.map((r) => r.name).join(', ')} RESTART IDENTITY CASCADE`);
}

export type BackendName = 'postgres' | 'pglite';

export interface TestDb {
  db: Db;
  /** Postgres only: the URL of the fresh database. */
  url?: string;
  /** Drops the fresh Postgres database; a no-op for the shared PGlite. */
  release(): Promise<void>;
}

/** For `describe.each(BACKENDS)`: the same suite on both backends. */
export const BACKENDS: [BackendName][] = [['postgres'], ['pglite']];

export async function openTestDb(backend: BackendName): Promise<TestDb> {
  if (backend === 'postgres') {
    const fresh = await freshPostgres();
    return { db: fresh.db, url: fresh.url, release: fresh.drop };
  }
  const db = await sharedPglite();
  await resetData(db);
  return { db, release: async () => undefined };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`test Postgres unreachable at ${TEST_PG_URL} (set SWITCHYARD_TEST_PG_URL): ${(err as Error).message}`, { cause: err });
  }
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
