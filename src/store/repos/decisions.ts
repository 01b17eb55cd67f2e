// Routing decision records. Inserted in batches (one COPY per batch) by the decision
// writer; read one at a time by GetDecision.
import { uuidv7Time } from '../../ids.js';
import { copyLine, sqlState, SQLSTATE, type Db, type Queryable } from '../db.js';

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

const COLUMNS = ['id', 'tenant_id', 'rpc', 'created_at', 'policy_version', 'catalog_version', 'inputs', 'plan', 'outcome'] as const;

/**
 * Stores a batch in one transaction with one COPY: several times less Postgres CPU a row than
 * a multi-row INSERT … VALUES (docs/benchmarks.md), and the replica's database shares the
 * machine with it. COPY has no ON CONFLICT: when a batch is retried after
 * a flush whose commit did reach the database (the answer was lost), the COPY fails on the
 * duplicate key and the batch is inserted again row-idempotently, keeping what is new.
 *
 * Decisions are an audit trail, not money: a crash may lose the last flush interval, already
 * the bound, so the commit does not wait for the WAL flush (synchronous_commit off).
 */
export async function insertDecisions(db: Db, rows: readonly DecisionRow[]): Promise<void> {
  if (rows.length === 0) return;
  try {
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL synchronous_commit = off');
      await tx.copyFrom('decisions', COLUMNS, rows.map((r) => copyLine(columnValues(r))).join(''));
    });
  } catch (err) {
    if (sqlState(err) !== SQLSTATE.uniqueViolation) throw err;
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL synchronous_commit = off');
      await insertDecisionsIfAbsent(tx, rows);
    });
  }
}

/** A row's column values in COLUMNS order, as text (JSON columns serialised). */
function columnValues(r: DecisionRow): (string | null)[] {
  return [
    r.id,
    r.tenantId,
    r.rpc,
    r.createdAt.toISOString(),
    r.policyVersion,
    r.catalogVersion,
    JSON.stringify(r.inputs),
    JSON.stringify(r.plan),
    r.outcome === undefined ? null : JSON.stringify(r.outcome),
  ];
}

/**
 * The slow path: one multi-row VALUES insert skipping ids already stored. One parameter per
 * value: parameters travel as they are, where array parameters would make the driver escape
 * every quote of the JSON and the server parse it back.
 */
export async function insertDecisionsIfAbsent(q: Queryable, rows: readonly DecisionRow[]): Promise<void> {
  if (rows.length === 0) return;
  const params: unknown[] = [];
  const tuples = rows.map((r) => {
    const n = params.length;
    params.push(...columnValues(r));
    return `($${n + 1}::uuid, $${n + 2}, $${n + 3}, $${n + 4}::timestamptz, $${n + 5}, $${n + 6}, $${n + 7}::json, $${n + 8}::json, $${n + 9}::json)`;
  });
  await q.query(
    `INSERT INTO decisions (${COLUMNS.join(', ')})
     VALUES ${tuples.join(', ')}
     ON CONFLICT (id, created_at) DO NOTHING`,
    params,
  );
}

/**
 * How far a decision's created_at may be from the time in its UUIDv7 id. They come from one
 * clock reading (calls/plan-call.ts); the margin only covers rows written before that was so.
 */
const ID_TIME_MARGIN_MS = 60 * 60 * 1000;

/**
 * One decision by id. decisions is partitioned by day on created_at (migration 0005) and keyed
 * (id, created_at): for a UUIDv7 id the created_at range taken from the id lets Postgres read
 * one or two partitions' key index instead of one per day kept. Any other id (none are minted
 * so, but rows may be imported) probes every partition.
 */
export async function getDecision(q: Queryable, id: string): Promise<DecisionRow | null> {
  const t = uuidv7Time(id);
  const select = `SELECT id::text AS id, tenant_id, rpc, created_at, policy_version, catalog_version, inputs, plan, outcome
       FROM decisions WHERE id = $1::uuid`;
  const { rows } =
    t === undefined
      ? await q.query<Raw>(select, [id])
      : await q.query<Raw>(`${select} AND created_at BETWEEN $2::timestamptz AND $3::timestamptz`, [
          id,
          new Date(t - ID_TIME_MARGIN_MS).toISOString(),
          new Date(t + ID_TIME_MARGIN_MS).toISOString(),
        ]);
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
