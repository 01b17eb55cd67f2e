// Calls in flight on escrow leases (table call_intents, migration 0008): written and deleted
// inside the usage-ledger flush's transaction, read by the lease sweeper after a crash.
import type { Queryable } from '../db.js';

/** What the ledger row of a call abandoned by a crash says (no usage is known: cost = held). */
export interface IntentCall {
  requestId: string;
  tenantId: string;
  apiKeyId: string;
  workerId: string;
  taskType: string;
  rpc: 'Chat' | 'Embed';
  provider: string;
  model: string;
  priceVersion: string;
}

export interface CallIntent {
  decisionId: string;
  /** The call's ledger created_at (its decision's time). */
  createdAt: Date;
  /** Every lease the call holds `held` on (one per budget that applies). */
  leaseIds: string[];
  held: bigint;
  call: IntentCall;
}

export async function insertIntents(tx: Queryable, intents: readonly CallIntent[]): Promise<void> {
  const flat = intents.flatMap((i) => i.leaseIds.map((leaseId) => ({ leaseId, i })));
  if (flat.length === 0) return;
  await tx.query(
    `INSERT INTO call_intents (lease_id, decision_id, created_at, held, call)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::int8[], $5::jsonb[])
     ON CONFLICT DO NOTHING`,
    [
      flat.map((f) => f.leaseId),
      flat.map((f) => f.i.decisionId),
      flat.map((f) => f.i.createdAt),
      flat.map((f) => f.i.held),
      flat.map((f) => JSON.stringify(f.i.call)),
    ],
  );
}

/**
 * Forgets intents whose lease is no longer open and was not swept with them: left by a call
 * whose end was flushed before its intent (a spooled batch replayed late). The table holds
 * only calls in flight, so this is a small scan. Returns how many.
 */
export async function pruneIntents(q: Queryable): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM call_intents i WHERE NOT EXISTS (SELECT 1 FROM budget_leases l WHERE l.id = i.lease_id AND l.state = 'open')`,
  );
  return rowCount;
}

/** The calls ended: their ledger rows are written in the same transaction. */
export async function deleteIntents(tx: Queryable, decisionIds: readonly string[]): Promise<void> {
  if (decisionIds.length === 0) return;
  await tx.query('DELETE FROM call_intents WHERE decision_id = ANY($1::uuid[])', [decisionIds]);
}

/** Per lease: what its abandoned calls held (to be consumed), and how many calls. */
export type SettledIntents = Map<string, { held: bigint; calls: number }>;

/**
 * Inside the sweeper's transaction, for leases just swept: removes their intents and writes a
 * ledger row (status 'abandoned', cost = held) for each call that has no row yet. A call that
 * did write its row (a flush that came after the intent's) is not charged again.
 */
export async function settleIntents(tx: Queryable, leaseIds: readonly string[]): Promise<SettledIntents> {
  const byLease: SettledIntents = new Map();
  if (leaseIds.length === 0) return byLease;
  // One statement: its parts share a snapshot, so "has no ledger row" is judged before the
  // abandoned rows go in; one row per call, from any of its intents (same amount on each lease).
  const { rows } = await tx.query<{ lease_id: string; decision_id: string; held: bigint }>(
    `WITH gone AS (DELETE FROM call_intents WHERE lease_id = ANY($1::uuid[]) RETURNING *),
          open AS (SELECT * FROM gone g
                    WHERE NOT EXISTS (SELECT 1 FROM usage_ledger u WHERE u.decision_id = g.decision_id AND u.created_at = g.created_at)),
          rows AS (
            INSERT INTO usage_ledger (decision_id, request_id, tenant_id, api_key_id, worker_id, task_type, rpc, provider, model,
                                      cost, estimated, price_version, latency_ms, status, attempts, created_at)
            SELECT DISTINCT ON (decision_id) decision_id, call->>'requestId', call->>'tenantId', call->>'apiKeyId', call->>'workerId',
                   call->>'taskType', call->>'rpc', call->>'provider', call->>'model', held, true, call->>'priceVersion', 0,
                   'abandoned', 0, created_at
              FROM open ORDER BY decision_id
            ON CONFLICT (decision_id, created_at) DO NOTHING
            RETURNING decision_id)
     -- Charged once per (lease, call), and only for calls whose abandoned row went in: a
     -- call's intent written twice (a retried batch) or a row that appeared meanwhile must not
     -- make the budget's spend differ from the ledger.
     SELECT DISTINCT ON (lease_id, decision_id) lease_id, decision_id, held FROM open
      WHERE decision_id IN (SELECT decision_id FROM rows)
      ORDER BY lease_id, decision_id`,
    [leaseIds],
  );
  for (const r of rows) {
    const prev = byLease.get(r.lease_id) ?? { held: 0n, calls: 0 };
    byLease.set(r.lease_id, { held: prev.held + BigInt(r.held), calls: prev.calls + 1 });
  }
  return byLease;
}
