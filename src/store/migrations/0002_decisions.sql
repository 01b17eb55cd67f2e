-- 0002: routing decisions. Every Route, Chat and Embed stores the planner's inputs, the plan
-- and (for executed calls) the attempts and outcome, so a decision can be read back and
-- replayed. Written in batches off the request path. `json`, not `jsonb`: records are written
-- far more often than read and only ever read whole, so Postgres keeps the text as sent
-- instead of parsing it into binary on every insert.
CREATE TABLE decisions (
  id              uuid PRIMARY KEY,
  tenant_id       text COLLATE "C" NOT NULL,
  rpc             text NOT NULL CHECK (rpc IN ('Route', 'Chat', 'Embed')),
  created_at      timestamptz NOT NULL,
  policy_version  text NOT NULL,
  catalog_version text NOT NULL,
  inputs          json NOT NULL,
  plan            json NOT NULL,
  outcome         json
);
-- Only the primary key for now: every extra index is paid on ~every request's insert. Add
-- (tenant_id, created_at) with the first query that lists a tenant's decisions.
