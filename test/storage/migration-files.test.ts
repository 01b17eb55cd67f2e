// loadMigrations() on its own: no database needed.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checksum, loadMigrations, MIGRATION_LOCK_KEY } from '../../src/store/migrate.js';

describe('migration files', () => {
  test('misnamed files and duplicate versions are rejected; CRLF does not change a checksum', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sy-mig-'));
    try {
      await writeFile(join(dir, '0001_a.sql'), 'SELECT 1;\r\nSELECT 2;\r\n');
      await writeFile(join(dir, 'README.md'), 'not a migration');
      const [m] = await loadMigrations(dir);
      expect(m).toMatchObject({ version: 1, name: 'a' });
      expect(m!.checksum).toBe(checksum('SELECT 1;\nSELECT 2;\n'));

      await writeFile(join(dir, '0001_b.sql'), 'SELECT 1;');
      await expect(loadMigrations(dir)).rejects.toThrow(/share version 0001/);
      await rm(join(dir, '0001_b.sql'));

      await writeFile(join(dir, '2_oops.sql'), 'SELECT 1;');
      await expect(loadMigrations(dir)).rejects.toThrow(/2_oops\.sql: name must look like/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the shipped migrations load, numbered from 1 without gaps', async () => {
    const files = await loadMigrations();
    expect(files.map((f) => f.version)).toEqual(files.map((_, i) => i + 1));
  });

  test('the advisory lock key fits a signed int8', () => {
    expect(MIGRATION_LOCK_KEY < 2n ** 63n).toBe(true);
  });
});
