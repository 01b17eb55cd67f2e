// The YAML config file's schema. Validated once at start-up; every error names the bad key.
// Secrets are never written in the file: providers reference an environment variable
// (`api_key_env`), API keys are given by env var or as a sha256 hash.
//
// config/ sits below routing, the catalog and the providers (ARCHITECTURE.md, Layout), so the
// file names their vocabularies (strategies, capabilities, sensitivities) in its own lists, as
// the proto does. Assigning a parsed value to the domain type is type-checked where the config
// is turned into snapshots, and test/unit/config.test.ts checks that the file accepts every name
// the domain has. Rules that need the domain's logic (a tenant policy may only narrow the
// platform's, owned provider option keys) are checked by routing/policy-config.ts.
import { z } from 'zod';

export const PROVIDER_KINDS = [
  'openai',
  'anthropic',
  'gemini',
  'openrouter',
  'ollama',
  'openai_compatible',
  'huggingface',
  'demo',
] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** The strategies routing implements (routing/types.ts STRATEGIES), as the file spells them. */
const STRATEGIES = ['pinned', 'priority', 'cheapest', 'fastest', 'quality', 'weighted', 'least_busy', 'scored'] as const;

/** The catalog's capabilities (catalog/types.ts CAPABILITIES), as the file spells them. */
const CAPABILITIES = [
  'tools',
  'vision',
  'json_output',
  'streaming',
  'reasoning',
  'embeddings',
  'json_schema',
  'parallel_tools',
  'prompt_caching',
  'audio_input',
  'system_messages',
  'embedding_dimensions',
] as const;

/** Data sensitivity levels (routing/types.ts Sensitivity), lowest first. */
const SENSITIVITIES = ['public', 'internal', 'confidential', 'restricted'] as const;

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'letters, digits, ".", "_" or "-"');
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name');
/** Integer pico-USD, given as an integer or a decimal-integer string (never a float). */
const pico = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform((v) => BigInt(v));
const listen = z.string().regex(/^((\[[0-9a-f:]+\]|[^:\s]+):\d{1,5}|unix:\/\/\/\S+)$/i, 'host:port or unix:///path');

const providerSchema = z.strictObject({
  id,
  kind: z.enum(PROVIDER_KINDS),
  base_url: z.url().optional(),
  api_key_env: envName.optional(),
  preset: z.string().optional(),
  regions: z.array(z.string()).default([]),
  local: z.boolean().optional(),
  disabled: z.boolean().default(false),
  /** Highest data sensitivity this remote endpoint is cleared for (default confidential: restricted stays local). */
  max_sensitivity: z.enum(SENSITIVITIES).optional(),
});

const modelSchema = z.strictObject({
  id: z.string().regex(/^[^/\s]+\/\S+$/, '"provider/model"'),
  provider: id.optional(),
  upstream_model: z.string().optional(),
  kind: z.enum(['chat', 'embedding']).default('chat'),
  display_name: z.string().optional(),
  context_window: z.number().int().nonnegative().optional(),
  max_output_tokens: z.number().int().nonnegative().optional(),
  pricing: z.strictObject({ input: pico.optional(), output: pico.optional(), cached_input: pico.optional() }).optional(),
  capabilities: z.array(z.enum(CAPABILITIES)).optional(),
  embedding_dimensions: z.number().int().nonnegative().optional(),
  regions: z.array(z.string()).optional(),
  local: z.boolean().optional(),
  quality: z.number().int().min(0).max(100).optional(),
  disabled: z.boolean().optional(),
});

const aliasTarget = z.union([
  z
    .string()
    .min(1)
    .transform((model) => ({ model, weight: 1 })),
  z.strictObject({ model: z.string().min(1), weight: z.number().int().positive().default(1) }),
]);

const aliasSchema = z.strictObject({
  strategy: z.enum(STRATEGIES).default('priority'),
  targets: z.array(aliasTarget).min(1),
  description: z.string().default(''),
});

const routeSchema = z.strictObject({
  tenant: z.string().default(''),
  worker_id: z.string().default(''),
  task_type: z.string().default(''),
  target: z.string().min(1),
  strategy: z.enum(STRATEGIES).optional(),
});

/** Knobs of the health-based strategies (src/routing/strategies.ts). */
const strategiesSchema = z.strictObject({
  fastest: z
    .strictObject({
      /** Share of plans that try an endpoint without latency data first, so it gets measured. */
      exploration_percent: z.number().min(0).max(100).default(10),
    })
    .default({ exploration_percent: 10 }),
  /** Integer weights of the normalised terms of the scored strategy. */
  scored: z
    .strictObject({
      cost: z.number().int().nonnegative().default(1),
      latency: z.number().int().nonnegative().default(1),
      quality: z.number().int().nonnegative().default(1),
    })
    .default({ cost: 1, latency: 1, quality: 1 }),
});

const keySchema = z
  .strictObject({
    name: z.string().default(''),
    key_env: envName.optional(),
    key_sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'lowercase hex sha256')
      .optional(),
  })
  .refine((k) => (k.key_env ? 1 : 0) + (k.key_sha256 ? 1 : 0) === 1, {
    message: 'exactly one of key_env or key_sha256',
  });

/**
 * Routing policy rules (src/routing/policy.ts). The platform's apply to everyone; a tenant's
 * can only narrow them. Unset rules inherit (platform: no restriction).
 */
const policyRulesSchema = z.strictObject({
  allowed_providers: z.array(z.string().min(1)).default([]),
  denied_providers: z.array(z.string().min(1)).default([]),
  /** Model ids; a trailing "*" matches a prefix, e.g. "anthropic/*". */
  allowed_models: z.array(z.string().regex(/^[^*]+\*?$/, 'a model id, or a prefix ending in "*"')).default([]),
  denied_models: z.array(z.string().regex(/^[^*]+\*?$/, 'a model id, or a prefix ending in "*"')).default([]),
  allowed_regions: z.array(z.string().min(1)).default([]),
  /** Integer pico-USD per token (= micro-USD per million tokens); 0: none. */
  max_price_per_million_tokens: pico.default(0n),
  max_output_tokens: z.number().int().nonnegative().default(0),
  /** A parameter the chosen model does not accept: drop and report it (warn), exclude the model (error), or drop silently (ignore). */
  unsupported_parameters: z.enum(['warn', 'error', 'ignore']).optional(),
  /** Highest sensitivity non-local endpoints may receive. */
  max_remote_sensitivity: z.enum(SENSITIVITIES).optional(),
  /**
   * Provider option keys allowed per provider id ("*": any other); unset: any key Switchyard does
   * not own. A key Switchyard owns is refused by routing/policy-config.ts.
   */
  allowed_provider_options: z.record(z.string().min(1).max(256), z.array(z.string().min(1).max(256))).optional(),
});

/** pico-USD ≤ int64 max: what a budget limit column and the wire can hold (~9.2 million USD). */
const MAX_PICO = 9_223_372_036_854_775_807n;

/**
 * A spending limit (src/budget/): `limit` in integer pico-USD, or `limit_usd` as a decimal
 * string with at most 12 decimals, converted exactly (never through a float).
 */
const budgetSchema = z
  .strictObject({
    tenant: id,
    scope: z.enum(['tenant', 'api_key', 'worker']),
    /** scope api_key: the key's `name` in this tenant's `keys` (or of a stored key of the tenant). */
    api_key: z.string().min(1).optional(),
    /** scope worker: the worker id requests carry in `context.worker_id`. */
    worker_id: z.string().min(1).optional(),
    period: z.enum(['day', 'month', 'total']),
    limit: pico.optional(),
    limit_usd: z
      .string()
      .regex(/^\d+(\.\d{1,12})?$/, 'a decimal string with at most 12 decimals, e.g. "25.50"')
      .optional(),
  })
  .superRefine((b, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if ((b.limit === undefined) === (b.limit_usd === undefined)) issue('limit', 'exactly one of limit (pico-USD) or limit_usd');
    if ((b.scope === 'api_key') !== (b.api_key !== undefined)) issue('api_key', 'is required for scope api_key, and only for it');
    if ((b.scope === 'worker') !== (b.worker_id !== undefined)) issue('worker_id', 'is required for scope worker, and only for it');
  })
  .transform((b, ctx) => {
    const limit = b.limit ?? usdToPico(b.limit_usd ?? '0');
    if (limit > MAX_PICO) {
      ctx.addIssue({
        code: 'custom',
        path: [b.limit === undefined ? 'limit_usd' : 'limit'],
        message: 'exceeds the largest amount an int64 of pico-USD holds',
      });
      return z.NEVER;
    }
    return { tenant: b.tenant, scope: b.scope, apiKey: b.api_key ?? '', workerId: b.worker_id ?? '', period: b.period, limit };
  });

/** "12.5" → 12_500_000_000_000n, exactly: the decimal point is moved on the digit string. */
export function usdToPico(usd: string): bigint {
  const [whole = '0', fraction = ''] = usd.split('.');
  return BigInt(whole) * 1_000_000_000_000n + BigInt(fraction.padEnd(12, '0') || '0');
}

/**
 * A rate limit (src/limits/): requests and tokens per minute and concurrent calls, for a
 * tenant, one of its API keys (by name) or one model (by id or alias) for the tenant. 0: none.
 */
const limitSchema = z
  .strictObject({
    tenant: id,
    scope: z.enum(['tenant', 'api_key', 'model']),
    api_key: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    requests_per_minute: z.number().int().nonnegative().default(0),
    tokens_per_minute: z.number().int().nonnegative().default(0),
    concurrent: z.number().int().nonnegative().default(0),
  })
  .superRefine((l, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if ((l.scope === 'api_key') !== (l.api_key !== undefined)) issue('api_key', 'is required for scope api_key, and only for it');
    if ((l.scope === 'model') !== (l.model !== undefined)) issue('model', 'is required for scope model, and only for it');
    if (l.requests_per_minute + l.tokens_per_minute + l.concurrent === 0) {
      issue('requests_per_minute', 'set at least one of requests_per_minute, tokens_per_minute or concurrent');
    }
  });

/** Where rate limits are counted (shared by every replica) and what to do when it is down. */
const limiterSchema = z.strictObject({
  /** redis://host:port/db; REDIS_URL (or SWITCHYARD_REDIS_URL) overrides it. */
  redis_url: z
    .string()
    .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
    .optional(),
  /** Store unreachable: admit calls unlimited (open) or refuse them with UNAVAILABLE (closed). */
  on_store_down: z.enum(['open', 'closed']).default('open'),
  /** Prefix of every key, so deployments can share one Redis. */
  key_prefix: z.string().min(1).default('sy:rl:'),
});

const tenantSchema = z.strictObject({
  id,
  name: z.string().default(''),
  keys: z.array(keySchema).default([]),
  /** This tenant's policy overlay (must narrow the platform policy). */
  policy: policyRulesSchema.optional(),
});

const deadlineSchema = z
  .strictObject({
    default_seconds: z.number().positive().max(86_400).optional(),
    max_seconds: z.number().positive().max(86_400).optional(),
  })
  .refine((d) => d.default_seconds === undefined || d.max_seconds === undefined || d.default_seconds <= d.max_seconds, {
    message: 'default_seconds must not exceed max_seconds',
  });

const serverSchema = z.strictObject({
  grpc_listen: listen.optional(),
  http_listen: listen.optional(),
  data_dir: z.string().optional(),
  max_message_bytes: z.number().int().positive().optional(),
  /** SIGTERM: how long open calls get to finish before they end with UNAVAILABLE. */
  shutdown_grace_seconds: z.number().min(0).max(3600).optional(),
  /** Concurrent calls one replica admits (src/calls/admission.ts); past it RESOURCE_EXHAUSTED. Unset: no cap. */
  max_concurrent_calls: z.number().int().positive().optional(),
  /** The same cap per tenant, on this replica (src/limits/ has the cross-replica ones). */
  max_concurrent_calls_per_tenant: z.number().int().positive().optional(),
  /** TLS on both listeners (src/server/tls.ts); the files are re-read when they change. */
  tls: z
    .strictObject({
      cert_file: z.string().min(1),
      key_file: z.string().min(1),
      /** Verify client certificates against this CA bundle (mutual TLS). */
      client_ca_file: z.string().min(1).optional(),
      /** With client_ca_file: refuse clients that present no valid certificate. */
      require_client_cert: z.boolean().default(false),
      watch_interval_seconds: z.number().positive().max(3600).default(30),
    })
    .refine((t) => !t.require_client_cert || t.client_ca_file, { message: 'require_client_cert needs client_ca_file' })
    .optional(),
  /** Per RPC kind: the deadline of a call that sets none, and the longest any may run (src/calls/deadlines.ts). */
  deadlines: z.strictObject({ chat: deadlineSchema.optional(), embed: deadlineSchema.optional() }).optional(),
});

/** Days of rows kept; `null` keeps them forever. Whole UTC days are dropped (daily partitions). */
const retentionDays = z.number().int().min(1).max(36_500).nullable();

const decisionsSchema = z.strictObject({
  retention_days: retentionDays.default(30),
  /**
   * Share of Route decisions stored, 0..1 (default 1: all). Route is the planner alone and can
   * be called far more often than Chat or Embed; an unsampled Route's id is still returned, and
   * GetDecision answers NOT_FOUND for it. Chat and Embed decisions are always stored.
   */
  route_sample_rate: z.number().min(0).max(1).default(1),
});

/** Metrics (GET /metrics on the HTTP port) and logs (src/metrics/, src/log.ts, src/calls/observe.ts). */
const observabilitySchema = z.strictObject({
  /** One log line per Chat, Embed and Route call. */
  access_log: z.boolean().default(true),
  metrics: z
    .strictObject({
      /** Serve GET /metrics (no authentication: bind the HTTP port where only scrapers reach it). */
      enabled: z.boolean().default(true),
      /** A `tenant` label on requests, tokens and cost; off by default (cardinality). */
      tenant_label: z.boolean().default(false),
      /** Distinct tenant label values; later tenants are counted as "_other". */
      max_tenants: z.number().int().min(1).max(10_000).default(100),
    })
    .prefault({}),
});

const usageLedgerSchema = z.strictObject({
  retention_days: retentionDays.default(null),
});

export const configSchema = z.strictObject({
  server: serverSchema.default({}),
  providers: z.array(providerSchema).optional(),
  models: z.array(modelSchema).default([]),
  aliases: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/), aliasSchema).default({}),
  routes: z.array(routeSchema).default([]),
  strategies: strategiesSchema.optional(),
  tenants: z.array(tenantSchema).default([]),
  /** Budgets seeded at start-up (source 'config'); AdminService manages others. */
  budgets: z.array(budgetSchema).default([]),
  /** Rate limits (src/limits/); AdminService manages others. */
  limits: z.array(limitSchema).default([]),
  limiter: limiterSchema.optional(),
  /** Platform policy, seeded into the database as a new version when it changes (src/admin/policies.ts). */
  policy: policyRulesSchema.optional(),
  /** Decision records: retention and sampling (src/store/partitions.ts, src/ledger/decision-writer.ts). */
  decisions: decisionsSchema.prefault({}),
  /** The usage ledger's retention; kept forever unless set. */
  usage_ledger: usageLedgerSchema.prefault({}),
  observability: observabilitySchema.prefault({}),
});

export type ConfigFile = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type AliasConfig = z.infer<typeof aliasSchema>;
export type RouteConfig = z.infer<typeof routeSchema>;
export type TenantConfig = z.infer<typeof tenantSchema>;
export type PolicyRulesConfig = z.infer<typeof policyRulesSchema>;
export type BudgetConfig = z.output<typeof budgetSchema>;
export type LimitConfig = z.output<typeof limitSchema>;
export type LimiterConfig = z.output<typeof limiterSchema>;
