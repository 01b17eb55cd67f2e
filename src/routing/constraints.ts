// Hard constraints: each check either passes or names a typed reason with a detail string.
// Pure. The order of checks fixes which reason is reported when several apply.
import type { ModelEntry, ParameterName } from '../catalog/types.js';
import type { Estimate, Exclusion, PlannerProvider, PlanRequest } from './types.js';
import { checkPolicy, type EffectivePolicy } from './policy.js';
import { endpointKey, type HealthSnapshot } from './health.js';

export function checkEndpoint(
  req: PlanRequest,
  provider: PlannerProvider,
  model: ModelEntry,
  estimate: Estimate,
  /** The effective policy for the request's tenant (policy.ts); also applies privacy inputs. */
  policy?: EffectivePolicy,
): Exclusion | undefined {
  const r = req.requirements;
  const out = (reason: Exclusion['reason'], detail: string): Exclusion => ({
    provider: provider.id,
    model: model.id,
    reason,
    detail,
  });

  if (model.kind !== req.kind) return out('wrong_kind', `is a ${model.kind} model, the request needs ${req.kind}`);
  if (provider.disabled) return out('policy', 'provider is disabled');
  if (!provider.hasCredentials) return out('no_credentials', 'provider has no API key configured');
  if (r.allowedProviders.length > 0 && !r.allowedProviders.includes(provider.id)) {
    return out('provider_not_allowed', `provider not in allowed_providers [${r.allowedProviders.join(', ')}]`);
  }
  if (r.deniedProviders.includes(provider.id)) return out('provider_denied', 'provider is in denied_providers');

  if (r.allowedRegions.length > 0) {
    const regions = provider.regions.length > 0 ? provider.regions : model.regions;
    if (!regions.some((g) => r.allowedRegions.includes(g))) {
      const where = regions.length > 0 ? `serves [${regions.join(', ')}]` : 'region unknown';
      return out('region', `${where}, allowed [${r.allowedRegions.join(', ')}]`);
    }
  }
  // Policy (platform + tenant) and privacy inputs: sensitivity, local_required.
  const byPolicy = policy ? checkPolicy(req, provider, model, estimate, policy) : undefined;
  if (byPolicy) return byPolicy;
  if (!policy && req.sensitivity === 'restricted' && !(provider.local || model.local)) {
    return out('sensitivity', 'restricted data may only go to local endpoints');
  }

  for (const cap of r.capabilities) {
    if (!model.capabilities.includes(cap)) return out('missing_capability', `lacks capability ${cap}`);
  }

  const needed = req.inputTokens + estimate.maxOutputTokens;
  if (model.contextWindow > 0) {
    if (r.minContextTokens > model.contextWindow) {
      return out('context_window', `window is ${model.contextWindow} tokens, min_context_tokens is ${r.minContextTokens}`);
    }
    if (needed > model.contextWindow) {
      return out(
        'context_window',
        `needs ${needed} tokens (${req.inputTokens} input + ${estimate.maxOutputTokens} output), window is ${model.contextWindow}`,
      );
    }
  } else if (r.minContextTokens > 0) {
    return out('context_window', `window unknown, min_context_tokens is ${r.minContextTokens}`);
  }
  if (req.maxOutputTokens > 0 && model.maxOutputTokens > 0 && req.maxOutputTokens > model.maxOutputTokens) {
    return out('max_output', `max output is ${model.maxOutputTokens} tokens, request asks ${req.maxOutputTokens}`);
  }

  for (const name of r.requiredParameters) {
    const availability = model.parameters[name as ParameterName];
    if (!availability || availability.state === 'unsupported' || availability.state === 'read_only') {
      return out('required_parameter', `does not accept parameter ${name}`);
    }
  }

  if (r.maxPricePerMillionTokens > 0n) {
    // Zero prices on a remote model mean "unknown", never "free": unknown cannot pass a ceiling.
    if (!model.local && !provider.local && model.pricing.input === 0n && model.pricing.output === 0n) {
      return out('price', 'price unknown, a price ceiling is set');
    }
    // The blended price of THIS request: worst-case cost over the tokens it may use.
    const tokens = BigInt(Math.max(1, needed));
    const perToken = estimate.maxCost / tokens;
    if (perToken > r.maxPricePerMillionTokens) {
      return out('price', `blended price ${perToken} pico-USD/token exceeds the ceiling ${r.maxPricePerMillionTokens}`);
    }
  }
  return undefined;
}

/**
 * requirements.max_latency_ms against the endpoint's observed EWMA latency (health.ts). Checked
 * after every static constraint. An endpoint with no measurement yet is KEPT: excluding it
 * would keep it unmeasured forever, and the ceiling is about expected, not proven, latency.
 */
export function checkLatency(req: PlanRequest, provider: string, model: string, health: HealthSnapshot): Exclusion | undefined {
  const max = req.requirements.maxLatencyMs;
  if (max <= 0 || health.endpoints.size === 0) return undefined;
  const h = health.endpoints.get(endpointKey(provider, model));
  if (!h || h.latencyMs === 0 || h.latencyMs <= max) return undefined;
  return { provider, model, reason: 'latency', detail: `observed latency ${h.latencyMs} ms (EWMA) exceeds max_latency_ms ${max}` };
}
