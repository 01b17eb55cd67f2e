-- 0003: budgets, escrow leases and the usage ledger. All money is integer pico-USD (bigint).
--
-- How a budget can never be overspent across replicas (src/budget/):
--   budget_periods.spent + budget_periods.leased <= budgets.limit_pico is checked by the one
--   UPDATE that grants a lease (borrowing). A replica reserves in memory only from money it has
--   already borrowed, so no reservation can exceed the limit, whatever the concurrency.
--   Settled cost is flushed in the same transaction as the ledger rows that explain it:
--   lease.consumed grows, period.spent grows, period.leased shrinks. A lease that is returned
--   (or swept after its replica died) gives back granted - consumed.

CREATE TABLE budgets (
  id          text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
  tenant_id   text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  scope       text NOT NULL CHECK (scope IN ('tenant', 'api_key', 'worker')),
  api_key_id  text COLLATE "C" NOT NULL DEFAULT '',
  worker_id   text COLLATE "C" NOT NULL DEFAULT '',
  period      text NOT NULL CHECK (period IN ('day', 'month', 'total')),
  limit_pico  bigint NOT NULL CHECK (limit_pico >= 0),
  -- 'config': seeded from the config file (re-seeded at start); 'admin': made through AdminService.
  source      text NOT NULL DEFAULT 'admin' CHECK (source IN ('config', 'admin')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((scope = 'api_key') = (api_key_id <> '')),
  CHECK ((scope = 'worker') = (worker_id <> '')),
  UNIQUE (tenant_id, scope, api_key_id, worker_id, period)
);
CREATE INDEX budgets_tenant_id_id ON budgets (tenant_id, id);

-- One row per budget and period (period_start is 1970-01-01 for 'total').
CREATE TABLE budget_periods (
  budget_id    text COLLATE "C" NOT NULL REFERENCES budgets (id) ON DELETE CASCADE,
  period_start timestamptz NOT NULL,
  -- Settled cost, flushed with the ledger rows that explain it.
  spent        bigint NOT NULL DEFAULT 0 CHECK (spent >= 0),
  -- Granted to open leases and not yet consumed.
  leased       bigint NOT NULL DEFAULT 0 CHECK (leased >= 0),
  -- Settled cost beyond what had been reserved and could not be covered by borrowing more
  -- (an upstream that reported more input than the worst-case estimate). Part of `spent`.
  overage      bigint NOT NULL DEFAULT 0 CHECK (overage >= 0),
  PRIMARY KEY (budget_id, period_start)
);

-- A replica's slice of a budget period, reserved from in memory.
CREATE TABLE budget_leases (
  id           uuid PRIMARY KEY,
  budget_id    text COLLATE "C" NOT NULL,
  period_start timestamptz NOT NULL,
  replica_id   text NOT NULL,
  granted      bigint NOT NULL CHECK (granted >= 0),
  consumed     bigint NOT NULL DEFAULT 0 CHECK (consumed >= 0),
  state        text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'returned', 'swept')),
  -- Swept leases: what the dead replica held and never consumed (given back to the budget).
  abandoned    bigint NOT NULL DEFAULT 0 CHECK (abandoned >= 0),
  expires_at   timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  closed_at    timestamptz,
  FOREIGN KEY (budget_id, period_start) REFERENCES budget_periods (budget_id, period_start) ON DELETE CASCADE
);
CREATE INDEX budget_leases_open_expiry ON budget_leases (expires_at) WHERE state = 'open';
CREATE INDEX budget_leases_open_replica ON budget_leases (replica_id) WHERE state = 'open';
CREATE INDEX budget_leases_period ON budget_leases (budget_id, period_start);

-- The usage ledger: one append-only row per executed Chat or Embed, written in batches.
-- The primary key makes settlement idempotent (a retried flush cannot count a call twice).
CREATE TABLE usage_ledger (
  decision_id         uuid PRIMARY KEY,
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
  -- true when the upstream reported no usage and the row holds Switchyard's estimate.
  estimated           boolean NOT NULL DEFAULT false,
  price_version       text NOT NULL,
  latency_ms          integer NOT NULL DEFAULT 0,
  ttft_ms             integer,
  status              text NOT NULL,
  attempts            integer NOT NULL DEFAULT 1,
  created_at          timestamptz NOT NULL
);
-- Usage queries are time ranges, optionally for one tenant. BRIN stays tiny on an
-- append-only, time-ordered table; the btree serves a tenant's own range.
CREATE INDEX usage_ledger_created_brin ON usage_ledger USING brin (created_at);
CREATE INDEX usage_ledger_tenant_created ON usage_ledger (tenant_id, created_at);
