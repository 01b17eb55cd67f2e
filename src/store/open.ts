// Opens the database: a Postgres server (DATABASE_URL) or embedded PGlite. Apart from db.ts,
// which the backends implement, so that no file imports the backend that imports it.
import type { Db, OpenDbOptions } from './db.js';

/**
 * Opening PGlite costs seconds and most of a GB of memory when a new database runs initdb (the
 * wasm Postgres), far less when reopening a data dir (figures in docs/benchmarks.md). Hence
 * tests open one in-memory PGlite per process, never one per test.
 */
export async function openDb(opts: OpenDbOptions): Promise<Db> {
  if (opts.databaseUrl) {
    const { openPostgres } = await import('./pg-backend.js');
    return openPostgres({ ...opts, databaseUrl: opts.databaseUrl });
  }
  if (opts.dataDir) {
    // Imported lazily: loading PGlite's wasm costs memory a Postgres deployment never needs.
    const { openPglite } = await import('./pglite-backend.js');
    return openPglite(opts.dataDir);
  }
  throw new Error('openDb: set databaseUrl (Postgres) or dataDir (embedded PGlite)');
}
