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

/**
 * One INSERT for the whole batch, as a multi-row VALUES list with one parameter per value:
 * parameters travel as they are, where array parameters would make the driver escape every
 * quote of the JSON and the server parse it back.
 */
export async function insertDecisions(q: Queryable, rows: readonly DecisionRow[]): Promise<void> {
  if (rows.length === 0) return;
  const params: unknown[] = [];
  const tuples = rows.map((r) => {
    const n = params.length;
    params.push(
      r.id,
      r.tenantId,
      r.rpc,
      r.createdAt.toISOString(),
      r.policyVersion,
      r.catalogVersion,
      JSON.stringify(r.inputs),
      JSON.stringify(r.plan),
      r.outcome === undefined ? null : JSON.stringify(r.outcome),
    );
    return `($${n + 1}::uuid, $${n + 2}, $${n + 3}, $${n + 4}::timestamptz, $${n + 5}, $${n + 6}, $${n + 7}::json, $${n + 8}::json, $${n + 9}::json)`;
  });
  await q.query(
    `INSERT INTO decisions (id, tenant_id, rpc, created_at, policy_version, catalog_version, inputs, plan, outcome)
     VALUES ${tuples.join(', ')}
     ON CONFLICT (id) DO NOTHING`,
    params,
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
