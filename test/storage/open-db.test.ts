// openDb() itself: option handling, connection errors, and a file-backed PGlite that survives a
// restart. Its own file (own process) because a second PGlite costs most of a GB.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openDb } from '../../src/store/open.js';
import { migrate } from '../../src/store/migrate.js';
import { createTenant, getTenant } from '../../src/store/repos/tenants.js';

describe('openDb', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  test('needs a database URL or a data directory', async () => {
    await expect(openDb({})).rejects.toThrow(/databaseUrl .* or dataDir/);
  });

  test('an unreachable Postgres fails fast, without echoing the password', async () => {
    const err = await openDb({ databaseUrl: 'postgres://u:hunter2@127.0.0.1:1/db' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^cannot connect to Postgres at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db/);
    expect((err as Error).message).not.toContain('hunter2');
  });

  test('a file-backed PGlite creates its directory and keeps data across a reopen', async () => {
    const base = await mkdtemp(join(tmpdir(), 'sy-pglite-'));
    dirs.push(base);
    const dataDir = join(base, 'nested', 'pgdata');

    const first = await openDb({ dataDir });
    expect(first.kind).toBe('pglite');
    await migrate(first);
    await createTenant(first, { id: 'acme', name: 'Acme' });
    await first.close();
    await first.close(); // idempotent
    expect((await readdir(dataDir)).length).toBeGreaterThan(0);

    const second = await openDb({ dataDir });
    try {
      expect(await migrate(second)).toEqual({ applied: [] });
      expect((await getTenant(second, 'acme'))?.name).toBe('Acme');
      const { rows } = await second.query<{ n: unknown }>('SELECT count(*) AS n FROM tenants');
      expect(rows[0]!.n).toBe(1n);
    } finally {
      await second.close();
    }
  }, 60_000);
});
