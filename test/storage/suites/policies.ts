import { describe, expect, test } from 'vitest';
import {
  appendPolicy,
  getLatestPolicy,
  getPolicyVersion,
  listLatestPolicies,
  listPolicyVersions,
  POLICY_CHANNEL,
  tenantScope,
  type PolicyNotice,
} from '../../../src/store/repos/policies.js';
import { rejection, waitFor, type StorageCtx } from './context.js';

export function policiesSuite(ctx: StorageCtx): void {
  describe('policies', () => {
    test('append, get latest, get a version, list newest first with paging', async () => {
      const v1 = await appendPolicy(ctx.db, 'platform', { maxCost: '1000' });
      expect(v1).toMatchObject({ scope: 'platform', version: 1n, body: { maxCost: '1000' } });
      await appendPolicy(ctx.db, 'platform', { maxCost: '2000' });
      const v3 = await appendPolicy(ctx.db, 'platform', { maxCost: '3000' });
      const t1 = await appendPolicy(ctx.db, tenantScope('acme'), { deny: ['x'] });
      expect(t1.version).toBe(1n);

      expect(await getLatestPolicy(ctx.db, 'platform')).toEqual(v3);
      expect(await getPolicyVersion(ctx.db, 'platform', 1n)).toEqual(v1);
      expect(await getPolicyVersion(ctx.db, 'platform', 9n)).toBeNull();
      expect(await getLatestPolicy(ctx.db, 'tenant:ghost')).toBeNull();

      const page1 = await listPolicyVersions(ctx.db, 'platform', { limit: 2 });
      expect(page1.items.map((p) => p.version)).toEqual([3n, 2n]);
      expect(page1.next).toBe('2');
      const page2 = await listPolicyVersions(ctx.db, 'platform', { limit: 2, before: page1.next! });
      expect(page2).toMatchObject({ next: null });
      expect(page2.items.map((p) => p.version)).toEqual([1n]);

      const latest = await listLatestPolicies(ctx.db);
      expect(latest.map((p) => [p.scope, p.version])).toEqual([
        ['platform', 3n],
        ['tenant:acme', 1n],
      ]);
    });

    test('20 concurrent appends to one scope get versions 1..20 exactly once', async () => {
      const bodies = Array.from({ length: 20 }, (_, i) => ({ n: i }));
      const results = await Promise.all(bodies.map((b) => appendPolicy(ctx.db, 'tenant:race', b)));
      const versions = results.map((r) => r.version).sort((a, b) => (a < b ? -1 : 1));
      expect(versions).toEqual(bodies.map((_, i) => BigInt(i + 1)));
      const stored = await listPolicyVersions(ctx.db, 'tenant:race');
      expect(stored.items.map((p) => p.version)).toEqual([...versions].reverse());
      // Each body landed once, under the version its append returned.
      for (const r of results) expect((await getPolicyVersion(ctx.db, 'tenant:race', r.version))?.body).toEqual(r.body);
    });

    test('concurrent appends to different scopes do not block each other into errors', async () => {
      const scopes = ['platform', 'tenant:a', 'tenant:b'];
      await Promise.all(scopes.flatMap((s) => [1, 2, 3].map(() => appendPolicy(ctx.db, s, {}))));
      for (const s of scopes) expect((await getLatestPolicy(ctx.db, s))?.version).toBe(3n);
    });

    test('a bad scope is an INVALID_ARGUMENT before any SQL runs', async () => {
      const err = await rejection(appendPolicy(ctx.db, 'tenant:', {}));
      expect(err).toMatchObject({ kind: 'invalid_argument', reason: 'INVALID_FIELD' });
    });

    test('each append notifies the policy channel after commit', async () => {
      const got: PolicyNotice[] = [];
      const stop = await ctx.db.listen(POLICY_CHANNEL, (p) => got.push(JSON.parse(p) as PolicyNotice));
      await appendPolicy(ctx.db, 'tenant:acme', { a: 1 });
      await appendPolicy(ctx.db, 'tenant:acme', { a: 2 });
      await waitFor(() => got.length === 2);
      expect(got).toEqual([
        { scope: 'tenant:acme', version: '1' },
        { scope: 'tenant:acme', version: '2' },
      ]);
      await stop();
    });
  });
}
