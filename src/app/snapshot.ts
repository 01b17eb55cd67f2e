// Assembles the immutable routing snapshot from configuration, the catalog and stored admin
// state. Rebuilt (off the request path) whenever any of them changes; requests read the
// current one without locks.
import type { Catalog } from '../catalog/catalog.js';
import type { ProviderSpec } from '../config/load.js';
import type { RoutingSnapshot } from '../routing/planner.js';
import type { AliasDef, PlannerProvider } from '../routing/types.js';
import type { RouteRuleDef } from '../routing/routes.js';
import type { PolicySnapshot } from '../routing/policy.js';
import type { StrategyTuning } from '../routing/strategies.js';

/** Catalog vendor families served by OpenAI-compatible presets. */
const PRESET_VENDORS: Record<string, string> = {
  groq: 'groq',
  mistral: 'mistral',
  deepseek: 'deepseek',
  together: 'together',
  fireworks: 'fireworks',
  xai: 'xai',
};

/** Kinds whose hosted APIs always need a key. Local servers (Ollama, vLLM…) usually do not. */
const KEY_REQUIRED = new Set(['openai', 'anthropic', 'gemini', 'openrouter', 'huggingface']);

export function vendorsOf(p: ProviderSpec): string[] {
  const vendors = new Set<string>([p.id]);
  if (p.kind === 'openai_compatible') {
    const v = p.preset ? PRESET_VENDORS[p.preset] : undefined;
    if (v) vendors.add(v);
  } else {
    vendors.add(p.kind);
  }
  return [...vendors];
}

export function hasCredentials(p: ProviderSpec): boolean {
  if (p.apiKey) return true;
  if (KEY_REQUIRED.has(p.kind)) return false;
  // An OpenAI-compatible server configured with a key variable needs that key.
  return !(p.kind === 'openai_compatible' && p.apiKeyEnv);
}

export function toPlannerProvider(p: ProviderSpec): PlannerProvider {
  return {
    id: p.id,
    vendors: vendorsOf(p),
    hasCredentials: hasCredentials(p),
    regions: p.regions,
    local: p.local,
    disabled: p.disabled,
    ...(p.maxSensitivity ? { maxSensitivity: p.maxSensitivity } : {}),
  };
}

export function buildSnapshot(input: {
  catalog: Catalog;
  providers: readonly ProviderSpec[];
  aliases: readonly AliasDef[];
  routes?: readonly RouteRuleDef[];
  policyVersion: string;
  policy?: PolicySnapshot;
  tuning?: StrategyTuning;
}): RoutingSnapshot & { catalog: Catalog } {
  const providersByVendor = new Map<string, PlannerProvider[]>();
  for (const spec of input.providers) {
    const p = toPlannerProvider(spec);
    for (const vendor of p.vendors) {
      const list = providersByVendor.get(vendor) ?? [];
      list.push(p);
      providersByVendor.set(vendor, list);
    }
  }
  return {
    catalog: input.catalog,
    providersByVendor,
    aliases: new Map(input.aliases.map((a) => [a.name, a])),
    preferredVendors: [...new Set(input.providers.filter((p) => !p.disabled).flatMap(vendorsOf))],
    routes: input.routes ?? [],
    policyVersion: input.policyVersion,
    ...(input.policy ? { policy: input.policy } : {}),
    ...(input.tuning ? { tuning: input.tuning } : {}),
  };
}
