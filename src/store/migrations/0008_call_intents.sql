-- 0008: calls in flight, so that a crash leaves a record (issue 12 §4).
--
-- call_intents: one row per (lease, call) for a call that holds money on an escrow lease. It
-- is written by the usage-ledger flush that follows the reservation (src/ledger/writer.ts,
-- batched: no round trip per request) and deleted by the flush that writes the call's ledger
-- row; a call shorter than one flush interval never reaches the table. When a replica dies,
-- the sweeper (sweepExpiredLeases, src/store/repos/budget-leases.ts) settles the intents of
-- its expired leases at the held amount and writes their ledger rows with status 'abandoned'.
-- No foreign key to budget_leases: the insert would take a row lock on the lease that renewal
-- (FOR UPDATE) waits on, in a different order than the flush.
CREATE TABLE call_intents (
  lease_id    uuid NOT NULL,
  decision_id uuid NOT NULL,
  -- usage_ledger.created_at of the call's row (from its decision id): its ledger key.
  created_at  timestamptz NOT NULL,
  held        bigint NOT NULL CHECK (held >= 0),
  -- What the abandoned ledger row needs: tenant, key, worker, task, rpc, provider, model, request id, price version.
  call        jsonb NOT NULL,
  PRIMARY KEY (lease_id, decision_id)
);
CREATE INDEX call_intents_decision ON call_intents (decision_id);
