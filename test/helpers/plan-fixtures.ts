// Small routing fixtures shared by the strategy, constraint and property tests.
import type { ModelEntry, Pricing } from '../../src/catalog/types.js';
import { endpointKey, type EndpointHealth, type HealthSnapshot } from '../../src/routing/health.js';
import type { PlanEnv, RoutingSnapshot } from '../../src/routing/planner.js';
import type { StrategyTuning } from '../../src/routing/strategies.js';
import { NO_REQUIREMENTS, type AliasDef, type PlannerProvider, type PlanRequest } from '../../src/routing/types.js';
import { catalogOf } from './models.js';

export const price = (input: bigint, output: bigint): Pricing => ({
  input,
  output,
  cachedInput: 0n,
  cacheWriteInput: 0n,
  reasoning: 0n,
  tiers: [],
});

export function provider(id: string, over: Partial<PlannerProvider> = {}): PlannerProvider {
  return { id, vendors: [id], hasCredentials: true, regions: [], local: false, disabled: false, ...over };
}

export function snapshotOf(opts: {
  models: ModelEntry[];
  providers: PlannerProvider[];
  aliases?: AliasDef[];
  quality?: Record<string, number>;
  tuning?: StrategyTuning;
}): RoutingSnapshot {
  const byVendor = new Map<string, PlannerProvider[]>();
  for (const p of opts.providers) for (const v of p.vendors) byVendor.set(v, [...(byVendor.get(v) ?? []), p]);
  const q = opts.quality ?? {};
  return {
    catalog: { ...catalogOf(opts.models), quality: (id: string) => q[id] },
    providersByVendor: byVendor,
    aliases: new Map((opts.aliases ?? []).map((a) => [a.name, a])),
    preferredVendors: [],
    routes: [],
    policyVersion: 'p1',
    ...(opts.tuning ? { tuning: opts.tuning } : {}),
  };
}

export type HealthSpec = Record<string, Partial<EndpointHealth>>;

/** `{ "openai:openai/a": { latencyMs: 100 } }` → a snapshot; unset fields 0, samples 1. */
export function healthOf(spec: HealthSpec = {}, circuits: [string, string][] = []): HealthSnapshot {
  const endpoints = new Map<string, EndpointHealth>();
  for (const [key, h] of Object.entries(spec)) {
    endpoints.set(key, { latencyMs: 0, ttftMs: 0, errorPermille: 0, inFlight: 0, samples: 1, ...h });
  }
  return { endpoints, circuits: new Map(circuits) };
}

export const env = (spec: HealthSpec = {}, seed = 0, circuits: [string, string][] = []): PlanEnv => ({
  health: healthOf(spec, circuits),
  seed,
});

export const key = endpointKey;

export const baseRequest: PlanRequest = {
  model: 'trio',
  kind: 'chat',
  inputTokens: 1000,
  tokenizer: 'chars/4',
  maxOutputTokens: 500,
  requirements: NO_REQUIREMENTS,
  sensitivity: 'unspecified',
};
