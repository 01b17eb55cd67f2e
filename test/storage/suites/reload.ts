import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { KeyVault } from '../../../src/admin/key-vault.js';
import { RuntimeState } from '../../../src/app/state.js';
import { loadConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/log.js';
import type { Queryable } from '../../../src/store/db.js';
import { createBudget, deleteBudget } from '../../../src/store/repos/budgets.js';
import { createTenant } from '../../../src/store/repos/tenants.js';
import type { StorageCtx } from './context.js';

export function reloadSuite(ctx: StorageCtx): void {
  describe('runtime state reloads', () => {
    test('a reload begun before a change never replaces the state a later reload read', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sy-reload-'));
      writeFileSync(join(dir, 'switchyard.yaml'), 'tenants:\n  - { id: acme }\n');
      const config = loadConfig({ config: join(dir, 'switchyard.yaml') }, {});
      await createTenant(ctx.db, { id: 'acme' });
      await createBudget(ctx.db, { id: 'gone-soon', tenantId: 'acme', scope: 'tenant', period: 'day', limit: 100n });

      // The first reload's budget read is held back until the second reload has finished: as
      // when the NOTIFY of an earlier change starts a reload just before a delete reloads.
      let holdBudgets: Promise<void> | undefined;
      const slow: Queryable = {
        query: async (sql, params) => {
          const hold = /FROM budgets/.test(sql) ? holdBudgets : undefined;
          const result = await ctx.db.query(sql, params);
          await hold;
          return result as never;
        },
        exec: (sql) => ctx.db.exec(sql),
        copyFrom: (t, c, l) => ctx.db.copyFrom(t, c, l),
      };
      const decisions = { record: () => undefined, get: async () => null };
      const state = new RuntimeState({ config, db: slow, vault: new KeyVault(undefined), log: silentLogger, env: {}, decisions });
      let release!: () => void;
      holdBudgets = new Promise((r) => (release = r));
      const early = state.reload();
      await new Promise((r) => setTimeout(r, 50)); // the early reload has read its budgets
      holdBudgets = undefined;
      await deleteBudget(ctx.db, 'gone-soon');
      await state.reload();
      expect(state.budgetsFor('acme', '', '').map((b) => b.id)).toEqual([]);
      release();
      await early;
      expect(state.budgetsFor('acme', '', '').map((b) => b.id)).toEqual([]);
    });
  });
}
