// Where the decision (and later ledger) spools live (issue 12 §4, src/ledger/spool.ts):
//   SWITCHYARD_SPOOL_DIR, else <data dir>/spool with the embedded database, else (DATABASE_URL)
//   <os tmpdir>/switchyard-spool-<hash of the database's host, port and name>: replicas of one
//   deployment on a host share it (a dead one's segments are adopted), and two deployments
//   never replay into each other's database. Set SWITCHYARD_SPOOL_DIR to a persistent disk
//   where tmp is cleared at boot.
//   SWITCHYARD_SPOOL_MAX_BYTES bounds it (default 1 GiB): past it, records are dropped and counted.
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config/load.js';
import { Spool } from '../ledger/spool.js';

const DEFAULT_MAX_BYTES = 1024 ** 3;

export function spoolDir(config: { dataDir: string; databaseUrl?: string | undefined }, env: NodeJS.ProcessEnv): string {
  if (env.SWITCHYARD_SPOOL_DIR) return env.SWITCHYARD_SPOOL_DIR;
  if (!config.databaseUrl) return join(config.dataDir, 'spool');
  const u = new URL(config.databaseUrl);
  const where = `${u.hostname}:${u.port}${u.pathname}`;
  return join(tmpdir(), `switchyard-spool-${createHash('sha256').update(where).digest('hex').slice(0, 12)}`);
}

export function openSpool(name: string, config: { dataDir: string; databaseUrl?: string | undefined }, env: NodeJS.ProcessEnv): Spool {
  const raw = env.SWITCHYARD_SPOOL_MAX_BYTES;
  const maxBytes = raw ? Number(raw) : DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new ConfigError(`SWITCHYARD_SPOOL_MAX_BYTES must be a non-negative integer (bytes), got "${raw}"`);
  }
  return new Spool({ dir: spoolDir(config, env), name, maxBytes });
}
