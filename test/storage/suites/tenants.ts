import { describe, expect, test } from 'vitest';
import { AlreadyExistsError, NotFoundError } from '../../../src/store/errors.js';
import { createTenant, deleteTenant, getTenant, listTenants, updateTenant, type Tenant } from '../../../src/store/repos/tenants.js';
import { rejection, type StorageCtx } from './context.js';

export function tenantsSuite(ctx: StorageCtx): void {
  describe('tenants', () => {
    test('create, get, update, delete', async () => {
      const t = await createTenant(ctx.db, { id: 'acme', name: 'Acme' });
      expect(t).toMatchObject({ id: 'acme', name: 'Acme', disabled: false });
      expect(t.createdAt).toBeInstanceOf(Date);
      expect(await getTenant(ctx.db, 'acme')).toEqual(t);
      expect(await getTenant(ctx.db, 'nope')).toBeNull();

      const disabled = await updateTenant(ctx.db, 'acme', { disabled: true });
      expect(disabled).toEqual({ ...t, disabled: true });
      expect(await updateTenant(ctx.db, 'acme', { name: 'Acme Inc' })).toEqual({ ...t, name: 'Acme Inc', disabled: true });
      // An empty patch changes nothing but still proves the row exists.
      expect((await updateTenant(ctx.db, 'acme', {})).name).toBe('Acme Inc');

      await deleteTenant(ctx.db, 'acme');
      expect(await getTenant(ctx.db, 'acme')).toBeNull();
    });

    test('duplicates and missing rows are typed errors', async () => {
      await createTenant(ctx.db, { id: 'acme' });
      const dup = await rejection(createTenant(ctx.db, { id: 'acme' }));
      expect(dup).toBeInstanceOf(AlreadyExistsError);
      expect(dup).toMatchObject({ kind: 'already_exists', reason: 'ALREADY_EXISTS', entity: 'tenant', id: 'acme' });

      // Started one at a time: a second promise rejecting before it is awaited is "unhandled".
      for (const start of [() => updateTenant(ctx.db, 'ghost', { name: 'x' }), () => deleteTenant(ctx.db, 'ghost')]) {
        const err = await rejection(start());
        expect(err).toBeInstanceOf(NotFoundError);
        expect(err).toMatchObject({ kind: 'not_found', entity: 'tenant', id: 'ghost' });
      }
    });

    test('keyset paging walks every tenant once, in byte order', async () => {
      // Mixed case and punctuation: byte ("C") order, the same on every server locale.
      const ids = ['b', 'A', 'a', 'a-1', 'a_1', 'Z', 'é', '0'];
      for (const id of ids) await createTenant(ctx.db, { id });
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      for (;;) {
        const page: { items: Tenant[]; next: string | null } = await listTenants(ctx.db, { after, limit: 3 });
        seen.push(...page.items.map((t) => t.id));
        pages++;
        if (!page.next) break;
        after = page.next;
      }
      expect(seen).toEqual([...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      expect(pages).toBe(3);
      expect((await listTenants(ctx.db)).items).toHaveLength(ids.length);
      expect(await listTenants(ctx.db, { after: 'é' })).toEqual({ items: [], next: null });
    });

    test('page limits are validated and capped', async () => {
      await expect(listTenants(ctx.db, { limit: 0 })).rejects.toThrow(RangeError);
      await expect(listTenants(ctx.db, { limit: 5000 })).resolves.toEqual({ items: [], next: null });
    });
  });
}
