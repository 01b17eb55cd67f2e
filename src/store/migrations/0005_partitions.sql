-- 0005: daily range partitions (UTC) on created_at for the two append-only tables, so that
-- retention is a DROP of a whole day (no DELETE, no VACUUM of dead rows, no bloat) and a time
-- range only reads the days it covers. src/store/partitions.ts creates days ahead and drops days
-- past retention (the janitor, any replica, under an advisory lock). A DEFAULT partition takes
-- rows no daily partition covers (a clock far off, a janitor that has not run yet), so an insert
-- never fails for want of a partition; the janitor moves them into their day.
--
-- A unique constraint of a partitioned table must contain the partition key, so:
--   decisions:    PRIMARY KEY (id, created_at). Still unique by id: a decision's id is a
--                 UUIDv7 minted from the same clock reading as its created_at
--                 (calls/plan-call.ts), so GetDecision derives created_at from the id and reads
--                 one partition.
--   usage_ledger: PRIMARY KEY (decision_id, created_at). created_at is the decision's time taken
--                 from its UUIDv7 id (calls/metering.ts), a function of decision_id: the key is
--                 as unique as decision_id alone was, so ON CONFLICT still counts a call once,
--                 and a retried row always lands in the same partition.
--
-- Conversion, inside migrate()'s one transaction: rename the old table, create the partitioned
-- one with a partition for every day that holds rows, move the rows, drop the old table, then
-- build the keys and indexes once over the loaded rows.

ALTER TABLE decisions RENAME TO decisions_unpartitioned;
CREATE TABLE decisions (
  id              uuid NOT NULL,
  tenant_id       text COLLATE "C" NOT NULL,
  rpc             text NOT NULL CHECK (rpc IN ('Route', 'Chat', 'Embed')),
  created_at      timestamptz NOT NULL,
  policy_version  text NOT NULL,
  catalog_version text NOT NULL,
  inputs          json NOT NULL,
  plan            json NOT NULL,
  outcome         json
) PARTITION BY RANGE (created_at);
CREATE TABLE decisions_default PARTITION OF decisions DEFAULT;

ALTER TABLE usage_ledger RENAME TO usage_ledger_unpartitioned;
CREATE TABLE usage_ledger (
  decision_id         uuid NOT NULL,
  request_id          text NOT NULL DEFAULT '',
  tenant_id           text COLLATE "C" NOT NULL,
  api_key_id          text COLLATE "C" NOT NULL DEFAULT '',
  worker_id           text COLLATE "C" NOT NULL DEFAULT '',
  task_type           text NOT NULL DEFAULT '',
  rpc                 text NOT NULL CHECK (rpc IN ('Chat', 'Embed')),
  provider            text COLLATE "C" NOT NULL DEFAULT '',
  model               text COLLATE "C" NOT NULL DEFAULT '',
  input_tokens        bigint NOT NULL DEFAULT 0,
  output_tokens       bigint NOT NULL DEFAULT 0,
  cached_input_tokens bigint NOT NULL DEFAULT 0,
  reasoning_tokens    bigint NOT NULL DEFAULT 0,
  cost                bigint NOT NULL DEFAULT 0 CHECK (cost >= 0),
  estimated           boolean NOT NULL DEFAULT false,
  price_version       text NOT NULL,
  latency_ms          integer NOT NULL DEFAULT 0,
  ttft_ms             integer,
  status              text NOT NULL,
  attempts            integer NOT NULL DEFAULT 1,
  created_at          timestamptz NOT NULL
) PARTITION BY RANGE (created_at);
CREATE TABLE usage_ledger_default PARTITION OF usage_ledger DEFAULT;

-- One partition per UTC day that holds rows, named <table>_pYYYYMMDD like the janitor's.
DO $$
DECLARE
  t text;
  d date;
BEGIN
  FOREACH t IN ARRAY ARRAY['decisions', 'usage_ledger'] LOOP
    FOR d IN EXECUTE format('SELECT DISTINCT (created_at AT TIME ZONE ''UTC'')::date FROM %I', t || '_unpartitioned') LOOP
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
        t || '_p' || to_char(d, 'YYYYMMDD'), t, d::text || ' 00:00:00+00', (d + 1)::text || ' 00:00:00+00');
    END LOOP;
  END LOOP;
END
$$;

INSERT INTO decisions SELECT id, tenant_id, rpc, created_at, policy_version, catalog_version, inputs, plan, outcome
  FROM decisions_unpartitioned;
DROP TABLE decisions_unpartitioned;
INSERT INTO usage_ledger SELECT decision_id, request_id, tenant_id, api_key_id, worker_id, task_type, rpc, provider, model,
    input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, cost, estimated, price_version,
    latency_ms, ttft_ms, status, attempts, created_at
  FROM usage_ledger_unpartitioned;
DROP TABLE usage_ledger_unpartitioned;

-- Keys and indexes are declared on the parent and cascade to every partition, present and
-- future. decisions: only the key (every extra index is paid on ~every request's insert).
ALTER TABLE decisions ADD PRIMARY KEY (id, created_at);
ALTER TABLE usage_ledger ADD PRIMARY KEY (decision_id, created_at);
-- Usage queries (repos/usage.ts queryUsage) are a time range, optionally for one tenant. The
-- range first prunes to its days; inside a day BRIN narrows a partial-day range at almost no
-- size, and the btree serves one tenant's rows.
CREATE INDEX usage_ledger_created_brin ON usage_ledger USING brin (created_at);
CREATE INDEX usage_ledger_tenant_created ON usage_ledger (tenant_id, created_at);
