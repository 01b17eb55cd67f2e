// The planner: a PURE function from a request and snapshots to an ordered plan.
// No I/O, no clock, no randomness: the same inputs always give the same plan, so a stored
// decision can be replayed. Every candidate that is considered and dropped is reported with
// a typed reason.
import type { ModelEntry } from '../catalog/types.js';
import { invalidField, SwitchyardError } from '../errors.js';
import { matchRoute, type RouteRuleDef } from './routes.js';
import { DEFAULT_MAX_OUTPUT_TOKENS, estimateCost } from './estimate.js';
import type { AliasDef, Candidate, Exclusion, Plan, PlannerProvider, PlanRequest, StrategyName } from './types.js';
import { checkEndpoint, checkLatency } from './constraints.js';
import { EMPTY_HEALTH, endpointKey, type HealthSnapshot } from './health.js';
import { DEFAULT_TUNING, IMPLEMENTED, orderCandidates, type StrategyTuning } from './strategies.js';
import { capOutput, effectiveFor, type PolicySnapshot } from './policy.js';

export interface CatalogView {
  readonly version: string;
  get(id: string): ModelEntry | undefined;
  resolve(name: string, preferredVendors?: readonly string[]): ModelEntry | undefined;
  /** Operator quality score 0..100 (quality and scored strategies). */
  quality?(id: string): number | undefined;
}

export interface RoutingSnapshot {
  catalog: CatalogView;
  /** Providers in configured order, indexed by the vendors they serve. */
  providersByVendor: ReadonlyMap<string, readonly PlannerProvider[]>;
  aliases: ReadonlyMap<string, AliasDef>;
  /** Vendors with a configured provider, in configured order: a bare model name prefers them. */
  preferredVendors: readonly string[];
  /** Route rules (config, then admin), for requests that name no model. */
  routes: readonly RouteRuleDef[];
  /** The platform policy's version ("platform:3"); a request's own is effectiveFor(snap, tenant).version. */
  policyVersion: string;
  /** Platform + tenant policies, effective policy precomputed per tenant (policy.ts). */
  policy?: PolicySnapshot;
  /** Strategy knobs from config (`strategies:`); DEFAULT_TUNING when unset. */
  tuning?: StrategyTuning;
}

/**
 * What the planner reads besides the request and the snapshot, captured by the caller so the
 * plan stays pure: observed health (with circuit states) and the seed (src/routing/seed.ts).
 */
export interface PlanEnv {
  health: HealthSnapshot;
  seed: number;
}

export const NO_ENV: PlanEnv = Object.freeze({ health: EMPTY_HEALTH, seed: 0 });

/** Keyed per endpoint; a provider-wide key is what decisions recorded before that hold. */
function circuitOpen(circuits: ReadonlyMap<string, string>, provider: string, model: string): boolean {
  return circuits.get(endpointKey(provider, model)) === 'open' || circuits.get(provider) === 'open';
}

/**
 * `env.health.circuits`: endpoints whose breaker is not closed (breaker.ts); open ones are
 * excluded with reason circuit_open, half-open ones stay eligible for a probe.
 */
export function plan(request: PlanRequest, snap: RoutingSnapshot, env: PlanEnv = NO_ENV): Plan {
  const circuits = env.health.circuits;
  let req = request;
  let routeRule: string | undefined;
  if (req.model === '') {
    const rule = matchRoute(snap.routes, req.tenant ?? '', req.workerId ?? '', req.taskType ?? '');
    if (!rule) {
      throw invalidField('model', 'is empty and no route rule matches this tenant, worker_id and task_type');
    }
    routeRule = rule.id;
    req = { ...req, model: rule.target, strategy: req.strategy ?? rule.strategy };
  }
  const { resolved, strategy, targets, weights } = resolveTargets(req, snap);
  if (!IMPLEMENTED.has(strategy)) {
    throw new SwitchyardError('unimplemented', `strategy "${strategy}" is not implemented (available: ${[...IMPLEMENTED].join(', ')})`, {
      reason: 'STRATEGY_NOT_IMPLEMENTED',
      metadata: { strategy },
    });
  }

  const policy = effectiveFor(snap, req.tenant);
  const candidates: Candidate[] = [];
  const excluded: Exclusion[] = [];
  for (const model of targets) {
    const providers = snap.providersByVendor.get(model.vendor);
    if (!providers || providers.length === 0) {
      excluded.push({
        provider: model.vendor,
        model: model.id,
        reason: 'no_provider',
        detail: `no configured provider serves vendor "${model.vendor}"`,
      });
      continue;
    }
    const maxOut = capOutput(outputBudget(req.maxOutputTokens, req.inputTokens, model), policy);
    const estimate = estimateCost(model.pricing, req.inputTokens, maxOut, req.tokenizer);
    for (const provider of providers) {
      const exclusion = circuitOpen(circuits, provider.id, model.id)
        ? {
            provider: provider.id,
            model: model.id,
            reason: 'circuit_open' as const,
            detail: 'circuit breaker open after recent failures',
          }
        : (checkEndpoint(req, provider, model, estimate, policy) ?? checkLatency(req, provider.id, model.id, env.health));
      if (exclusion) excluded.push(exclusion);
      else candidates.push({ provider: provider.id, model, estimate });
    }
  }

  const ordered = orderCandidates(candidates, strategy, {
    kind: req.kind,
    health: env.health,
    seed: env.seed,
    weights,
    quality: (id) => snap.catalog.quality?.(id),
    tuning: snap.tuning ?? DEFAULT_TUNING,
  });
  if (strategy === 'pinned') ordered.length = Math.min(ordered.length, 1);

  const first = ordered[0];
  if (!first) throw nothingQualifies(resolved, excluded);
  return { resolved, ...(routeRule ? { routeRule } : {}), strategy, candidates: ordered, excluded, estimate: first.estimate };
}

function resolveTargets(
  req: PlanRequest,
  snap: RoutingSnapshot,
): { resolved: string; strategy: StrategyName; targets: ModelEntry[]; weights?: Map<string, number> } {
  const alias = snap.aliases.get(req.model);
  if (alias) {
    const targets: ModelEntry[] = [];
    const weights = new Map<string, number>();
    for (const t of alias.targets) {
      const model = snap.catalog.resolve(t.model, snap.preferredVendors);
      if (model) targets.push(model), weights.set(model.id, (weights.get(model.id) ?? 0) + t.weight);
    }
    return { resolved: alias.name, strategy: req.strategy ?? alias.strategy, targets, weights };
  }
  const model = snap.catalog.resolve(req.model, snap.preferredVendors);
  if (!model) {
    throw new SwitchyardError('not_found', `model "${req.model}" is neither a known model nor an alias`, {
      reason: 'MODEL_NOT_FOUND',
      metadata: { model: req.model },
    });
  }
  return { resolved: model.id, strategy: req.strategy ?? 'priority', targets: [model] };
}

/**
 * Output tokens to budget for: the request's cap, else the model's maximum (else a default)
 * bounded by the room the input leaves in the context window. Many catalogs give a model's
 * max output as its whole window; without that bound no uncapped request would ever fit.
 */
function outputBudget(requested: number, inputTokens: number, model: ModelEntry): number {
  if (model.kind === 'embedding') return 0;
  if (requested > 0) return requested;
  const max = model.maxOutputTokens > 0 ? model.maxOutputTokens : DEFAULT_MAX_OUTPUT_TOKENS;
  const room = model.contextWindow - inputTokens;
  return model.contextWindow > 0 && room > 0 ? Math.min(max, room) : max;
}

function nothingQualifies(resolved: string, excluded: Exclusion[]): SwitchyardError {
  const reasons = [...new Set(excluded.map((e) => e.reason))];
  const summary = excluded
    .slice(0, 10)
    .map((e) => `${e.provider}/${e.model.split('/').slice(1).join('/') || e.model}: ${e.reason} (${e.detail})`)
    .join('; ');
  const more = excluded.length > 10 ? `; and ${excluded.length - 10} more` : '';
  return new SwitchyardError(
    'failed_precondition',
    `no candidate for "${resolved}" meets the request's constraints: ${summary || 'no candidates'}${more}`,
    {
      reason: 'NO_CANDIDATE',
      metadata: { resolved, reasons: reasons.join(','), excluded: String(excluded.length) },
    },
  );
}
