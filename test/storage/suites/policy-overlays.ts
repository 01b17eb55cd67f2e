// Policy overlays on storage: seeding from config, tombstone deletes, the latest-version
// snapshot a replica loads, and loading a named version for what-if replays.
import { describe, expect, test } from 'vitest';
import { loadPolicySnapshot, loadPolicyVersion, rulesToBody, seedPolicies } from '../../../src/admin/policies.js';
import type { ResolvedConfig } from '../../../src/config/load.js';
import { EMPTY_RULES, type PolicyRules } from '../../../src/routing/policy.js';
import {
  appendPolicy,
  deleteTenantPolicy,
  getLatestPolicy,
  isTombstone,
  listPolicyVersions,
  seedPolicy,
  tenantScope,
} from '../../../src/store/repos/policies.js';
import { rejection, type StorageCtx } from './context.js';

const rules = (over: Partial<PolicyRules>): PolicyRules => ({ ...EMPTY_RULES, ...over });

export function policyOverlaysSuite(ctx: StorageCtx): void {
  describe('policy overlays', () => {
    test('seedPolicy appends only when the body differs from the last one of the same source', async () => {
      const body = rulesToBody(rules({ deniedProviders: ['x'] }), 'config');
      expect((await seedPolicy(ctx.db, 'platform', body))?.version).toBe(1n);
      // Same body, different key order: jsonb equality, no new version.
      const reordered = Object.fromEntries(Object.entries(body).reverse()) as typeof body;
      expect(await seedPolicy(ctx.db, 'platform', reordered)).toBeNull();
      // An admin edit since then stands when the config file has not changed…
      await appendPolicy(ctx.db, 'platform', rulesToBody(rules({ deniedProviders: ['y'] }), 'admin'));
      expect(await seedPolicy(ctx.db, 'platform', body)).toBeNull();
      expect((await getLatestPolicy(ctx.db, 'platform'))?.body).toMatchObject({ source: 'admin' });
      // …and a changed config file is a new version.
      const changed = rulesToBody(rules({ deniedProviders: ['z'] }), 'config');
      expect((await seedPolicy(ctx.db, 'platform', changed))?.version).toBe(3n);
    });

    test('replicas seeding the same config at once add exactly one version', async () => {
      const body = rulesToBody(rules({ maxOutputTokens: 10 }), 'config');
      const results = await Promise.all([1, 2, 3, 4].map(() => seedPolicy(ctx.db, 'tenant:race', body)));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect((await listPolicyVersions(ctx.db, 'tenant:race')).items).toHaveLength(1);
    });

    test('seedPolicies seeds the platform and each tenant of a config', async () => {
      const config = {
        policies: { platform: rules({ maxOutputTokens: 100 }), tenants: { acme: rules({ maxOutputTokens: 50 }) } },
      } as unknown as ResolvedConfig;
      expect((await seedPolicies(ctx.db, config)).map((p) => p.scope)).toEqual(['platform', 'tenant:acme']);
      expect(await seedPolicies(ctx.db, config)).toEqual([]);
    });

    test('delete appends a tombstone; history stays; a second delete is NOT_FOUND', async () => {
      await appendPolicy(ctx.db, tenantScope('acme'), rulesToBody(rules({ deniedProviders: ['a'] }), 'admin'));
      const t = await deleteTenantPolicy(ctx.db, 'acme');
      expect(t.version).toBe(2n);
      expect(isTombstone(t.body)).toBe(true);
      const history = await listPolicyVersions(ctx.db, tenantScope('acme'));
      expect(history.items.map((p) => p.version)).toEqual([2n, 1n]);
      expect(await rejection(deleteTenantPolicy(ctx.db, 'acme'))).toMatchObject({ kind: 'not_found' });
      expect(await rejection(deleteTenantPolicy(ctx.db, 'nobody'))).toMatchObject({ kind: 'not_found' });
    });

    test('loadPolicySnapshot: latest versions, tombstoned tenants have no policy', async () => {
      await appendPolicy(ctx.db, 'platform', rulesToBody(rules({ allowedProviders: ['a', 'b'] }), 'admin'));
      await appendPolicy(ctx.db, 'platform', rulesToBody(rules({ allowedProviders: ['a', 'b', 'c'] }), 'admin'));
      await appendPolicy(ctx.db, tenantScope('acme'), rulesToBody(rules({ allowedProviders: ['b'] }), 'admin'));
      await appendPolicy(ctx.db, tenantScope('gone'), rulesToBody(rules({ allowedProviders: ['a'] }), 'admin'));
      await deleteTenantPolicy(ctx.db, 'gone');
      const snap = await loadPolicySnapshot(ctx.db);
      expect(snap.platform.version).toBe('platform:2');
      expect(snap.byTenant.get('acme')?.version).toBe('platform:2+tenant:acme:1');
      expect(snap.byTenant.get('acme')?.allowedProviders).toEqual(['b']);
      expect(snap.byTenant.has('gone')).toBe(false);
    });

    test('loadPolicyVersion loads named versions and names the field in errors', async () => {
      await appendPolicy(ctx.db, 'platform', rulesToBody(rules({ deniedProviders: ['a'] }), 'admin'));
      await appendPolicy(ctx.db, 'platform', rulesToBody(rules({}), 'admin'));
      await appendPolicy(ctx.db, tenantScope('acme'), rulesToBody(rules({ deniedProviders: ['b'] }), 'admin'));
      const old = await loadPolicyVersion(ctx.db, 'platform:1+tenant:acme:1', 'acme', 'replay_policy_version');
      expect([...old.byTenant.get('acme')!.deniedProviders]).toEqual(['a', 'b']);
      expect((await loadPolicyVersion(ctx.db, 'platform:0', 'acme', 'f')).platform.version).toBe('platform:0');
      expect(await rejection(loadPolicyVersion(ctx.db, 'platform:9', 'acme', 'f'))).toMatchObject({ kind: 'not_found' });
      expect(await rejection(loadPolicyVersion(ctx.db, 'v2', 'acme', 'replay_policy_version'))).toMatchObject({
        kind: 'invalid_argument',
        metadata: { field: 'replay_policy_version' },
      });
      expect(await rejection(loadPolicyVersion(ctx.db, 'platform:1+tenant:other:1', 'acme', 'f'))).toMatchObject({
        kind: 'invalid_argument',
      });
    });
  });
}
