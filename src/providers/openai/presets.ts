// The OpenAI-family dialects: OpenAI itself, OpenRouter, and the OpenAI-compatible servers.
// They share one mapping (map.ts) and one stream decoder (stream.ts); what differs between them
// is this small table of quirks, so a new compatible server is a row, not a copy.
import { OPENAI_OWNED, OPENROUTER_OWNED } from '../options.js';
import type { OwnedPaths } from '../types.js';

export interface OpenAiDialect {
  name: string;
  /** Used when the endpoint's baseUrl is empty; it includes the version path (…/v1). */
  defaultBaseUrl: string;
  /** Hosted APIs fail fast without a key; local servers (vLLM, llama.cpp) usually run without one. */
  keyRequired: boolean;
  /** 'by_model': max_completion_tokens for the reasoning families (o1/o3/o4, gpt-5+), else max_tokens. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens' | 'by_model';
  /** Request body keys this server rejects; dropped before providerOptions are merged. */
  drop: readonly string[];
  /** Keys this server spells differently (Mistral: seed → random_seed). */
  rename: Readonly<Record<string, string>>;
  /** Send stream_options.include_usage (OpenRouter always reports usage and calls it deprecated). */
  streamUsage: boolean;
  /** Forward ChatOptions.topK as top_k (OpenAI has no such parameter). */
  topK: boolean;
  /** OpenRouter: reasoning effort goes in `reasoning: {effort}`; usage carries `cost`. */
  openRouter: boolean;
  /** OpenAI: system messages go out as `developer` for the o-series/gpt-5+ (the role those models document). */
  developerRole: boolean;
  /** Body paths the caller's provider options may not set (../options.ts). */
  owned: OwnedPaths;
}

const base: Omit<OpenAiDialect, 'name' | 'defaultBaseUrl'> = {
  keyRequired: true,
  maxTokensField: 'max_tokens',
  drop: [],
  rename: {},
  streamUsage: true,
  topK: false,
  openRouter: false,
  developerRole: false,
  owned: OPENAI_OWNED,
};

export const OPENAI: OpenAiDialect = {
  ...base,
  name: 'openai',
  defaultBaseUrl: 'https://api.openai.com/v1',
  maxTokensField: 'by_model',
  developerRole: true,
};

export const OPENROUTER: OpenAiDialect = {
  ...base,
  name: 'openrouter',
  defaultBaseUrl: 'https://openrouter.ai/api/v1',
  // OpenRouter translates max_tokens for every upstream; max_completion_tokens is OpenAI-only.
  maxTokensField: 'max_tokens',
  streamUsage: false,
  topK: true,
  openRouter: true,
  owned: OPENROUTER_OWNED,
};

/** openai_compatible presets (ProviderEndpoint.preset). Unknown or missing preset → 'generic'. */
export const PRESETS: Readonly<Record<string, OpenAiDialect>> = {
  generic: { ...base, name: 'generic', defaultBaseUrl: 'http://localhost:8000/v1', keyRequired: false },
  // vLLM and llama.cpp accept top_k and both max-token spellings; max_tokens works on old builds too.
  vllm: { ...base, name: 'vllm', defaultBaseUrl: 'http://localhost:8000/v1', keyRequired: false, topK: true },
  llamacpp: { ...base, name: 'llamacpp', defaultBaseUrl: 'http://localhost:8080/v1', keyRequired: false, topK: true },
  lmstudio: { ...base, name: 'lmstudio', defaultBaseUrl: 'http://localhost:1234/v1', keyRequired: false, topK: true },
  // Groq rejects logprobs/logit_bias/n>1 and `name` on messages; max_tokens is deprecated there.
  groq: {
    ...base,
    name: 'groq',
    defaultBaseUrl: 'https://api.groq.com/openai/v1',
    maxTokensField: 'max_completion_tokens',
    drop: ['logprobs', 'top_logprobs', 'logit_bias', 'n'],
  },
  together: { ...base, name: 'together', defaultBaseUrl: 'https://api.together.xyz/v1', topK: true },
  // Mistral forbids unknown keys and spells the seed random_seed; it always reports usage.
  mistral: {
    ...base,
    name: 'mistral',
    defaultBaseUrl: 'https://api.mistral.ai/v1',
    drop: ['stream_options', 'reasoning_effort'],
    rename: { seed: 'random_seed' },
  },
  deepseek: { ...base, name: 'deepseek', defaultBaseUrl: 'https://api.deepseek.com/v1', drop: ['seed', 'reasoning_effort'] },
  fireworks: { ...base, name: 'fireworks', defaultBaseUrl: 'https://api.fireworks.ai/inference/v1', topK: true },
  xai: { ...base, name: 'xai', defaultBaseUrl: 'https://api.x.ai/v1' },
};

export function presetDialect(preset: string | undefined): OpenAiDialect {
  return (preset && PRESETS[preset]) || (PRESETS.generic as OpenAiDialect);
}

/** o1/o3/o4…, gpt-5 and later take max_completion_tokens and reject max_tokens (§1.2). */
export function usesMaxCompletionTokens(model: string): boolean {
  const m = model.toLowerCase().replace(/^openai\//, '');
  if (/^o[1-9]\d*(-|$)/.test(m)) return true;
  const gpt = /^gpt-(\d+)/.exec(m);
  return gpt !== null && Number(gpt[1]) >= 5;
}

/**
 * Hugging Face Inference Providers router (provider-wire.md §6.2): OpenAI chat wire passed
 * through to the selected provider; chat only (embeddings use the task API, not this dialect).
 * For the huggingface adapter: createOpenAiFamilyAdapter(endpoint, HUGGINGFACE_ROUTER).
 */
export const HUGGINGFACE_ROUTER: OpenAiDialect = {
  ...base,
  name: 'huggingface',
  defaultBaseUrl: 'https://router.huggingface.co/v1',
};
