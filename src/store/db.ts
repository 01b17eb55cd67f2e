// The one database interface the rest of Switchyard sees. Two backends implement it: a
// Postgres server through a `pg` pool (pg-backend.ts) and embedded PGlite (pglite-backend.ts).
// Repositories take a `Queryable`, so the same function runs on the pool, on PGlite, or inside a
// transaction.
//
// Type mapping, identical on both backends (the storage suite checks it):
//   int8 / bigint          → JS bigint (also inside int8[]). Money is bigint in the domain, and
//                            the drivers disagree by default (pg: string, PGlite: number, or
//                            bigint past 2^53), so both are set to bigint in the driver.
//   int2 / int4 / float    → number;   numeric → string (exact; convert where it is used)
//   timestamptz            → Date;     jsonb → parsed value;   text[] → string[]
// Parameters: pass bigint or number for int8. Pass jsonb as `JSON.stringify(value)` with a
// `$n::jsonb` cast: `pg` turns a JS array parameter into a Postgres array literal, not JSON.
//
// Errors keep the driver's error object, so `err.code` is the SQLSTATE on both backends
// (see `sqlState()`); PGlite's habit of attaching the bound parameters to an error is undone,
// because parameters can be key hashes or provider key ciphertext.

export interface QueryResult<R> {
  rows: R[];
  /** Rows returned (SELECT) or affected (INSERT/UPDATE/DELETE). */
  rowCount: number;
}

export interface Queryable {
  /** One statement, `$1…` parameters. */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** A script of several statements without parameters (migrations, TRUNCATE lists). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk insert: `COPY table (columns) FROM STDIN` in the text format, `lines` built with
   * `copyLine()`. For decision rows Postgres spends several times less CPU a row on COPY than
   * inside one multi-row INSERT … VALUES (docs/benchmarks.md). No ON CONFLICT: a duplicate key
   * fails the whole COPY (23505). Returns the rows copied.
   */
  copyFrom(table: string, columns: readonly string[], lines: string): Promise<number>;
}

/** One row of COPY text format: tab-separated, `\N` for NULL, backslash escapes. */
export function copyLine(values: readonly (string | null)[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (i > 0) out += '\t';
    out += v === null ? '\\N' : COPY_SPECIAL.test(v) ? v.replace(COPY_ESCAPES, escapeCopyChar) : v;
  }
  return out + '\n';
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES = /[\\\t\n\r]/g;
const escapeCopyChar = (c: string): string => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r');

/** The COPY statement for trusted, code-defined identifiers (checked anyway: they are SQL). */
export function copyStatement(table: string, columns: readonly string[], source: string): string {
  for (const name of [table, ...columns]) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  }
  return `COPY ${table} (${columns.join(', ')}) FROM ${source}`;
}

export type Unlisten = () => Promise<void>;

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. Inside `fn`
   * use only `tx`: calling `db.query()`/`db.transaction()` there throws, because on PGlite (one
   * session) it would deadlock and on Postgres it would silently run outside the transaction.
   * A transaction that saw an error it swallowed cannot commit: both backends then throw an
   * error with code 25P02.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * LISTEN on `channel` (a lowercase SQL identifier). `onPayload` runs for every NOTIFY after
   * the returned promise resolves. On Postgres a dedicated connection listens and reconnects
   * with backoff; notifications sent while it was disconnected are lost, so a cache fed by
   * NOTIFY should also re-read periodically.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<Unlisten>;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  /** postgres://… → a Postgres server. Takes precedence over dataDir. */
  databaseUrl?: string;
  /** PGlite data directory (created if missing), or 'memory://' for an in-memory database. */
  dataDir?: string;
  /** Postgres pool size (default 10). */
  poolSize?: number;
  /** Postgres statement_timeout in ms (default 30 000; 0 disables). */
  statementTimeoutMs?: number;
  /** Errors nobody awaits (an idle pooled client or the LISTEN connection dropping). */
  onBackgroundError?: (err: Error) => void;
}

/** The SQLSTATE of a database error (e.g. '23505'), or undefined for anything else. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  notNullViolation: '23502',
  inFailedTransaction: '25P02',
  queryCanceled: '57014',
} as const;

/** Sends a NOTIFY; inside a transaction it is delivered on COMMIT and dropped on ROLLBACK. */
export async function notify(q: Queryable, channel: string, payload: string): Promise<void> {
  assertChannel(channel);
  await q.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

/**
 * Channel names are interpolated into LISTEN, so only plain lowercase identifiers pass. This
 * also sidesteps case folding: unquoted LISTEN lowercases, pg_notify() does not.
 */
export function assertChannel(channel: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) {
    throw new Error(`invalid LISTEN/NOTIFY channel ${JSON.stringify(channel)}: use [a-z_][a-z0-9_]*`);
  }
}
