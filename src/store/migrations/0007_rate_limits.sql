-- 0007: rate limits made through AdminService (issue 12 §6). The config file's `limits:` are
-- not stored: every replica reads them from its own file. Counting happens in Redis
-- (src/limits/), never here: this table only says what the limits are.
CREATE TABLE rate_limits (
  id                  text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
  tenant_id           text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  scope               text NOT NULL CHECK (scope IN ('tenant', 'api_key', 'model')),
  api_key_id          text COLLATE "C" NOT NULL DEFAULT '',
  model               text COLLATE "C" NOT NULL DEFAULT '',
  requests_per_minute integer NOT NULL DEFAULT 0 CHECK (requests_per_minute >= 0),
  tokens_per_minute   bigint NOT NULL DEFAULT 0 CHECK (tokens_per_minute >= 0),
  concurrent          integer NOT NULL DEFAULT 0 CHECK (concurrent >= 0),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK ((scope = 'api_key') = (api_key_id <> '')),
  CHECK ((scope = 'model') = (model <> '')),
  UNIQUE (tenant_id, scope, api_key_id, model)
);
