-- 0002: routing decisions. Every Route, Chat and Embed stores the planner's inputs, the plan
-- and (for executed calls) the attempts and outcome, so a decision can be read back and
-- replayed. Written in batches off the request path.
CREATE TABLE decisions (
  id              uuid PRIMARY KEY,
  tenant_id       text COLLATE "C" NOT NULL,
  rpc             text NOT NULL CHECK (rpc IN ('Route', 'Chat', 'Embed')),
  created_at      timestamptz NOT NULL,
  policy_version  text NOT NULL,
  catalog_version text NOT NULL,
  inputs          jsonb NOT NULL,
  plan            jsonb NOT NULL,
  outcome         jsonb
);
-- A tenant's recent decisions (usage views, audits).
CREATE INDEX decisions_tenant_created ON decisions (tenant_id, created_at DESC);
