-- 0001: tenants, API keys and the routing configuration an operator edits.
-- Never edit this file once it has landed: add 0002_….sql instead (migrate() checks checksums).
--
-- Identifier columns use COLLATE "C": ids are machine strings, and byte order makes keyset
-- paging (ORDER BY id, WHERE id > $after) identical on every server locale and on PGlite.

CREATE TABLE tenants (
  id         text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
  name       text NOT NULL DEFAULT '',
  disabled   boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Only the SHA-256 (hex) of a key's secret is stored; `prefix` is the visible start of the
-- key, shown in listings so an operator can tell keys apart.
CREATE TABLE api_keys (
  id           text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
  tenant_id    text COLLATE "C" REFERENCES tenants (id) ON DELETE CASCADE,
  admin        boolean NOT NULL,
  name         text NOT NULL DEFAULT '',
  key_hash     text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  prefix       text NOT NULL,
  revoked      boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  CONSTRAINT api_keys_admin_or_tenant CHECK (admin OR tenant_id IS NOT NULL)
);
-- Listing a tenant's keys page by page, and the ON DELETE CASCADE from tenants.
CREATE INDEX api_keys_tenant_id_id ON api_keys (tenant_id, id);

-- Bring-your-own keys: only ciphertext is stored (encrypted by the caller), or the name of an
-- environment variable that holds the key.
CREATE TABLE providers (
  id                 text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
  kind               text NOT NULL,
  base_url           text,
  api_key_ciphertext text,
  api_key_env        text,
  preset             text,
  regions            text[] NOT NULL DEFAULT '{}',
  local              boolean NOT NULL DEFAULT false,
  disabled           boolean NOT NULL DEFAULT false,
  updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE model_overrides (
  model_id   text COLLATE "C" PRIMARY KEY CHECK (model_id <> ''),
  patch      jsonb NOT NULL CHECK (jsonb_typeof(patch) = 'object'),
  disabled   boolean NOT NULL DEFAULT false,
  quality    integer,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE aliases (
  name       text COLLATE "C" PRIMARY KEY CHECK (name <> ''),
  body       jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- '' in tenant_id / worker_id / task_type means "any": the most specific rule wins, and the
-- unique index makes (tenant, worker, task) name at most one rule.
CREATE TABLE route_rules (
  id         text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
  tenant_id  text COLLATE "C" NOT NULL DEFAULT '',
  worker_id  text COLLATE "C" NOT NULL DEFAULT '',
  task_type  text COLLATE "C" NOT NULL DEFAULT '',
  target     text NOT NULL,
  strategy   text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX route_rules_match ON route_rules (tenant_id, worker_id, task_type);

-- Versioned policies: every change appends version max+1 for its scope; old versions stay so a
-- stored routing decision can name (and replay) the policy it used.
CREATE TABLE policies (
  scope      text COLLATE "C" NOT NULL CHECK (scope = 'platform' OR scope ~ '^tenant:.+$'),
  version    bigint NOT NULL CHECK (version > 0),
  body       jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, version)
);
