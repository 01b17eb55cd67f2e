// Resolves the effective configuration: CLI flags > environment > config file > defaults.
// Validation happens here, once, at start-up; errors name the bad key. The policy rules that
// need routing's logic are checked by routing/policy-config.ts, which the commands call next.
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { Secret } from './secret.js';
import {
  configSchema,
  type AliasConfig,
  type BudgetConfig,
  type LimitConfig,
  type ModelConfig,
  type PolicyRulesConfig,
  type ProviderKind,
  type RouteConfig,
} from './schema.js';

// What the file resolves to is declared here, in config's own terms: config/ sits below the
// domain (ARCHITECTURE.md, Layout). Each shape matches the domain type it feeds, named in its
// comment, and the compiler checks the match where the composition root hands it over.

/** A data sensitivity, as routing/types.ts Sensitivity. */
type Sensitivity = 'unspecified' | 'public' | 'internal' | 'confidential' | 'restricted';

/** One scope's policy rules, as routing/policy.ts PolicyRules. */
export interface PolicyRulesSpec {
  allowedProviders: string[];
  deniedProviders: string[];
  /** Model ids; a trailing "*" matches a prefix. */
  allowedModels: string[];
  deniedModels: string[];
  allowedRegions: string[];
  /** pico-USD per token; 0n: none. */
  maxPricePerMillionTokens: bigint;
  /** 0: none. */
  maxOutputTokens: number;
  unsupportedParameters?: 'warn' | 'error' | 'ignore' | undefined;
  maxRemoteSensitivity?: Exclude<Sensitivity, 'unspecified'> | undefined;
  /** Provider option keys allowed per provider id ("*": every other). */
  allowedProviderOptions?: Readonly<Record<string, readonly string[]>> | undefined;
}

/** The `strategies:` knobs, as routing/strategies.ts StrategyTuning. */
export interface StrategyTuningSpec {
  /** fastest: per-mille of plans that put an endpoint without latency data first. */
  explorationPermille: number;
  /** scored: integer weights of the normalised cost, latency and quality terms. */
  scored: { cost: number; latency: number; quality: number };
}

export const DEFAULT_GRPC_LISTEN = '127.0.0.1:50051';
export const DEFAULT_HTTP_LISTEN = '127.0.0.1:8080';
export const DEFAULT_DATA_DIR = './.switchyard';
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Kubernetes' default terminationGracePeriodSeconds is 30: the drain fits inside it by default
 * only with a preStop hook shorter than the remainder, so deploy/ raises both together. */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 25;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ProviderSpec {
  id: string;
  kind: ProviderKind;
  baseUrl?: string;
  apiKey?: Secret;
  /** Where the key comes from, for operator messages (never the key itself). */
  apiKeyEnv?: string;
  preset?: string;
  regions: string[];
  local: boolean;
  disabled: boolean;
  /** Highest sensitivity this remote endpoint is cleared for (unset: confidential). */
  maxSensitivity?: Sensitivity;
  source: 'config' | 'env' | 'admin';
}

export interface KeySpec {
  tenant: string;
  name: string;
  /** sha256 hex of the secret. */
  hash: string;
}

export interface ResolvedConfig {
  grpcListen: string;
  httpListen: string;
  dataDir: string;
  databaseUrl?: string;
  maxMessageBytes: number;
  configPath?: string;
  providers: ProviderSpec[];
  models: ModelConfig[];
  aliases: Record<string, AliasConfig>;
  routes: RouteConfig[];
  tenants: Array<{ id: string; name: string }>;
  keys: KeySpec[];
  /** sha256 of SWITCHYARD_ADMIN_KEY, when set. */
  adminKeyHash?: string;
  /** What Chat does with a parameter the chosen model does not accept (default warn). */
  unsupportedParameters: 'warn' | 'error' | 'ignore';
  /**
   * Policies to seed (a new version only when they changed): the file's `policy` and
   * `tenants[].policy`. Checked against routing's rules by routing/policy-config.ts.
   */
  policies: { platform?: PolicyRulesSpec; tenants: Record<string, PolicyRulesSpec> };
  /** The file's `budgets:`, limits already in pico-USD (seeded by src/admin/budget-config.ts). */
  budgets: BudgetConfig[];
  /** The file's `strategies:` knobs; unset: the planner's defaults. */
  tuning?: StrategyTuningSpec;
  /** The file's `limits:` (src/limits/); api_key names are resolved by src/admin/limit-config.ts. */
  limits: LimitConfig[];
  /** The rate limiter's store: REDIS_URL / SWITCHYARD_REDIS_URL > `limiter.redis_url`. */
  limiter: { redisUrl?: string | undefined; onStoreDown: 'open' | 'closed'; keyPrefix: string };
  /** `decisions:` and `usage_ledger:` (src/store/partitions.ts): days kept (null: forever), Route sampling. */
  dataLifecycle: { decisionsRetentionDays: number | null; usageLedgerRetentionDays: number | null; routeSampleRate: number };
  /** `observability:` (src/metrics/, src/calls/observe.ts); unset: DEFAULT_OBSERVABILITY. */
  observability?: ObservabilitySpec;
  /** SIGTERM grace: SWITCHYARD_SHUTDOWN_GRACE_SECONDS > `server.shutdown_grace_seconds` > 30 s. */
  shutdownGraceMs: number;
  /** This replica's concurrent-call caps (src/calls/admission.ts); undefined: no cap. */
  admission: { maxConcurrentCalls?: number | undefined; maxConcurrentCallsPerTenant?: number | undefined };
  /** TLS on both listeners, as server/tls.ts TlsFiles; unset: plaintext. */
  tls?: { certFile: string; keyFile: string; clientCaFile?: string | undefined; requireClientCert: boolean; watchIntervalMs: number };
  /** Default and maximum deadline per RPC kind, as calls/deadlines.ts CallDeadlines. */
  deadlines: Record<'chat' | 'embed', { defaultMs: number; maxMs: number }>;
}

export interface ObservabilitySpec {
  accessLog: boolean;
  metricsEnabled: boolean;
  tenantLabel: boolean;
  maxTenants: number;
}

export const DEFAULT_OBSERVABILITY: ObservabilitySpec = { accessLog: true, metricsEnabled: true, tenantLabel: false, maxTenants: 100 };

export interface ConfigFlags {
  config?: string;
  grpcListen?: string;
  httpListen?: string;
  dataDir?: string;
  databaseUrl?: string;
}

export function sha256Hex(text: string): string {
  // One-shot crypto.hash (Node ≥ 20.12) skips createHash's Hash object, and the auth path
  // hashes the caller's key on every request.
  return hash('sha256', text, 'hex');
}

export function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const configPath = flags.config ?? env.SWITCHYARD_CONFIG;
  const file = configPath ? parseConfigFile(configPath) : configSchema.parse({});
  const providers = file.providers
    ? file.providers.map((p) => ({
        id: p.id,
        kind: p.kind,
        baseUrl: p.base_url,
        apiKeyEnv: p.api_key_env,
        apiKey: p.api_key_env && env[p.api_key_env] ? new Secret(env[p.api_key_env]!) : undefined,
        preset: p.preset,
        regions: p.regions,
        local: p.local ?? p.kind === 'ollama',
        disabled: p.disabled,
        ...(p.max_sensitivity ? { maxSensitivity: p.max_sensitivity } : {}),
        source: 'config' as const,
      }))
    : detectProviders(env);
  assertUnique(
    providers.map((p) => p.id),
    'providers',
    configPath,
  );

  const keys: KeySpec[] = [];
  file.tenants.forEach((t, ti) => {
    t.keys.forEach((k, ki) => {
      if (k.key_sha256) {
        keys.push({ tenant: t.id, name: k.name, hash: k.key_sha256 });
        return;
      }
      const value = env[k.key_env!];
      if (!value) {
        throw new ConfigError(`${configPath}: tenants[${ti}].keys[${ki}].key_env: environment variable ${k.key_env} is not set`);
      }
      keys.push({ tenant: t.id, name: k.name, hash: sha256Hex(value) });
    });
  });
  assertUnique(
    file.tenants.map((t) => t.id),
    'tenants',
    configPath,
  );

  const maxMessageBytes = file.server.max_message_bytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const graceEnv = env.SWITCHYARD_SHUTDOWN_GRACE_SECONDS;
  const graceSeconds = graceEnv ? Number(graceEnv) : (file.server.shutdown_grace_seconds ?? DEFAULT_SHUTDOWN_GRACE_SECONDS);
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0) {
    throw new ConfigError(`SWITCHYARD_SHUTDOWN_GRACE_SECONDS must be a non-negative number of seconds, got "${graceEnv}"`);
  }
  return {
    grpcListen: flags.grpcListen ?? env.SWITCHYARD_GRPC_LISTEN ?? file.server.grpc_listen ?? DEFAULT_GRPC_LISTEN,
    httpListen: flags.httpListen ?? env.SWITCHYARD_HTTP_LISTEN ?? file.server.http_listen ?? DEFAULT_HTTP_LISTEN,
    dataDir: flags.dataDir ?? env.SWITCHYARD_DATA_DIR ?? file.server.data_dir ?? DEFAULT_DATA_DIR,
    databaseUrl: flags.databaseUrl ?? (env.DATABASE_URL || undefined),
    maxMessageBytes,
    shutdownGraceMs: Math.round(graceSeconds * 1000),
    admission: {
      maxConcurrentCalls: file.server.max_concurrent_calls,
      maxConcurrentCallsPerTenant: file.server.max_concurrent_calls_per_tenant,
    },
    configPath,
    ...(file.server.tls
      ? {
          tls: {
            certFile: file.server.tls.cert_file,
            keyFile: file.server.tls.key_file,
            clientCaFile: file.server.tls.client_ca_file,
            requireClientCert: file.server.tls.require_client_cert,
            watchIntervalMs: Math.round(file.server.tls.watch_interval_seconds * 1000),
          },
        }
      : {}),
    deadlines: {
      chat: deadlinesOf(file.server.deadlines?.chat, DEFAULT_DEADLINES.chat),
      embed: deadlinesOf(file.server.deadlines?.embed, DEFAULT_DEADLINES.embed),
    },
    providers,
    models: file.models,
    aliases: file.aliases,
    routes: file.routes,
    tenants: file.tenants.map((t) => ({ id: t.id, name: t.name })),
    keys,
    budgets: file.budgets,
    limits: file.limits,
    limiter: {
      redisUrl: env.SWITCHYARD_REDIS_URL || env.REDIS_URL || file.limiter?.redis_url,
      onStoreDown: file.limiter?.on_store_down ?? 'open',
      keyPrefix: file.limiter?.key_prefix ?? 'sy:rl:',
    },
    adminKeyHash: env.SWITCHYARD_ADMIN_KEY ? sha256Hex(env.SWITCHYARD_ADMIN_KEY) : undefined,
    unsupportedParameters: file.policy?.unsupported_parameters ?? 'warn',
    ...(file.strategies
      ? { tuning: { explorationPermille: Math.round(file.strategies.fastest.exploration_percent * 10), scored: file.strategies.scored } }
      : {}),
    dataLifecycle: {
      decisionsRetentionDays: file.decisions.retention_days,
      usageLedgerRetentionDays: file.usage_ledger.retention_days,
      routeSampleRate: file.decisions.route_sample_rate,
    },
    observability: {
      accessLog: file.observability.access_log,
      metricsEnabled: file.observability.metrics.enabled,
      tenantLabel: file.observability.metrics.tenant_label,
      maxTenants: file.observability.metrics.max_tenants,
    },
    policies: {
      ...(file.policy ? { platform: rulesFromConfig(file.policy) } : {}),
      tenants: Object.fromEntries(file.tenants.filter((t) => t.policy).map((t) => [t.id, rulesFromConfig(t.policy!)])),
    },
  };
}

/** Seconds. A streamed Chat from a reasoning model can run for many minutes; an Embed cannot. */
const DEFAULT_DEADLINES = { chat: { def: 600, max: 3600 }, embed: { def: 60, max: 300 } };

function deadlinesOf(
  d: { default_seconds?: number | undefined; max_seconds?: number | undefined } | undefined,
  fallback: { def: number; max: number },
): { defaultMs: number; maxMs: number } {
  const max = d?.max_seconds ?? Math.max(fallback.max, d?.default_seconds ?? 0);
  const def = d?.default_seconds ?? Math.min(fallback.def, max);
  return { defaultMs: Math.round(def * 1000), maxMs: Math.round(max * 1000) };
}

export function rulesFromConfig(p: PolicyRulesConfig): PolicyRulesSpec {
  return {
    allowedProviders: p.allowed_providers,
    deniedProviders: p.denied_providers,
    allowedModels: p.allowed_models,
    deniedModels: p.denied_models,
    allowedRegions: p.allowed_regions,
    maxPricePerMillionTokens: p.max_price_per_million_tokens,
    maxOutputTokens: p.max_output_tokens,
    ...(p.unsupported_parameters ? { unsupportedParameters: p.unsupported_parameters } : {}),
    ...(p.max_remote_sensitivity ? { maxRemoteSensitivity: p.max_remote_sensitivity } : {}),
    ...(p.allowed_provider_options && Object.keys(p.allowed_provider_options).length > 0
      ? { allowedProviderOptions: p.allowed_provider_options }
      : {}),
  };
}

function parseConfigFile(path: string): z.infer<typeof configSchema> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new ConfigError(`${path}: invalid YAML${where}: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${formatPath(i.path)}: ${i.message}`);
    throw new ConfigError(`${path}: invalid config\n${lines.join('\n')}`);
  }
  return parsed.data;
}

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function assertUnique(ids: string[], key: string, configPath?: string): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new ConfigError(`${configPath ?? 'config'}: ${key}: duplicate id "${id}"`);
    seen.add(id);
  }
}

/** With no `providers` in the config, the providers whose credentials are in the environment. */
export function detectProviders(env: NodeJS.ProcessEnv): ProviderSpec[] {
  const found: ProviderSpec[] = [];
  const add = (id: string, kind: ProviderKind, apiKeyEnv: string | undefined, extra: Partial<ProviderSpec> = {}) =>
    found.push({
      id,
      kind,
      apiKeyEnv,
      apiKey: apiKeyEnv && env[apiKeyEnv] ? new Secret(env[apiKeyEnv]!) : undefined,
      regions: [],
      local: false,
      disabled: false,
      source: 'env',
      ...extra,
    });
  if (env.OPENAI_API_KEY) add('openai', 'openai', 'OPENAI_API_KEY');
  if (env.ANTHROPIC_API_KEY) add('anthropic', 'anthropic', 'ANTHROPIC_API_KEY');
  if (env.GEMINI_API_KEY) add('gemini', 'gemini', 'GEMINI_API_KEY');
  if (env.OPENROUTER_API_KEY) add('openrouter', 'openrouter', 'OPENROUTER_API_KEY');
  if (env.OLLAMA_HOST) {
    const host = env.OLLAMA_HOST.includes('://') ? env.OLLAMA_HOST : `http://${env.OLLAMA_HOST}`;
    add('ollama', 'ollama', undefined, { baseUrl: host, local: true });
  }
  return found;
}
