// Upstream providers an operator configured. A provider's API key is stored only as the
// ciphertext the caller hands in (encryption happens above the store), or as the name of an
// environment variable.

import type { Queryable } from '../db.js';
import { mapWriteError, NotFoundError } from '../errors.js';
import { pageSize, toPage, type Page, type PageRequest } from './page.js';
import { setClause } from './sql.js';

export interface Provider {
  id: string;
  kind: string;
  baseUrl: string | null;
  apiKeyCiphertext: string | null;
  apiKeyEnv: string | null;
  preset: string | null;
  regions: string[];
  local: boolean;
  disabled: boolean;
  /** Highest sensitivity this remote provider is cleared for; null: the default (confidential). */
  maxSensitivity: string | null;
  updatedAt: Date;
}

interface ProviderRow {
  id: string;
  kind: string;
  base_url: string | null;
  api_key_ciphertext: string | null;
  api_key_env: string | null;
  preset: string | null;
  regions: string[];
  local: boolean;
  disabled: boolean;
  max_sensitivity: string | null;
  updated_at: Date;
}

const COLUMNS = 'id, kind, base_url, api_key_ciphertext, api_key_env, preset, regions, local, disabled, max_sensitivity, updated_at';

function toProvider(r: ProviderRow): Provider {
  return {
    id: r.id,
    kind: r.kind,
    baseUrl: r.base_url,
    apiKeyCiphertext: r.api_key_ciphertext,
    apiKeyEnv: r.api_key_env,
    preset: r.preset,
    regions: r.regions,
    local: r.local,
    disabled: r.disabled,
    maxSensitivity: r.max_sensitivity,
    updatedAt: r.updated_at,
  };
}

export type NewProvider = Pick<Provider, 'id' | 'kind'> & ProviderPatch;

/** `undefined` leaves a field unchanged; `null` clears a nullable one. */
export interface ProviderPatch {
  kind?: string;
  baseUrl?: string | null;
  apiKeyCiphertext?: string | null;
  apiKeyEnv?: string | null;
  preset?: string | null;
  regions?: string[];
  local?: boolean;
  disabled?: boolean;
  maxSensitivity?: string | null;
}

const PATCH_COLUMNS: { [K in keyof ProviderPatch]-?: string } = {
  kind: 'kind',
  baseUrl: 'base_url',
  apiKeyCiphertext: 'api_key_ciphertext',
  apiKeyEnv: 'api_key_env',
  preset: 'preset',
  regions: 'regions',
  local: 'local',
  disabled: 'disabled',
  maxSensitivity: 'max_sensitivity',
};

function insertParams(p: NewProvider): unknown[] {
  return [
    p.id,
    p.kind,
    p.baseUrl ?? null,
    p.apiKeyCiphertext ?? null,
    p.apiKeyEnv ?? null,
    p.preset ?? null,
    p.regions ?? [],
    p.local ?? false,
    p.disabled ?? false,
    p.maxSensitivity ?? null,
  ];
}

const INSERT = `INSERT INTO providers
  (id, kind, base_url, api_key_ciphertext, api_key_env, preset, regions, local, disabled, max_sensitivity)
  VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9, $10)`;

export async function createProvider(q: Queryable, p: NewProvider): Promise<Provider> {
  try {
    const { rows } = await q.query<ProviderRow>(`${INSERT} RETURNING ${COLUMNS}`, insertParams(p));
    return toProvider(rows[0]!);
  } catch (err) {
    return mapWriteError(err, 'provider', p.id);
  }
}

/** Create or replace (every field; absent ones take their defaults), e.g. from a config file. */
export async function putProvider(q: Queryable, p: NewProvider): Promise<Provider> {
  const { rows } = await q.query<ProviderRow>(
    `${INSERT} ON CONFLICT (id) DO UPDATE SET
       kind = EXCLUDED.kind, base_url = EXCLUDED.base_url,
       api_key_ciphertext = EXCLUDED.api_key_ciphertext, api_key_env = EXCLUDED.api_key_env,
       preset = EXCLUDED.preset, regions = EXCLUDED.regions, local = EXCLUDED.local,
       disabled = EXCLUDED.disabled, max_sensitivity = EXCLUDED.max_sensitivity, updated_at = now()
     RETURNING ${COLUMNS}`,
    insertParams(p),
  );
  return toProvider(rows[0]!);
}

export async function getProvider(q: Queryable, id: string): Promise<Provider | null> {
  const { rows } = await q.query<ProviderRow>(`SELECT ${COLUMNS} FROM providers WHERE id = $1`, [id]);
  return rows[0] ? toProvider(rows[0]) : null;
}

export async function listProviders(q: Queryable, page: PageRequest = {}): Promise<Page<Provider>> {
  const size = pageSize(page.limit);
  const { rows } = await q.query<ProviderRow>(`SELECT ${COLUMNS} FROM providers WHERE $1::text IS NULL OR id > $1 ORDER BY id LIMIT $2`, [
    page.after ?? null,
    size + 1,
  ]);
  return toPage(rows, size, toProvider, (p) => p.id);
}

export async function updateProvider(q: Queryable, id: string, patch: ProviderPatch): Promise<Provider> {
  const set = setClause(patch, PATCH_COLUMNS, 2, { regions: 'text[]' });
  const { rows } = await q.query<ProviderRow>(
    `UPDATE providers SET ${set.sql ? `${set.sql}, ` : ''}updated_at = now()
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, ...set.params],
  );
  if (!rows[0]) throw new NotFoundError('provider', id);
  return toProvider(rows[0]);
}

export async function deleteProvider(q: Queryable, id: string): Promise<void> {
  const { rowCount } = await q.query('DELETE FROM providers WHERE id = $1', [id]);
  if (rowCount === 0) throw new NotFoundError('provider', id);
}
