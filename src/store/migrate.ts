// Applies the numbered .sql files in ./migrations/ at start-up.
//
// Everything happens in ONE transaction holding a transaction-scoped advisory lock, so when two
// replicas start at once the second waits, then finds the migrations recorded and skips them;
// a failure leaves the schema exactly as it was. Postgres DDL is transactional, which is what
// makes this safe. A migration that has landed is never edited: its checksum is recorded and a
// changed file stops start-up with an error naming it. A database that records a migration
// this build has no file for (a newer release migrated it, or a file was removed) also stops
// start-up, before anything is applied: this code cannot know what that schema looks like, and
// an older build writing to a newer schema can corrupt it silently.

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db, Queryable } from './db.js';

/** The build copies the .sql files next to the compiled JS, so this works in src/ and dist/. */
export const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/** Fixed advisory-lock key for migrations: the ASCII bytes of "SwMigrat". */
export const MIGRATION_LOCK_KEY = 0x53_77_4d_69_67_72_61_74n;

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  /** Versions applied by this call, in order. */
  applied: number[];
}

export class MigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** Reads and validates the migration files, sorted by version. */
export async function loadMigrations(dir: URL | string = MIGRATIONS_DIR): Promise<Migration[]> {
  const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const files = (await readdir(path)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const m = FILE_RE.exec(file);
    // A misnamed file would otherwise be skipped silently and never applied.
    if (!m) throw new MigrationError(`migration file ${file}: name must look like 0001_some_name.sql`);
    const sql = await readFile(`${path}/${file}`, 'utf8');
    const version = Number(m[1]);
    if (migrations.some((x) => x.version === version)) {
      throw new MigrationError(`two migration files share version ${m[1]}`);
    }
    migrations.push({ version, name: m[2]!, sql, checksum: checksum(sql) });
  }
  return migrations;
}

/** SHA-256 of the file with line endings normalised, so a CRLF checkout is not a "change". */
export function checksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

export async function migrate(db: Db, opts: { dir?: URL | string; migrations?: Migration[] } = {}): Promise<MigrateResult> {
  const migrations = opts.migrations ?? (await loadMigrations(opts.dir));
  return db.transaction(async (tx) => {
    // The pool's statement_timeout would also cut the wait for another replica's lock.
    await tx.query(`SET LOCAL statement_timeout = '10min'`);
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        checksum   text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const recorded = await appliedMigrations(tx);
    const byVersion = new Map(migrations.map((m) => [m.version, m]));
    refuseUnknown(recorded, migrations, byVersion);

    // Verify every landed migration before applying anything new.
    for (const row of recorded) {
      const file = byVersion.get(row.version);
      if (file && file.checksum !== row.checksum) {
        throw new MigrationError(
          `migration ${pad(row.version)}_${file.name}.sql changed after it was applied ` +
            `(recorded checksum ${row.checksum.slice(0, 12)}…, file ${file.checksum.slice(0, 12)}…). ` +
            'Never edit a landed migration: restore it and add a new numbered file.',
        );
      }
    }

    const done = new Set(recorded.map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      try {
        await tx.exec(m.sql);
      } catch (err) {
        throw new MigrationError(`migration ${pad(m.version)}_${m.name}.sql failed: ${(err as Error).message}`, { cause: err });
      }
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
      applied.push(m.version);
    }
    return { applied };
  });
}

/**
 * Throws when the database records a migration no file here describes. Checked first, so a
 * newer schema is never touched: not even by this build's own pending files.
 */
function refuseUnknown(
  recorded: readonly AppliedMigration[],
  migrations: readonly Migration[],
  byVersion: ReadonlyMap<number, Migration>,
): void {
  const unknown = recorded.filter((r) => !byVersion.has(r.version));
  if (unknown.length === 0) return;
  const newestKnown = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const knows = newestKnown === 0 ? 'this build knows no migrations' : `this build knows up to ${pad(newestKnown)}`;
  // recorded is sorted by version, so the last unknown row is the database's newest.
  const newestDb = unknown[unknown.length - 1]!;
  if (newestDb.version > newestKnown) {
    throw new MigrationError(
      `database schema is at migration ${label(newestDb)}, ${knows}: ` + 'run a newer Switchyard or restore the database',
    );
  }
  // Every unknown version is below this build's newest: a landed file was deleted or renumbered.
  throw new MigrationError(
    `database records migration${unknown.length > 1 ? 's' : ''} ${unknown.map(label).join(', ')}, ` +
      `which this build has no file for (${knows}): never remove a landed migration; restore the file`,
  );
}

function label(m: { version: number; name: string }): string {
  return m.name ? `${pad(m.version)} (${m.name})` : pad(m.version);
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  appliedAt: Date;
}

export async function appliedMigrations(q: Queryable): Promise<AppliedMigration[]> {
  const { rows } = await q.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
    'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
  );
  return rows.map((r) => ({ version: r.version, name: r.name, checksum: r.checksum, appliedAt: r.applied_at }));
}

function pad(version: number): string {
  return String(version).padStart(4, '0');
}
