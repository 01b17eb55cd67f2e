// LiteLLM's model_prices_and_context_window.json → drafts for the vendors Switchyard serves.
import type { Capability, PriceTier, Pricing } from '../types.js';
import { acceptsDimensions, countSkip, isoDate, orderCapabilities, tokenCount } from './draft.js';
import type { Draft, SkipCounts } from './draft.js';
import type { PriceConverter } from './prices.js';

/** LiteLLM `litellm_provider` → catalog vendor. Only providers Switchyard has adapters for. */
export const LITELLM_VENDORS: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'gemini',
  openrouter: 'openrouter',
  ollama: 'ollama',
  mistral: 'mistral',
  groq: 'groq',
  deepseek: 'deepseek',
  together_ai: 'together',
  fireworks_ai: 'fireworks',
  huggingface: 'huggingface',
  xai: 'xai',
};

type Rec = Record<string, unknown>;

export type UpstreamName =
  | { upstream: string; canonical: boolean }
  | { skip: 'fine_tune_template' | 'size_price_template' | 'not_a_model' };

const FIREWORKS_PATH = /^accounts\/[^/]+\/(models|routers)\/./;

/**
 * The name sent upstream for a LiteLLM key. `canonical` is false for the second spelling of a
 * model LiteLLM lists twice (bare "deepseek-chat" beside "deepseek/deepseek-chat", Fireworks'
 * short "glm-4p7" beside "accounts/fireworks/models/glm-4p7"); on an id clash canonical wins.
 */
export function litellmUpstream(key: string, provider: string, keys: ReadonlySet<string>): UpstreamName {
  const prefix = `${provider}/`;
  const prefixed = key.startsWith(prefix);
  let name = prefixed ? key.slice(prefix.length) : key;
  // OpenAI fine-tune price templates ("ft:gpt-4o-2024-08-06"): not callable models.
  if (name.startsWith('ft:')) return { skip: 'fine_tune_template' };
  // Together's size-bracket prices ("together-ai-21.1b-41b"): pricing rules, not models.
  if (provider === 'together_ai' && !prefixed) return { skip: 'size_price_template' };
  // OpenAI and Anthropic keys are bare; a slash there is a non-model record ("openai/container").
  if ((provider === 'openai' || provider === 'anthropic') && key.includes('/')) return { skip: 'not_a_model' };
  if (name === '' || name.endsWith('/')) return { skip: 'not_a_model' };
  if (provider === 'fireworks_ai') {
    if (FIREWORKS_PATH.test(name)) return { upstream: name, canonical: true };
    // Fireworks' API takes full resource paths; LiteLLM's short keys name the same models.
    const router = `accounts/fireworks/routers/${name}`;
    name = keys.has(prefix + router) ? router : `accounts/fireworks/models/${name}`;
    return { upstream: name, canonical: false };
  }
  const bareIsCanonical = provider === 'openai' || provider === 'anthropic';
  return { upstream: name, canonical: prefixed || bareIsCanonical };
}

const CAPABILITY_FLAGS: ReadonlyArray<[string, Capability[]]> = [
  ['supports_function_calling', ['tools']],
  ['supports_parallel_function_calling', ['parallel_tools']],
  ['supports_vision', ['vision']],
  // A JSON schema response format implies plain JSON mode too.
  ['supports_response_schema', ['json_schema', 'json_output']],
  ['supports_reasoning', ['reasoning']],
  ['supports_prompt_caching', ['prompt_caching']],
  ['supports_audio_input', ['audio_input']],
];

function capabilities(r: Rec, kind: 'chat' | 'embedding', vendor: string, upstream: string): Capability[] {
  if (kind === 'embedding') {
    return orderCapabilities(acceptsDimensions(vendor, upstream) ? ['embeddings', 'embedding_dimensions'] : ['embeddings']);
  }
  const caps: Capability[] = ['streaming'];
  for (const [flag, mapped] of CAPABILITY_FLAGS) if (r[flag] === true) caps.push(...mapped);
  // Ollama's `format` takes "json" or a JSON schema for every model (structured outputs, 0.5+).
  if (vendor === 'ollama') caps.push('json_output', 'json_schema');
  // LiteLLM sets supports_system_messages mostly to flag the few models that lack them
  // (false); an absent flag is the norm for models that accept a system role.
  if (r.supports_system_messages !== false) caps.push('system_messages');
  return orderCapabilities(caps);
}

const TIER_KEY = /^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost)_above_(\d+)k_tokens$/;

function pricing(r: Rec, id: string, prices: PriceConverter): Pricing {
  const p = (field: string): bigint => prices.convert(r[field], id, field);
  const output = p('output_cost_per_token');
  const reasoning = p('output_cost_per_reasoning_token');
  const thresholds = new Set<number>();
  for (const k of Object.keys(r)) {
    const m = TIER_KEY.exec(k);
    if (m) thresholds.add(Number(m[2]));
  }
  const tiers: PriceTier[] = [...thresholds]
    .sort((a, b) => a - b)
    .map((k) => ({
      aboveInputTokens: k * 1000,
      input: p(`input_cost_per_token_above_${k}k_tokens`),
      output: p(`output_cost_per_token_above_${k}k_tokens`),
      cachedInput: p(`cache_read_input_token_cost_above_${k}k_tokens`),
    }));
  return {
    input: p('input_cost_per_token'),
    output,
    // DeepSeek entries name the cache-read price "input_cost_per_token_cache_hit".
    cachedInput: r.cache_read_input_token_cost !== undefined ? p('cache_read_input_token_cost') : p('input_cost_per_token_cache_hit'),
    cacheWriteInput: p('cache_creation_input_token_cost'),
    // Stored apart only when billed apart: a reasoning price equal to output is "billed as output".
    reasoning: reasoning === output ? 0n : reasoning,
    tiers,
  };
}

const EFFORT_FLAG = /^supports_(none|minimal|low|medium|high|xhigh|max)_reasoning_effort$/;

/** One LiteLLM record → a draft (parameters come later); undefined when it is skipped. */
export function litellmDraft(
  key: string,
  r: Rec,
  keys: ReadonlySet<string>,
  prices: PriceConverter,
  skipped: SkipCounts,
): { draft: Draft; canonical: boolean; key: string } | undefined {
  const provider = typeof r.litellm_provider === 'string' ? r.litellm_provider : '';
  const vendor = LITELLM_VENDORS[provider];
  if (!vendor) return void countSkip(skipped, 'vendor');
  if (r.mode !== 'chat' && r.mode !== 'embedding') return void countSkip(skipped, 'mode');
  const name = litellmUpstream(key, provider, keys);
  if ('skip' in name) return void countSkip(skipped, name.skip);
  const kind = r.mode;
  const id = `${vendor}/${name.upstream}`;
  const effortFlags: Record<string, boolean> = {};
  for (const [k, v] of Object.entries(r)) {
    const m = EFFORT_FLAG.exec(k);
    if (m?.[1] && typeof v === 'boolean') effortFlags[m[1]] = v;
  }
  const regions = Array.isArray(r.supported_regions) ? r.supported_regions.filter((x) => typeof x === 'string') : [];
  const draft: Draft = {
    id,
    vendor,
    upstreamModel: name.upstream,
    displayName: name.upstream,
    kind,
    contextWindow: tokenCount(r.max_input_tokens) || tokenCount(r.max_tokens),
    // max_tokens is a legacy field that may hold the input limit, so it is not used here.
    maxOutputTokens: kind === 'chat' ? tokenCount(r.max_output_tokens) : 0,
    pricing: pricing(r, id, prices),
    capabilities: capabilities(r, kind, vendor, name.upstream),
    // LiteLLM sets output_vector_size on a few chat models too; it only means something here.
    embeddingDimensions: kind === 'embedding' ? tokenCount(r.output_vector_size) : 0,
    regions,
    // Ollama runs on the operator's hardware, except its hosted "-cloud" models.
    local: vendor === 'ollama' && !name.upstream.endsWith('-cloud'),
    source: 'litellm',
    deprecationDate: isoDate(r.deprecation_date),
  };
  if (Object.keys(effortFlags).length > 0) draft.effortFlags = effortFlags;
  if (typeof r.supports_sampling_params === 'boolean') draft.samplingParams = r.supports_sampling_params;
  return { draft, canonical: name.canonical, key };
}
