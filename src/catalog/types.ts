// Domain types of the model catalog. Plain TypeScript: only src/server/ converts to protobuf.
//
// Money: every price is an integer number of pico-USD (1e-12 USD) per token, held as bigint.
// A per-token price in pico-USD equals the price per million tokens in micro-USD.

export const CAPABILITIES = [
  'tools',
  'vision',
  'json_output',
  'streaming',
  'reasoning',
  'embeddings',
  'json_schema',
  'parallel_tools',
  'prompt_caching',
  'audio_input',
  'system_messages',
  'embedding_dimensions',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export type ModelKind = 'chat' | 'embedding';

/** The request parameters whose availability the catalog describes, per model. */
export const PARAMETER_NAMES = [
  'temperature',
  'top_p',
  'top_k',
  'max_output_tokens',
  'stop',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'response_format',
  'tools',
  'tool_choice',
  'reasoning_effort',
] as const;
export type ParameterName = (typeof PARAMETER_NAMES)[number];

export type ParameterAvailability =
  | { state: 'mutable'; min?: number; max?: number; default?: unknown; allowedValues?: string[] }
  | { state: 'read_only'; value: unknown }
  | { state: 'opaque' }
  | { state: 'unsupported'; reason?: string };

export interface PriceTier {
  /** The tier applies when the request's input tokens exceed this many. */
  aboveInputTokens: number;
  input: bigint;
  output: bigint;
  cachedInput: bigint;
}

/** Prices in pico-USD per token. Zero means "not offered / unknown" (never "free" unless local). */
export interface Pricing {
  input: bigint;
  output: bigint;
  cachedInput: bigint;
  cacheWriteInput: bigint;
  /** Per reasoning token when billed apart from output; 0n when billed as output. */
  reasoning: bigint;
  tiers: PriceTier[];
}

export type ModelSource = 'litellm' | 'openrouter' | 'config' | 'admin';

/** One model as served by one vendor (the catalog's "provider" family, e.g. "openai"). */
export interface ModelEntry {
  /** "vendor/model", e.g. "openai/gpt-4o", "openrouter/anthropic/claude-sonnet-4". */
  id: string;
  /** Catalog vendor family: "openai", "anthropic", "gemini", "openrouter", "ollama", "mistral"... */
  vendor: string;
  /** The model name sent upstream, e.g. "gpt-4o". */
  upstreamModel: string;
  displayName: string;
  kind: ModelKind;
  /** Tokens; 0 = unknown. */
  contextWindow: number;
  /** Tokens; 0 = unknown. */
  maxOutputTokens: number;
  pricing: Pricing;
  capabilities: Capability[];
  /** Embedding output dimensions; 0 = unknown / not an embedding model. */
  embeddingDimensions: number;
  regions: string[];
  /** Runs on the operator's own hardware. */
  local: boolean;
  parameters: Record<ParameterName, ParameterAvailability>;
  source: ModelSource;
  /** YYYY-MM-DD. */
  deprecationDate?: string;
}
