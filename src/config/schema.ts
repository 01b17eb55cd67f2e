// The YAML config file's schema. Validated once at start-up; every error names the bad key.
// Secrets are never written in the file: providers reference an environment variable
// (`api_key_env`), API keys are given by env var or as a sha256 hash.
import { z } from 'zod';
import { CAPABILITIES } from '../catalog/types.js';

export const PROVIDER_KINDS = [
  'openai',
  'anthropic',
  'gemini',
  'openrouter',
  'ollama',
  'openai_compatible',
  'huggingface',
] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export const STRATEGIES = [
  'pinned',
  'priority',
  'cheapest',
  'fastest',
  'quality',
  'weighted',
  'least_busy',
  'scored',
] as const;
export type StrategyName = (typeof STRATEGIES)[number];

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'letters, digits, ".", "_" or "-"');
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name');
/** Integer pico-USD, given as an integer or a decimal-integer string (never a float). */
const pico = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform((v) => BigInt(v));
const listen = z.string().regex(/^(\[[0-9a-f:]+\]|[^:\s]+):\d{1,5}$/i, 'host:port');

const providerSchema = z.strictObject({
  id,
  kind: z.enum(PROVIDER_KINDS),
  base_url: z.url().optional(),
  api_key_env: envName.optional(),
  preset: z.string().optional(),
  regions: z.array(z.string()).default([]),
  local: z.boolean().optional(),
  disabled: z.boolean().default(false),
});

const modelSchema = z.strictObject({
  id: z.string().regex(/^[^/\s]+\/\S+$/, '"provider/model"'),
  provider: id.optional(),
  upstream_model: z.string().optional(),
  kind: z.enum(['chat', 'embedding']).default('chat'),
  display_name: z.string().optional(),
  context_window: z.number().int().nonnegative().optional(),
  max_output_tokens: z.number().int().nonnegative().optional(),
  pricing: z
    .strictObject({ input: pico.optional(), output: pico.optional(), cached_input: pico.optional() })
    .optional(),
  capabilities: z.array(z.enum(CAPABILITIES)).optional(),
  embedding_dimensions: z.number().int().nonnegative().optional(),
  regions: z.array(z.string()).optional(),
  local: z.boolean().optional(),
  quality: z.number().int().min(0).max(100).optional(),
  disabled: z.boolean().optional(),
});

const aliasTarget = z.union([
  z.string().min(1).transform((model) => ({ model, weight: 1 })),
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

const keySchema = z
  .strictObject({
    name: z.string().default(''),
    key_env: envName.optional(),
    key_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'lowercase hex sha256').optional(),
  })
  .refine((k) => (k.key_env ? 1 : 0) + (k.key_sha256 ? 1 : 0) === 1, {
    message: 'exactly one of key_env or key_sha256',
  });

const tenantSchema = z.strictObject({
  id,
  name: z.string().default(''),
  keys: z.array(keySchema).default([]),
});

const serverSchema = z.strictObject({
  grpc_listen: listen.optional(),
  http_listen: listen.optional(),
  data_dir: z.string().optional(),
  max_message_bytes: z.number().int().positive().optional(),
});

export const configSchema = z.strictObject({
  server: serverSchema.default({}),
  providers: z.array(providerSchema).optional(),
  models: z.array(modelSchema).default([]),
  aliases: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/), aliasSchema).default({}),
  routes: z.array(routeSchema).default([]),
  tenants: z.array(tenantSchema).default([]),
  /** Platform policy. More rules arrive with the routing engine. */
  policy: z
    .strictObject({
      /** A parameter the chosen model does not accept: drop and report it (warn), exclude the model (error), or drop silently (ignore). */
      unsupported_parameters: z.enum(['warn', 'error', 'ignore']).default('warn'),
    })
    .optional(),
});

export type ConfigFile = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type AliasConfig = z.infer<typeof aliasSchema>;
export type RouteConfig = z.infer<typeof routeSchema>;
export type TenantConfig = z.infer<typeof tenantSchema>;
