-- 0006: money edges (issue 12 §8).
--
-- ledger_batches: one row per committed usage-ledger flush, inserted in the flush's own
-- transaction (src/ledger/writer.ts). A flush whose COMMIT answer was lost is retried with
-- the same id; finding it here means the first attempt committed, so its budget deltas are
-- not applied a second time. Rows older than a week are pruned by the writer: a batch is
-- retried while its process lives (or from its spool file), never a week later.
CREATE TABLE ledger_batches (
  id           uuid PRIMARY KEY,
  committed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_batches_committed_at ON ledger_batches (committed_at);

-- The start of the budget period containing `at`, in UTC: the SQL twin of periodStart() in
-- src/store/repos/budgets.ts. Borrowing checks the engine's period against it with the
-- database's now(), so every replica uses the database clock whatever its own says.
CREATE FUNCTION budget_period_start(period text, at timestamptz) RETURNS timestamptz
  LANGUAGE sql STABLE AS $$
    SELECT CASE period
      WHEN 'day' THEN date_trunc('day', at, 'UTC')
      WHEN 'month' THEN date_trunc('month', at, 'UTC')
      ELSE 'epoch'::timestamptz
    END
  $$;
