// Embedded backend: PGlite (Postgres compiled to wasm, ONE session). PGlite itself serialises
// callers: `query()`/`exec()` and `transaction()` share a mutex, so a plain query from another
// caller waits until an open transaction ends instead of running inside it. That is why a raw
// `BEGIN` through query() is never used here: it would not hold that mutex between statements.

import { mkdir } from 'node:fs/promises';
import { PGlite, types as pgliteTypes, type Transaction } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult, Unlisten } from './db.js';
import { assertChannel, copyStatement } from './db.js';
import { TxGuard } from './tx-guard.js';

export async function openPglite(dataDir: string): Promise<Db> {
  if (!dataDir.includes('://')) await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, {
    // PGlite's default returns int8 as a number, or a bigint past 2^53: one type, always.
    // int8[] uses this parser too (PGlite builds array parsers from the element parser).
    parsers: { [pgliteTypes.INT8]: (v: string) => BigInt(v) },
  });
  return new PgliteDb(pglite);
}

class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  readonly #guard = new TxGuard();

  constructor(private readonly pglite: PGlite) {}

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    this.#guard.check('db.query()');
    return run(() => this.pglite.query<R>(sql, params)).then(toResult);
  }

  async exec(sql: string): Promise<void> {
    this.#guard.check('db.exec()');
    await run(() => this.pglite.exec(sql));
  }

  async copyFrom(table: string, columns: readonly string[], lines: string): Promise<number> {
    this.#guard.check('db.copyFrom()');
    return run(() => copyBlob(this.pglite, table, columns, lines));
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.#guard.check('db.transaction()');
    return run(() =>
      this.pglite.transaction((ptx: Transaction) => {
        const tx: Queryable = {
          query: <R>(sql: string, params?: unknown[]) => run(() => ptx.query<R>(sql, params)).then(toResult),
          exec: async (sql: string) => {
            await run(() => ptx.exec(sql));
          },
          copyFrom: (table: string, columns: readonly string[], lines: string) => run(() => copyBlob(ptx, table, columns, lines)),
        };
        return this.#guard.run(() => fn(tx));
      }),
    );
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<Unlisten> {
    this.#guard.check('db.listen()');
    assertChannel(channel);
    const unlisten = await this.pglite.listen(channel, onPayload);
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      await unlisten();
    };
  }

  async close(): Promise<void> {
    if (!this.pglite.closed) await this.pglite.close();
  }
}

/** PGlite has no STDIN: its COPY reads the query's attached blob at the path /dev/blob. */
async function copyBlob(q: Pick<Transaction, 'query'>, table: string, columns: readonly string[], lines: string): Promise<number> {
  const res = await q.query(copyStatement(table, columns, "'/dev/blob'"), [], { blob: new Blob([lines]) });
  return res.affectedRows ?? 0;
}

function toResult<R>(res: { rows: R[]; affectedRows?: number; rowCount?: number }): QueryResult<R> {
  // The command tag's count ("SELECT 3", "UPDATE 1") matches what `pg` reports as rowCount.
  return { rows: res.rows, rowCount: res.rowCount ?? res.affectedRows ?? res.rows.length };
}

/**
 * PGlite attaches the bound parameters to its errors (`err.params`), and a logged error would
 * then print key hashes or ciphertext. Drop them; keep code, message, constraint, query text.
 */
async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'params' in err) {
      delete (err as { params?: unknown }).params;
    }
    throw err;
  }
}
