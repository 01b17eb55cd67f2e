// Postgres server backend: one `pg.Pool` per Db, plus one dedicated connection for LISTEN.

import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyStatement, sqlState, type Db, type OpenDbOptions, type Queryable, type QueryResult, type Unlisten } from './db.js';
import { PgListener } from './pg-listener.js';
import { TxGuard, transactionAborted } from './tx-guard.js';

const INT8_OID = 20;
const INT8_ARRAY_OID = 1016;

const parseInt8 = (v: string): bigint => BigInt(v);
// pg's own int8[] parser (it yields strings); its typings only accept the enum of scalar oids.
const getParser = pg.types.getTypeParser as (oid: number, format?: string) => (v: string) => unknown;
const defaultInt8Array = getParser(INT8_ARRAY_OID, 'text') as (v: string) => (string | null)[];
const parseInt8Array = (v: string): (bigint | null)[] => defaultInt8Array(v).map((x) => (x === null ? null : BigInt(x)));

/**
 * Per-pool type parsers: int8 → bigint without touching pg's global `types`, which another
 * library in the process (or a test) may rely on.
 */
const poolTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary') {
      if (oid === INT8_OID) return parseInt8;
      if (oid === INT8_ARRAY_OID) return parseInt8Array;
    }
    return getParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresOptions extends OpenDbOptions {
  databaseUrl: string;
}

export async function openPostgres(opts: PostgresOptions): Promise<Db> {
  const onBackgroundError = opts.onBackgroundError ?? defaultBackgroundError;
  const config: pg.PoolConfig = {
    connectionString: opts.databaseUrl,
    max: opts.poolSize ?? 10,
    application_name: 'switchyard',
    // Bounded waits everywhere: a hung statement, a connection leaked in a transaction or an
    // exhausted pool must surface as an error, not as a request that never ends.
    statement_timeout: opts.statementTimeoutMs ?? 30_000,
    idle_in_transaction_session_timeout: 60_000,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    types: poolTypes,
  };
  const pool = new pg.Pool(config);
  const state = { closing: false };
  // Without a listener, an idle client losing its connection (server restart, failover)
  // emits 'error' on the pool and crashes the process. The pool discards that client itself.
  // After close() the errors are expected: pool.end() resolves before every socket is gone.
  pool.on('error', (err) => {
    if (!state.closing) onBackgroundError(err);
  });

  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot connect to Postgres at ${redactUrl(opts.databaseUrl)}: ${(err as Error).message}`, { cause: err });
  }
  return new PostgresDb(pool, new PgListener(config, onBackgroundError), state);
}

class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  readonly #guard = new TxGuard();

  constructor(
    private readonly pool: pg.Pool,
    private readonly listener: PgListener,
    private readonly state: { closing: boolean },
  ) {}

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    this.#guard.check('db.query()');
    return toResult<R>(await this.pool.query(sql, params));
  }

  async exec(sql: string): Promise<void> {
    this.#guard.check('db.exec()');
    // No parameters → pg uses the simple query protocol, which accepts several statements.
    await this.pool.query(sql);
  }

  async copyFrom(table: string, columns: readonly string[], lines: string): Promise<number> {
    this.#guard.check('db.copyFrom()');
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      return await copyInto(client, table, columns, lines);
    } catch (err) {
      if (!hasSqlState(err)) broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.#guard.check('db.transaction()');
    const client = await this.pool.connect();
    let closed = false;
    const live = (): pg.PoolClient => {
      if (closed) throw new Error('transaction is closed');
      return client;
    };
    const tx: Queryable = {
      query: async <R>(sql: string, params?: unknown[]) => toResult<R>(await live().query(sql, params)),
      exec: async (sql: string) => {
        await live().query(sql);
      },
      copyFrom: (table: string, columns: readonly string[], lines: string) => copyInto(live(), table, columns, lines),
    };
    // A client whose BEGIN/COMMIT/ROLLBACK failed without a SQLSTATE lost its connection or is
    // in an unknown state: hand it back as broken so the pool destroys it instead of reusing it.
    let broken: Error | undefined;
    const control = async (sql: string): Promise<pg.QueryResult> => {
      try {
        return await client.query(sql);
      } catch (err) {
        if (!hasSqlState(err)) broken = err as Error;
        throw err;
      }
    };
    try {
      await control('BEGIN');
      let result: T;
      try {
        result = await this.#guard.run(() => fn(tx));
      } catch (err) {
        closed = true;
        await control('ROLLBACK').catch(() => undefined);
        throw err;
      }
      closed = true;
      const commit = await control('COMMIT');
      // Postgres answers COMMIT of a failed transaction with ROLLBACK, not an error; PGlite
      // throws 25P02 there, so do the same.
      if (commit.command === 'ROLLBACK') throw transactionAborted();
      return result;
    } finally {
      closed = true;
      client.release(broken);
    }
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<Unlisten> {
    // Harmless here (LISTEN has its own connection) but a deadlock on PGlite: refuse on both.
    this.#guard.check('db.listen()');
    return this.listener.subscribe(channel, onPayload);
  }

  #closing: Promise<void> | undefined;

  /** Idempotent: a second call waits for the first. */
  close(): Promise<void> {
    this.state.closing = true;
    this.#closing ??= (async () => {
      await this.listener.close();
      await this.pool.end();
    })();
    return this.#closing;
  }
}

function toResult<R>(res: pg.QueryResult): QueryResult<R> {
  return { rows: res.rows as R[], rowCount: res.rowCount ?? res.rows.length };
}

function hasSqlState(err: unknown): boolean {
  return sqlState(err) !== undefined;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable database URL>';
  }
}

function defaultBackgroundError(err: Error): void {
  // The message only: pg connection errors carry no credentials, but a full inspect might
  // include the client config.
  console.error(`switchyard: database background error: ${err.message}`);
}

/** COPY … FROM STDIN on one client (pg-copy-streams speaks the CopyIn sub-protocol). */
async function copyInto(client: pg.PoolClient, table: string, columns: readonly string[], lines: string): Promise<number> {
  const stream = client.query(copyFrom(copyStatement(table, columns, 'STDIN')));
  // One write and end(), not stream/promises' pipeline: that builds an AbortController per call
  // and aborts it when done (a DOMException with a stack trace), a visible share of a busy
  // replica's CPU when profiled.
  // pg-copy-streams emits 'finish' once the server has acknowledged the COPY.
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.once('finish', resolve);
    stream.end(lines);
  });
  return stream.rowCount;
}
