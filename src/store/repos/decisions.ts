// Routing decision records. Inserted in batches (one statement per batch) by the decision
// writer; read one at a time by GetDecision.
import type { Queryable } from '../db.js';

export interface DecisionRow {
  id: string;
  tenantId: string;
  rpc: 'Route' | 'Chat' | 'Embed';
  createdAt: Date;
  policyVersion: string;
  catalogVersion: string;
  /** JSON-safe (bigints as strings). */
  inputs: unknown;
  plan: unknown;
  outcome: unknown;
}

interface Raw {
  id: string;
  tenant_id: string;
  rpc: DecisionRow['rpc'];
  created_at: Date;
  policy_version: string;
  catalog_version: string;
  inputs: unknown;
  plan: unknown;
  outcome: unknown;
}

/** One INSERT for the whole batch: unnest over parallel arrays keeps it a single round trip. */
export async function insertDecisions(q: Queryable, rows: readonly DecisionRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO decisions (id, tenant_id, rpc, created_at, policy_version, catalog_version, inputs, plan, outcome)
     SELECT u.id::uuid, u.tenant_id, u.rpc, u.created_at, u.policy_version, u.catalog_version,
            u.inputs::jsonb, u.plan::jsonb, u.outcome::jsonb
       FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
         AS u(id, tenant_id, rpc, created_at, policy_version, catalog_version, inputs, plan, outcome)
     ON CONFLICT (id) DO NOTHING`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.tenantId),
      rows.map((r) => r.rpc),
      rows.map((r) => r.createdAt.toISOString()),
      rows.map((r) => r.policyVersion),
      rows.map((r) => r.catalogVersion),
      rows.map((r) => JSON.stringify(r.inputs)),
      rows.map((r) => JSON.stringify(r.plan)),
      rows.map((r) => (r.outcome === undefined ? null : JSON.stringify(r.outcome))),
    ],
  );
}

export async function getDecision(q: Queryable, id: string): Promise<DecisionRow | null> {
  const { rows } = await q.query<Raw>(
    `SELECT id::text AS id, tenant_id, rpc, created_at, policy_version, catalog_version, inputs, plan, outcome
       FROM decisions WHERE id = $1::uuid`,
    [id],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id,
    tenantId: r.tenant_id,
    rpc: r.rpc,
    createdAt: r.created_at,
    policyVersion: r.policy_version,
    catalogVersion: r.catalog_version,
    inputs: r.inputs,
    plan: r.plan,
    outcome: r.outcome ?? undefined,
  };
}
