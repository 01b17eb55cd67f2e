// Upstream providers added through AdminService (bring your own key). A key given in clear is
// encrypted with the vault before it is stored and is never returned: answers say only whether
// the provider has one (stored, or in the server environment variable it names).
import type { ProviderKind } from '../config/schema.js';
import type { Sensitivity } from '../routing/types.js';
import type { Page, PageRequest } from '../store/repos/page.js';
import * as providers from '../store/repos/providers.js';
import type { AdminDeps } from './deps.js';

export interface ProviderInput {
  id: string;
  kind: ProviderKind;
  baseUrl: string | null;
  /** In clear; encrypted here. undefined keeps the stored key (it is write-only). */
  apiKey: string | undefined;
  apiKeyEnv: string | null;
  preset: string | null;
  regions: string[];
  local: boolean;
  disabled: boolean;
  /** null: the default clearance. */
  maxSensitivity: Sensitivity | null;
}

/** A provider as AdminService shows it: no key material, only whether there is a key. */
export type ProviderView = Omit<providers.Provider, 'apiKeyCiphertext'> & { hasApiKey: boolean };

function fields(d: AdminDeps, p: ProviderInput): providers.ProviderPatch & { kind: string } {
  return {
    kind: p.kind,
    baseUrl: p.baseUrl,
    apiKeyCiphertext: p.apiKey ? d.vault.encrypt(p.apiKey) : undefined,
    apiKeyEnv: p.apiKeyEnv,
    preset: p.preset,
    regions: p.regions,
    local: p.local,
    disabled: p.disabled,
    maxSensitivity: p.maxSensitivity,
  };
}

function view(d: AdminDeps, row: providers.Provider): ProviderView {
  const { apiKeyCiphertext, ...rest } = row;
  return { ...rest, hasApiKey: Boolean(apiKeyCiphertext) || Boolean(row.apiKeyEnv && d.env[row.apiKeyEnv]) };
}

export async function createProvider(d: AdminDeps, p: ProviderInput): Promise<ProviderView> {
  const row = await providers.createProvider(d.db, { id: p.id, ...fields(d, p) });
  await d.changes.publishChange('provider');
  return view(d, row);
}

export async function updateProvider(d: AdminDeps, p: ProviderInput): Promise<ProviderView> {
  const row = await providers.updateProvider(d.db, p.id, fields(d, p));
  await d.changes.publishChange('provider');
  return view(d, row);
}

export async function listProviders(d: AdminDeps, page: PageRequest): Promise<Page<ProviderView>> {
  const p = await providers.listProviders(d.db, page);
  return { items: p.items.map((row) => view(d, row)), next: p.next };
}

export async function deleteProvider(d: AdminDeps, id: string): Promise<void> {
  await providers.deleteProvider(d.db, id);
  await d.changes.publishChange('provider');
}
