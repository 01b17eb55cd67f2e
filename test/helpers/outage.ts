// Taking a real test database away (new connections refused, open ones terminated) and giving
// it back: how the spool tests simulate a Postgres outage without mocking anything.
import pg from 'pg';
import { expect } from 'vitest';
import { TEST_PG_URL, type FreshPostgres } from './db.js';

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export function databaseOutage(db: () => FreshPostgres): { outage(): Promise<void>; restore(): Promise<void> } {
  const name = () => new URL(db().url).pathname.slice(1);
  return {
    async outage() {
      await admin(`ALTER DATABASE "${name()}" ALLOW_CONNECTIONS false`);
      await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name()}'`);
    },
    restore: () => admin(`ALTER DATABASE "${name()}" ALLOW_CONNECTIONS true`),
  };
}

/** Flushes a writer until it has nothing left in memory or on disk. */
export async function drained(w: { flush(): Promise<void>; stats(): { pending: number; spooled: number } }): Promise<void> {
  for (let i = 0; i < 200 && (w.stats().pending > 0 || w.stats().spooled > 0); i++) await w.flush();
  expect(w.stats()).toMatchObject({ pending: 0, spooled: 0 });
}
