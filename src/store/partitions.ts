// The partition janitor for the daily-partitioned tables (migration 0005): creates the days
// ahead, moves rows the DEFAULT partition caught into their day, and drops days past retention.
// Any replica may run it at any time: each step is one transaction that first tries an
// advisory lock and does nothing when another replica holds it, so replicas never race to
// create or drop the same partition, and none waits on another's run.
//
// Partitions are one UTC day each, named <table>_pYYYYMMDD. Only names of that shape are ever
// dropped: a DEFAULT partition or a table someone attached by hand is left alone.
import type { Db, Queryable } from './db.js';

export const PARTITIONED_TABLES = ['decisions', 'usage_ledger'] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

/** Advisory-lock key for the janitor: the ASCII bytes of "SwJanitr". */
export const JANITOR_LOCK_KEY = 0x53_77_4a_61_6e_69_74_72n;

const DAY_MS = 86_400_000;
const NAME_RE = /_p(\d{4})(\d{2})(\d{2})$/;

export interface JanitorOptions {
  /** "Now" for the run (UTC days are counted from it). */
  now: Date;
  /** Days after today to have partitions for, today included as day 0. */
  daysAhead: number;
  /** Days a table's rows are kept; null keeps them forever. */
  retentionDays: Record<PartitionedTable, number | null>;
}

export interface JanitorResult {
  /** False when another replica held the lock for every step (nothing was done here). */
  ran: boolean;
  created: string[];
  dropped: string[];
  /** Rows moved from a DEFAULT partition into their new day. */
  moved: number;
  /** Rows deleted from a DEFAULT partition because they were past retention. */
  expired: number;
}

/** Creates, fills and drops partitions for every table; see the file comment. */
export async function maintainPartitions(db: Db, opts: JanitorOptions): Promise<JanitorResult> {
  const result: JanitorResult = { ran: false, created: [], dropped: [], moved: 0, expired: 0 };
  for (const table of PARTITIONED_TABLES) {
    const retention = opts.retentionDays[table];
    const cutoff = retention === null ? undefined : opts.now.getTime() - retention * DAY_MS;
    // Creating first: a failed drop must never leave tomorrow without its partition.
    const created = await locked(db, (tx) => createDays(tx, table, opts, cutoff));
    if (created) {
      result.ran = true;
      result.created.push(...created.names);
      result.moved += created.moved;
    }
    if (cutoff === undefined) continue;
    const dropped = await locked(db, (tx) => dropDays(tx, table, cutoff));
    if (dropped) {
      result.ran = true;
      result.dropped.push(...dropped.names);
      result.expired += dropped.expired;
    }
  }
  return result;
}

/** Runs `fn` in a transaction holding the janitor lock; undefined when another holds it. */
async function locked<T>(db: Db, fn: (tx: Queryable) => Promise<T>): Promise<T | undefined> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [JANITOR_LOCK_KEY]);
    if (!rows[0]?.ok) return undefined;
    // Attaching and dropping take locks that inserts wait behind. Waiting long for a busy
    // table would queue every insert behind this request: give up instead, the next run retries.
    await tx.query(`SET LOCAL lock_timeout = '5s'`);
    return fn(tx);
  });
}

/** The daily partitions of `table` that exist, by UTC day start (ms). */
export async function listPartitions(q: Queryable, table: PartitionedTable): Promise<Map<number, string>> {
  const { rows } = await q.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass`,
    [table],
  );
  const days = new Map<number, string>();
  for (const { name } of rows) {
    const m = NAME_RE.exec(name);
    if (m && name === partitionName(table, Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))) {
      days.set(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])), name);
    }
  }
  return days;
}

export function partitionName(table: PartitionedTable, day: number): string {
  return `${table}_p${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

const dayStart = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
const iso = (ms: number) => new Date(ms).toISOString();

async function createDays(
  tx: Queryable,
  table: PartitionedTable,
  opts: JanitorOptions,
  cutoff: number | undefined,
): Promise<{ names: string[]; moved: number }> {
  const existing = await listPartitions(tx, table);
  const today = dayStart(opts.now.getTime());
  const wanted = new Set<number>();
  for (let i = 0; i <= opts.daysAhead; i++) wanted.add(today + i * DAY_MS);
  // Days the DEFAULT partition caught rows for (normally none; after a long janitor outage,
  // or a clock far off), unless they are past retention anyway.
  const { rows } = await tx.query<{ day: Date }>(`SELECT DISTINCT date_trunc('day', created_at, 'UTC') AS day FROM ${table}_default`);
  for (const { day } of rows) {
    if (cutoff === undefined || day.getTime() + DAY_MS > cutoff) wanted.add(day.getTime());
  }
  const missing = [...wanted].filter((d) => !existing.has(d)).sort((a, b) => a - b);
  if (missing.length === 0) return { names: [], moved: 0 };
  // Rows routed to DEFAULT while a day is created would make the ATTACH below fail: hold them
  // off until COMMIT (inserts for days that have a partition are not affected).
  await tx.query(`LOCK TABLE ${table}_default IN ACCESS EXCLUSIVE MODE`);
  let moved = 0;
  const names: string[] = [];
  for (const day of missing) {
    const name = partitionName(table, day);
    // A plain table attached afterwards, not CREATE TABLE … PARTITION OF: ATTACH locks the
    // parent in SHARE UPDATE EXCLUSIVE mode, which inserts do not wait for; PARTITION OF
    // would lock it exclusively. ATTACH builds the parent's key and indexes on it.
    await tx.exec(`CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    const range = [iso(day), iso(day + DAY_MS)];
    const { rowCount } = await tx.query(
      `WITH m AS (DELETE FROM ${table}_default WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz RETURNING *)
       INSERT INTO ${name} SELECT * FROM m`,
      range,
    );
    moved += rowCount;
    await tx.exec(`ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM ('${range[0]}') TO ('${range[1]}')`);
    names.push(name);
  }
  return { names, moved };
}

async function dropDays(tx: Queryable, table: PartitionedTable, cutoff: number): Promise<{ names: string[]; expired: number }> {
  const names: string[] = [];
  for (const [day, name] of await listPartitions(tx, table)) {
    // Whole days only: a day is dropped once its last row is past retention.
    if (day + DAY_MS <= cutoff) {
      await tx.exec(`DROP TABLE ${name}`);
      names.push(name);
    }
  }
  const { rowCount } = await tx.query(`DELETE FROM ${table}_default WHERE created_at < $1::timestamptz`, [iso(cutoff)]);
  return { names: names.sort(), expired: rowCount };
}

/**
 * Runs the janitor now and then every `intervalMs` until stopped. Failures are reported and
 * retried at the next run: the DEFAULT partition keeps inserts working meanwhile.
 */
export function startJanitor(
  db: Db,
  opts: Omit<JanitorOptions, 'now'> & { intervalMs: number },
  report: (err: unknown, result?: JanitorResult) => void,
): { stop(): Promise<void>; first: Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = running.then(() =>
      maintainPartitions(db, { ...opts, now: new Date() }).then(
        (r) => report(undefined, r),
        (err) => report(err),
      ),
    );
    return running;
  };
  const first = run();
  const timer = setInterval(run, opts.intervalMs).unref();
  return {
    first,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
