// The live routing state of one replica: configuration + embedded catalog + admin changes
// stored in the database, assembled into an immutable snapshot. Requests read the current
// snapshot without locks; reload() builds a new one off the request path and swaps it in.
import type { CallDeps, DecisionLog } from '../calls/deps.js';
import { ConcurrencyGate } from '../calls/admission.js';
import type { CallDeadlines } from '../calls/deadlines.js';
import type { CallTelemetry } from '../calls/observe.js';
import type { Money } from '../calls/metering.js';
import type { EscrowEngine } from '../budget/escrow.js';
import type { LedgerWriter } from '../ledger/writer.js';
import type { Catalog, ModelOverride } from '../catalog/catalog.js';
import { Catalog as CatalogClass } from '../catalog/catalog.js';
import { loadEmbeddedCatalog } from '../catalog/embedded.js';
import { patchFromJson } from '../catalog/overrides.js';
import type { ModelEntry } from '../catalog/types.js';
import type { ModelConfig, ProviderKind } from '../config/schema.js';
import type { ProviderSpec, ResolvedConfig } from '../config/load.js';
import { Secret } from '../config/secret.js';
import type { Logger } from '../log.js';
import type { RoutingSnapshot } from '../routing/planner.js';
import type { AliasDef, Sensitivity, StrategyName } from '../routing/types.js';
import type { Queryable } from '../store/db.js';
import { listAliases } from '../store/repos/aliases.js';
import { readAll } from '../store/repos/page.js';
import { aliasFromBody } from '../admin/alias-body.js';
import { listModelOverrides } from '../store/repos/model-overrides.js';
import { listProviders, type Provider } from '../store/repos/providers.js';
import { listRouteRules } from '../store/repos/route-rules.js';
import type { RouteRuleDef } from '../routing/routes.js';
import type { KeyVault } from '../admin/key-vault.js';
import { buildSnapshot } from './snapshot.js';
import { BudgetIndex, NO_BUDGETS } from './budget-index.js';
import type { BudgetDef } from '../budget/types.js';
import { listAllBudgets } from '../store/repos/budgets.js';
import type { KeySpec } from '../config/load.js';
import { loadPolicySnapshot, loadPolicyVersion } from '../admin/policies.js';
import type { PolicySnapshot, UnsupportedParameters } from '../routing/policy.js';
import { AdapterRegistry } from './adapters.js';
import { BreakerRegistry } from '../routing/breaker.js';
import { HealthTracker } from '../routing/health.js';
import { DEFAULT_RETRY, type ExecutorDeps } from '../routing/executor.js';
import { LimitIndex } from '../limits/limit-index.js';
import type { Limiter } from '../limits/limiter.js';
import type { RateLimitDef } from '../limits/types.js';
import { listRateLimits } from '../store/repos/rate-limits.js';
import { limitFromStored } from '../admin/rate-limits.js';

/** Backstop re-read: a notification lost while a LISTEN connection was down is caught up here. */
export const RELOAD_BACKSTOP_MS = 30_000;

export type Snapshot = RoutingSnapshot & { catalog: Catalog; providers: readonly ProviderSpec[] };

export function configModelOverride(m: ModelConfig): ModelOverride {
  const slash = m.id.indexOf('/');
  const patch: Partial<ModelEntry> = {
    vendor: m.provider ?? m.id.slice(0, slash),
    upstreamModel: m.upstream_model,
    displayName: m.display_name,
    kind: m.kind,
    contextWindow: m.context_window,
    maxOutputTokens: m.max_output_tokens,
    capabilities: m.capabilities,
    embeddingDimensions: m.embedding_dimensions,
    regions: m.regions,
    local: m.local,
  };
  if (m.pricing) {
    patch.pricing = {
      input: m.pricing.input ?? 0n,
      output: m.pricing.output ?? 0n,
      cachedInput: m.pricing.cached_input ?? 0n,
      cacheWriteInput: 0n,
      reasoning: 0n,
      tiers: [],
    };
  }
  return { modelId: m.id, patch, disabled: m.disabled, quality: m.quality, source: 'config' };
}

export function storedProviderSpec(p: Provider, vault: KeyVault, env: NodeJS.ProcessEnv): ProviderSpec {
  const fromEnv = p.apiKeyEnv && env[p.apiKeyEnv] ? new Secret(env[p.apiKeyEnv]!) : undefined;
  return {
    id: p.id,
    kind: p.kind as ProviderKind,
    baseUrl: p.baseUrl ?? undefined,
    apiKey: p.apiKeyCiphertext ? vault.decrypt(p.apiKeyCiphertext) : fromEnv,
    apiKeyEnv: p.apiKeyEnv ?? undefined,
    preset: p.preset ?? undefined,
    regions: p.regions,
    local: p.local,
    disabled: p.disabled,
    ...(p.maxSensitivity ? { maxSensitivity: p.maxSensitivity as Sensitivity } : {}),
    source: 'admin',
  };
}

/** What the runtime state is built from: everything it serves is there from the start. */
export interface RuntimeParts {
  config: ResolvedConfig;
  db: Queryable;
  vault: KeyVault;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  decisions: DecisionLog;
  /** Budgets and the usage ledger; absent where calls spend nothing (routing-only tests). */
  money?: { escrow: EscrowEngine; ledger: LedgerWriter };
  /** Rate limits: the shared limiter (absent: none enforced) and the config file's limits. */
  limiter?: Limiter;
  configLimits?: readonly RateLimitDef[];
  /** Metrics and call logs (calls/observe.ts); absent: none recorded. */
  telemetry?: CallTelemetry;
}

export class RuntimeState implements CallDeps {
  #current: Snapshot;
  /** Budgets (config and AdminService), swapped in by reload() together with the snapshot. */
  #budgets: BudgetIndex = NO_BUDGETS;
  /** reload() calls begun, and the latest begun whose result is in place (see reload()). */
  #reloadsBegun = 0;
  #reloadApplied = 0;
  readonly decisions: DecisionLog;
  readonly money: Money | undefined;
  readonly limiter: Limiter | undefined;
  readonly telemetry: CallTelemetry | undefined;
  #configLimits: readonly RateLimitDef[];
  /** This replica's concurrent-call caps (config `server.max_concurrent_calls*`). */
  readonly admission: ConcurrencyGate;
  /** Rate limits (config and AdminService), swapped in by reload() together with the snapshot. */
  #limits: LimitIndex;
  readonly adapters = new AdapterRegistry();
  readonly #breakers = new BreakerRegistry();
  readonly executor: ExecutorDeps = {
    adapterFor: (id) => this.adapters.get(id),
    breakers: this.#breakers,
    health: new HealthTracker(this.#breakers),
    retry: DEFAULT_RETRY,
    random: Math.random,
    now: Date.now,
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
      }),
  };

  private config: ResolvedConfig;
  private readonly db: Queryable;
  private readonly vault: KeyVault;
  private readonly log: Logger;
  private readonly env: NodeJS.ProcessEnv;

  constructor(parts: RuntimeParts) {
    this.config = parts.config;
    this.db = parts.db;
    this.vault = parts.vault;
    this.log = parts.log;
    this.env = parts.env ?? process.env;
    this.decisions = parts.decisions;
    this.money = parts.money && { ...parts.money, budgetsFor: (t, k, w) => this.budgetsFor(t, k, w) };
    this.limiter = parts.limiter;
    this.telemetry = parts.telemetry;
    this.#configLimits = parts.configLimits ?? [];
    this.#limits = new LimitIndex(this.#configLimits);
    this.admission = new ConcurrencyGate(parts.config.admission);
    this.#current = this.#assemble([], [], [], []);
  }

  /** Per RPC kind (config `server.deadlines`); read per call, so a reload applies to the next one. */
  get deadlines(): CallDeadlines {
    return this.config.deadlines;
  }

  get unsupportedParameters(): UnsupportedParameters {
    return this.config.unsupportedParameters;
  }

  snapshot(): Snapshot {
    return this.#current;
  }

  /** The config file's API keys (hashes only): a budget may name one (src/admin/budget-config.ts). */
  get configKeys(): readonly KeySpec[] {
    return this.config.keys;
  }

  /** Every budget of the current state (sorted by id). */
  budgets(): BudgetIndex {
    return this.#budgets;
  }

  /** The budgets a request by (tenant, key, worker) must fit in, sorted by id (src/app/budget-index.ts). */
  budgetsFor(tenantId: string, apiKeyId: string, workerId: string): readonly BudgetDef[] {
    return this.#budgets.budgetsFor(tenantId, apiKeyId, workerId);
  }

  /** Every rate limit in force (config and AdminService), sorted by id. */
  limits(): LimitIndex {
    return this.#limits;
  }

  /** A stored policy version, for what-if replays (GetDecision replay_policy_version). */
  policyAt(version: string, tenant: string, field: string): Promise<PolicySnapshot> {
    return loadPolicyVersion(this.db, version, tenant, field);
  }

  /**
   * A re-read config file (SIGHUP, src/app/reload.ts): the admission caps change at once; the
   * routing snapshot, budgets and rate limits are rebuilt from it by reload().
   */
  async replaceConfig(config: ResolvedConfig, configLimits: readonly RateLimitDef[]): Promise<Snapshot> {
    this.config = config;
    this.#configLimits = configLimits;
    this.admission.setLimits(config.admission);
    return this.reload();
  }

  /** Re-reads admin state from the database and swaps in a new snapshot. */
  async reload(): Promise<Snapshot> {
    // Reloads overlap (an admin change reloads at once while the NOTIFY it sent, or the
    // periodic re-read, starts another): a reload that began earlier read older rows, so it
    // must not replace what a later-begun reload already swapped in.
    const generation = ++this.#reloadsBegun;
    // Read alongside the routing state; the catch only keeps a failure from being "unhandled"
    // before it is awaited below (where it rejects reload() like any other read).
    const budgetRows = listAllBudgets(this.db);
    budgetRows.catch(() => undefined);
    const limitRows = readAll(listRateLimits, this.db);
    limitRows.catch(() => undefined);
    const [providers, overrides, aliases, rules, policy] = await Promise.all([
      readAll(listProviders, this.db),
      readAll(listModelOverrides, this.db),
      readAll(listAliases, this.db),
      readAll(listRouteRules, this.db),
      loadPolicySnapshot(this.db),
    ]);
    const specs = providers.map((p) => storedProviderSpec(p, this.vault, this.env));
    for (const s of specs) {
      const row = providers.find((p) => p.id === s.id);
      if (row?.apiKeyCiphertext && !s.apiKey) {
        this.log.warn('stored provider key cannot be decrypted (SWITCHYARD_SECRET_KEY missing or changed)', { provider: s.id });
      }
    }
    const modelOverrides: ModelOverride[] = overrides.map((o) => ({
      modelId: o.modelId,
      patch: patchFromJson(o.patch),
      disabled: o.disabled,
      quality: o.quality ?? undefined,
      source: 'admin',
    }));
    const aliasDefs = aliases.map((a) => aliasFromBody(a.name, a.body));
    const routeDefs: RouteRuleDef[] = rules.map((r) => ({
      id: r.id,
      tenant: r.tenantId,
      workerId: r.workerId,
      taskType: r.taskType,
      target: r.target,
      strategy: (r.strategy ?? undefined) as StrategyName | undefined,
    }));
    const budgets = new BudgetIndex(await budgetRows);
    const limits = new LimitIndex([...this.#configLimits, ...(await limitRows).map(limitFromStored)]);
    if (generation < this.#reloadApplied) return this.#current;
    this.#reloadApplied = generation;
    this.#current = this.#assemble(specs, modelOverrides, aliasDefs, routeDefs, policy);
    this.#budgets = budgets;
    this.#limits = limits;
    return this.#current;
  }

  #assemble(
    adminProviders: ProviderSpec[],
    adminOverrides: ModelOverride[],
    adminAliases: AliasDef[],
    adminRoutes: RouteRuleDef[],
    policy?: PolicySnapshot,
  ): Snapshot {
    const embedded = loadEmbeddedCatalog();
    // Admin changes win over the config file, which wins over the embedded snapshot.
    const overrides = [...this.config.models.map(configModelOverride), ...adminOverrides];
    const catalog = new CatalogClass(embedded.models, { baseVersion: embedded.version, overrides });
    const adminIds = new Set(adminProviders.map((p) => p.id));
    const providers = [...this.config.providers.filter((p) => !adminIds.has(p.id)), ...adminProviders];
    const adminAliasNames = new Set(adminAliases.map((a) => a.name));
    const aliases: AliasDef[] = [
      ...Object.entries(this.config.aliases)
        .filter(([name]) => !adminAliasNames.has(name))
        .map(([name, a]) => ({ name, strategy: a.strategy, targets: a.targets })),
      ...adminAliases,
    ];
    // Config rules first: at equal specificity the first configured wins.
    const routes: RouteRuleDef[] = [
      ...this.config.routes.map((r, i) => ({
        id: `config:${i}`,
        tenant: r.tenant,
        workerId: r.worker_id,
        taskType: r.task_type,
        target: r.target,
        strategy: r.strategy,
      })),
      ...adminRoutes,
    ];
    // Each request's own policy version is effectiveFor(snap, tenant).version (routing/policy.ts).
    const snap = buildSnapshot({
      catalog,
      providers,
      aliases,
      routes,
      policyVersion: policy?.platform.version ?? 'platform:0',
      policy,
      tuning: this.config.tuning,
    });
    this.adapters.update(providers);
    return { ...snap, providers };
  }
}
