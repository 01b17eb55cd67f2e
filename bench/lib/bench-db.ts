// The database a benchmarked replica runs on: a fresh database on the local Postgres server
// (the production setup: decision batches are written by Postgres, not on Switchyard's event
// loop), or in-memory PGlite when no server answers. Dropped at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.SWITCHYARD_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDb {
  /** DATABASE_URL for the replica, or undefined for PGlite. */
  url: string | undefined;
  label: string;
  drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2_000 });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function benchDb(): Promise<BenchDb> {
  const name = `sy_bench_${randomBytes(4).toString('hex')}`;
  try {
    await admin(`CREATE DATABASE "${name}"`);
  } catch {
    return { url: undefined, label: 'embedded PGlite (no Postgres server answered)', drop: async () => undefined };
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    label: `Postgres (${name})`,
    drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined),
  };
}
