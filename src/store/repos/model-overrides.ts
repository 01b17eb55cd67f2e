// Operator overrides layered over the embedded model catalog: a JSON patch per model id, plus
// the two fields the router reads most (disabled, quality) as real columns.

import type { Queryable } from '../db.js';
import { mapWriteError, NotFoundError } from '../errors.js';
import { pageSize, toPage, type Page, type PageRequest } from './page.js';
import { jsonParam } from './sql.js';

export interface ModelOverride {
  modelId: string;
  /** A JSON object merged over the catalog entry (interpreted by catalog/, not here). */
  patch: Record<string, unknown>;
  disabled: boolean;
  quality: number | null;
  updatedAt: Date;
}

interface ModelOverrideRow {
  model_id: string;
  patch: Record<string, unknown>;
  disabled: boolean;
  quality: number | null;
  updated_at: Date;
}

const COLUMNS = 'model_id, patch, disabled, quality, updated_at';

function toOverride(r: ModelOverrideRow): ModelOverride {
  return { modelId: r.model_id, patch: r.patch, disabled: r.disabled, quality: r.quality, updatedAt: r.updated_at };
}

export interface NewModelOverride {
  modelId: string;
  patch?: Record<string, unknown>;
  disabled?: boolean;
  quality?: number | null;
}

function params(o: NewModelOverride): unknown[] {
  return [o.modelId, jsonParam(o.patch ?? {}), o.disabled ?? false, o.quality ?? null];
}

const INSERT = `INSERT INTO model_overrides (model_id, patch, disabled, quality)
  VALUES ($1, $2::jsonb, $3, $4)`;

export async function createModelOverride(q: Queryable, o: NewModelOverride): Promise<ModelOverride> {
  try {
    const { rows } = await q.query<ModelOverrideRow>(`${INSERT} RETURNING ${COLUMNS}`, params(o));
    return toOverride(rows[0]!);
  } catch (err) {
    return mapWriteError(err, 'model_override', o.modelId);
  }
}

/** Create or replace the whole override for a model. */
export async function putModelOverride(q: Queryable, o: NewModelOverride): Promise<ModelOverride> {
  const { rows } = await q.query<ModelOverrideRow>(
    `${INSERT} ON CONFLICT (model_id) DO UPDATE SET patch = EXCLUDED.patch,
       disabled = EXCLUDED.disabled, quality = EXCLUDED.quality, updated_at = now()
     RETURNING ${COLUMNS}`,
    params(o),
  );
  return toOverride(rows[0]!);
}

export async function getModelOverride(q: Queryable, modelId: string): Promise<ModelOverride | null> {
  const { rows } = await q.query<ModelOverrideRow>(`SELECT ${COLUMNS} FROM model_overrides WHERE model_id = $1`, [modelId]);
  return rows[0] ? toOverride(rows[0]) : null;
}

export async function listModelOverrides(q: Queryable, page: PageRequest = {}): Promise<Page<ModelOverride>> {
  const size = pageSize(page.limit);
  const { rows } = await q.query<ModelOverrideRow>(
    `SELECT ${COLUMNS} FROM model_overrides WHERE $1::text IS NULL OR model_id > $1
      ORDER BY model_id LIMIT $2`,
    [page.after ?? null, size + 1],
  );
  return toPage(rows, size, toOverride, (o) => o.modelId);
}

export async function deleteModelOverride(q: Queryable, modelId: string): Promise<void> {
  const { rowCount } = await q.query('DELETE FROM model_overrides WHERE model_id = $1', [modelId]);
  if (rowCount === 0) throw new NotFoundError('model_override', modelId);
}
