// Tenants and their API keys. A key's secret is generated here, returned once, and stored only
// as its hash (the hash auth.ts looks keys up by).
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../config/load.js';
import * as keys from '../store/repos/api-keys.js';
import type { Page, PageRequest } from '../store/repos/page.js';
import * as tenants from '../store/repos/tenants.js';
import type { AdminDeps } from './deps.js';

export type { ApiKey } from '../store/repos/api-keys.js';
export type { Page, PageRequest } from '../store/repos/page.js';
export type { Tenant } from '../store/repos/tenants.js';

export async function createTenant(d: AdminDeps, t: { id: string; name: string; disabled: boolean }): Promise<tenants.Tenant> {
  const row = await tenants.createTenant(d.db, t);
  await d.changes.publishChange('tenant');
  return row;
}

/** `undefined` leaves a field unchanged. */
export async function updateTenant(d: AdminDeps, id: string, patch: tenants.TenantPatch): Promise<tenants.Tenant> {
  const row = await tenants.updateTenant(d.db, id, patch);
  await d.changes.publishChange('tenant');
  return row;
}

export function listTenants(d: AdminDeps, page: PageRequest): Promise<Page<tenants.Tenant>> {
  return tenants.listTenants(d.db, page);
}

/** Its keys and budgets go with it (ON DELETE CASCADE). */
export async function deleteTenant(d: AdminDeps, id: string): Promise<void> {
  await tenants.deleteTenant(d.db, id);
  await d.changes.publishChange('tenant');
}

export interface NewKey {
  /** null for an admin key, which belongs to no tenant. */
  tenant: string | null;
  admin: boolean;
  name: string;
}

/** The secret is in the answer and nowhere else. */
export async function createApiKey(d: AdminDeps, k: NewKey): Promise<{ apiKey: keys.ApiKey; secret: string }> {
  const secret = `sy_${randomBytes(24).toString('base64url')}`;
  const row = await keys.createApiKey(d.db, {
    id: `key_${randomBytes(8).toString('hex')}`,
    tenantId: k.tenant,
    admin: k.admin,
    name: k.name,
    keyHash: sha256Hex(secret),
    prefix: secret.slice(0, 10),
  });
  await d.changes.publishChange('api_key');
  return { apiKey: row, secret };
}

/** `undefined` leaves a field unchanged; revoked: true stops the key at once on this replica. */
export async function updateApiKey(d: AdminDeps, id: string, patch: keys.ApiKeyPatch): Promise<keys.ApiKey> {
  const row = await keys.updateApiKey(d.db, id, patch);
  await d.changes.publishChange('api_key');
  return row;
}

/** `tenant` null: every tenant's keys and the admin keys. */
export function listApiKeys(d: AdminDeps, tenant: string | null, page: PageRequest): Promise<Page<keys.ApiKey>> {
  return keys.listApiKeys(d.db, tenant, page);
}

export async function deleteApiKey(d: AdminDeps, id: string): Promise<void> {
  await keys.deleteApiKey(d.db, id);
  await d.changes.publishChange('api_key');
}
