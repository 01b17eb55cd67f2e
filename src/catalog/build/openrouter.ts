// OpenRouter's /api/v1/models response → drafts for "openrouter/<id>", plus the lookup that lends
// OpenRouter's parameter data to the same model served by its maker directly.
import type { OpenRouterHints } from '../parameters.js';
import type { Capability, PriceTier } from '../types.js';
import { isoDate, orderCapabilities, tokenCount } from './draft.js';
import type { Draft } from './draft.js';
import type { PriceConverter } from './prices.js';

/** The fields of an OpenRouter model the catalog reads. */
export interface OpenRouterModel {
  id: string;
  name?: string;
  context_length?: number | null;
  architecture?: { input_modalities?: string[] | null };
  pricing?: Record<string, unknown> & { overrides?: Record<string, unknown>[] };
  top_provider?: { max_completion_tokens?: number | null };
  supported_parameters?: string[] | null;
  default_parameters?: Record<string, unknown> | null;
  reasoning?: { supported_efforts?: string[]; default_effort?: string } | null;
  expiration_date?: string | null;
}

export function openRouterHints(m: OpenRouterModel): OpenRouterHints {
  const hints: OpenRouterHints = {
    supportedParameters: [...(m.supported_parameters ?? [])].sort(),
    defaultParameters: m.default_parameters ?? {},
  };
  if (m.reasoning?.supported_efforts?.length) hints.supportedEfforts = m.reasoning.supported_efforts;
  if (m.reasoning?.default_effort) hints.defaultEffort = m.reasoning.default_effort;
  return hints;
}

function capabilities(m: OpenRouterModel): Capability[] {
  const params = new Set(m.supported_parameters ?? []);
  const inputs = new Set(m.architecture?.input_modalities ?? []);
  // OpenRouter accepts the system role for every model (it adapts it upstream) and streams all.
  const caps: Capability[] = ['streaming', 'system_messages'];
  if (params.has('tools')) caps.push('tools');
  if (params.has('parallel_tool_calls')) caps.push('parallel_tools');
  if (params.has('response_format')) caps.push('json_output');
  if (params.has('structured_outputs')) caps.push('json_schema', 'json_output');
  if (params.has('reasoning') || params.has('include_reasoning') || params.has('reasoning_effort')) caps.push('reasoning');
  if (inputs.has('image')) caps.push('vision');
  if (inputs.has('audio')) caps.push('audio_input');
  // A cache price means the upstream caches prompts (automatically or on request).
  const p = m.pricing ?? {};
  if (p.input_cache_read !== undefined || p.input_cache_write !== undefined) caps.push('prompt_caching');
  return orderCapabilities(caps);
}

/** One OpenRouter model → a draft whose id is "openrouter/<OpenRouter id>". */
export function openRouterDraft(m: OpenRouterModel, prices: PriceConverter): Draft {
  const id = `openrouter/${m.id}`;
  const p = m.pricing ?? {};
  const usd = (field: string, from: Record<string, unknown> = p): bigint => prices.convert(from[field], id, field);
  const output = usd('completion');
  const reasoning = usd('internal_reasoning');
  // Overrides are OpenRouter's long-context tiers: prices once the prompt reaches min_prompt_tokens.
  const tiers: PriceTier[] = (p.overrides ?? [])
    .map((o) => ({
      aboveInputTokens: tokenCount(o.min_prompt_tokens),
      input: usd('prompt', o),
      output: usd('completion', o),
      cachedInput: usd('input_cache_read', o),
    }))
    .filter((t) => t.aboveInputTokens > 0)
    .sort((a, b) => a.aboveInputTokens - b.aboveInputTokens);
  return {
    id,
    vendor: 'openrouter',
    upstreamModel: m.id,
    displayName: m.name ?? m.id,
    kind: 'chat',
    contextWindow: tokenCount(m.context_length),
    maxOutputTokens: tokenCount(m.top_provider?.max_completion_tokens),
    pricing: {
      input: usd('prompt'),
      output,
      cachedInput: usd('input_cache_read'),
      cacheWriteInput: usd('input_cache_write'),
      reasoning: reasoning === output ? 0n : reasoning,
      tiers,
    },
    capabilities: capabilities(m),
    embeddingDimensions: 0,
    regions: [],
    local: false,
    source: 'openrouter',
    deprecationDate: isoDate(m.expiration_date),
    openRouter: openRouterHints(m),
  };
}

/** OpenRouter's maker prefix for each direct vendor whose models it resells under the same name. */
const MAKER: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'google',
  mistral: 'mistralai',
  deepseek: 'deepseek',
  xai: 'x-ai',
};

/**
 * OpenRouter ids that may name the same model as `vendor/upstreamModel`, most specific first.
 * OpenRouter drops date stamps ("claude-sonnet-4-5-20250929" → "claude-sonnet-4.5"), writes
 * Anthropic versions with a dot, and drops "-latest" / "-001" suffixes.
 */
export function openRouterCandidates(vendor: string, upstreamModel: string): string[] {
  const maker = MAKER[vendor];
  if (!maker) return [];
  const names: string[] = [upstreamModel];
  const undated = upstreamModel
    .replace(/-\d{4}-\d{2}-\d{2}$/, '') // OpenAI: gpt-4o-2024-08-06
    .replace(/-\d{8}$/, '') // Anthropic: claude-opus-4-20250514
    .replace(/-(latest|001)$/, '');
  names.push(undated);
  if (vendor === 'anthropic') {
    const dotted = undated.replace(/-(\d)-(\d)(?=-|$)/g, '-$1.$2'); // claude-opus-4-1 → claude-opus-4.1
    names.push(dotted, dotted.replace(/^claude-(\d(?:\.\d)?)-(opus|sonnet|haiku)$/, 'claude-$2-$1')); // claude-4-opus
  }
  if (vendor === 'gemini') names.push(undated.replace(/^gemini-gemma-/, 'gemma-'));
  return [...new Set(names)].map((n) => `${maker}/${n}`);
}
