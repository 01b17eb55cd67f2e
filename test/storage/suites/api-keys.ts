import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { SQLSTATE, sqlState } from '../../../src/store/db.js';
import { AlreadyExistsError, NotFoundError } from '../../../src/store/errors.js';
import {
  createApiKey,
  deleteApiKey,
  findApiKeyByHash,
  getApiKey,
  listApiKeys,
  revokeApiKey,
  touchApiKeysLastUsed,
  updateApiKey,
} from '../../../src/store/repos/api-keys.js';
import { createTenant, deleteTenant } from '../../../src/store/repos/tenants.js';
import { rejection, type StorageCtx } from './context.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export function apiKeysSuite(ctx: StorageCtx): void {
  describe('api keys', () => {
    test('create, find by hash, update, revoke, delete', async () => {
      await createTenant(ctx.db, { id: 'acme' });
      const k = await createApiKey(ctx.db, {
        id: 'k1',
        tenantId: 'acme',
        admin: false,
        name: 'ci',
        keyHash: sha('sy_secret_1'),
        prefix: 'sy_secr',
      });
      expect(k).toMatchObject({ id: 'k1', tenantId: 'acme', admin: false, name: 'ci', revoked: false, lastUsedAt: null });
      expect(await findApiKeyByHash(ctx.db, sha('sy_secret_1'))).toEqual(k);
      expect(await findApiKeyByHash(ctx.db, sha('other'))).toBeNull();
      expect(await getApiKey(ctx.db, 'k1')).toEqual(k);

      expect(await updateApiKey(ctx.db, 'k1', { name: 'deploy' })).toEqual({ ...k, name: 'deploy' });
      expect((await revokeApiKey(ctx.db, 'k1')).revoked).toBe(true);
      expect((await findApiKeyByHash(ctx.db, k.keyHash))?.revoked).toBe(true);

      await deleteApiKey(ctx.db, 'k1');
      expect(await getApiKey(ctx.db, 'k1')).toBeNull();
      expect(await rejection(deleteApiKey(ctx.db, 'k1'))).toBeInstanceOf(NotFoundError);
      expect(await rejection(revokeApiKey(ctx.db, 'k1'))).toBeInstanceOf(NotFoundError);
    });

    test('admin keys need no tenant; other keys must have one', async () => {
      const admin = await createApiKey(ctx.db, { id: 'root', tenantId: null, admin: true, keyHash: sha('a'), prefix: 'a' });
      expect(admin.tenantId).toBeNull();
      const err = await rejection(createApiKey(ctx.db, { id: 'orphan', tenantId: null, admin: false, keyHash: sha('b'), prefix: 'b' }));
      expect(sqlState(err)).toBe(SQLSTATE.checkViolation);
    });

    test('duplicate id or hash → AlreadyExistsError; unknown tenant → NotFoundError', async () => {
      await createTenant(ctx.db, { id: 'acme' });
      await createApiKey(ctx.db, { id: 'k1', tenantId: 'acme', admin: false, keyHash: sha('1'), prefix: 'p' });
      const sameId = await rejection(createApiKey(ctx.db, { id: 'k1', tenantId: 'acme', admin: false, keyHash: sha('2'), prefix: 'p' }));
      expect(sameId).toBeInstanceOf(AlreadyExistsError);
      const sameHash = await rejection(createApiKey(ctx.db, { id: 'k2', tenantId: 'acme', admin: false, keyHash: sha('1'), prefix: 'p' }));
      expect(sameHash).toBeInstanceOf(AlreadyExistsError);
      // The error names the key by id and never carries its hash.
      expect(JSON.stringify({ ...(sameHash as object), message: (sameHash as Error).message })).not.toContain(sha('1'));
      const noTenant = await rejection(createApiKey(ctx.db, { id: 'k3', tenantId: 'ghost', admin: false, keyHash: sha('3'), prefix: 'p' }));
      expect(noTenant).toMatchObject({ kind: 'not_found', entity: 'tenant', id: 'ghost' });
    });

    test('a hash that is not lowercase sha256 hex is refused by the schema', async () => {
      const err = await rejection(createApiKey(ctx.db, { id: 'k', tenantId: null, admin: true, keyHash: 'plaintext-secret', prefix: 'p' }));
      expect(sqlState(err)).toBe(SQLSTATE.checkViolation);
    });

    test('listing is per tenant (null = admin keys) with paging; deleting a tenant deletes its keys', async () => {
      await createTenant(ctx.db, { id: 'acme' });
      await createTenant(ctx.db, { id: 'beta' });
      for (let i = 0; i < 5; i++) {
        await createApiKey(ctx.db, { id: `a${i}`, tenantId: 'acme', admin: false, keyHash: sha(`a${i}`), prefix: 'p' });
      }
      await createApiKey(ctx.db, { id: 'b0', tenantId: 'beta', admin: false, keyHash: sha('b0'), prefix: 'p' });
      await createApiKey(ctx.db, { id: 'root', tenantId: null, admin: true, keyHash: sha('root'), prefix: 'p' });

      const first = await listApiKeys(ctx.db, 'acme', { limit: 3 });
      expect(first.items.map((k) => k.id)).toEqual(['a0', 'a1', 'a2']);
      expect(first.next).toBe('a2');
      const second = await listApiKeys(ctx.db, 'acme', { limit: 3, after: first.next! });
      expect(second).toMatchObject({ next: null });
      expect(second.items.map((k) => k.id)).toEqual(['a3', 'a4']);
      expect((await listApiKeys(ctx.db, null)).items.map((k) => k.id)).toEqual(['root']);

      await deleteTenant(ctx.db, 'acme');
      expect((await listApiKeys(ctx.db, 'acme')).items).toEqual([]);
      expect((await listApiKeys(ctx.db, 'beta')).items).toHaveLength(1);
    });

    test('touchApiKeysLastUsed batches, skips unknown ids and never goes backwards', async () => {
      await createApiKey(ctx.db, { id: 'x', tenantId: null, admin: true, keyHash: sha('x'), prefix: 'p' });
      await createApiKey(ctx.db, { id: 'y', tenantId: null, admin: true, keyHash: sha('y'), prefix: 'p' });
      const t1 = new Date('2025-01-01T00:00:00.000Z');
      const t0 = new Date('2024-01-01T00:00:00.000Z');
      expect(await touchApiKeysLastUsed(ctx.db, ['x', 'y', 'gone'], t1)).toBe(2);
      expect(await touchApiKeysLastUsed(ctx.db, ['x'], t0)).toBe(0);
      expect(await touchApiKeysLastUsed(ctx.db, [], t0)).toBe(0);
      expect((await getApiKey(ctx.db, 'x'))?.lastUsedAt).toEqual(t1);
    });
  });
}
