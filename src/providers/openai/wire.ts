// OpenAI chat-completions wire types, as sent and received (provider-wire.md §1). Only the
// fields we read or write are typed; upstream objects carry more, and the OpenAI-compatible
// servers (vLLM, llama.cpp, OpenRouter…) add their own, which we read where noted.

export type OaContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export interface OaToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type OaMessage =
  | { role: 'system' | 'developer'; content: string; name?: string }
  | { role: 'user'; content: string | OaContentPart[]; name?: string }
  | { role: 'assistant'; content: string | null; tool_calls?: OaToolCall[]; name?: string }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface OaTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export type OaToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type OaResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; schema: Record<string, unknown>; strict: boolean } };

/** The request body; extra keys (providerOptions, OpenRouter `provider`…) ride along. */
export interface OaChatRequest {
  model: string;
  messages: OaMessage[];
  stream?: boolean;
  stream_options?: { include_usage: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop?: string[];
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  response_format?: OaResponseFormat;
  reasoning_effort?: string;
  tools?: OaTool[];
  tool_choice?: OaToolChoice;
  [extra: string]: unknown;
}

export interface OaUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
  /** OpenRouter: what the call cost, USD (a JSON float). */
  cost?: number | null;
}

export interface OaToolCallDelta {
  index?: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface OaChunkChoice {
  index: number;
  delta?: {
    role?: string;
    content?: string | null;
    refusal?: string | null;
    /** vLLM ≥ 0.11, OpenRouter. */
    reasoning?: string | null;
    /** vLLM ≤ 0.10, llama.cpp, DeepSeek. */
    reasoning_content?: string | null;
    tool_calls?: OaToolCallDelta[] | null;
  };
  finish_reason?: string | null;
}

/** The in-band / error-body error object: OpenAI (string code/type) or OpenRouter (int code + metadata). */
export interface OaErrorObject {
  message?: string;
  type?: string | null;
  code?: string | number | null;
  param?: string | null;
  metadata?: { error_type?: string; reasons?: unknown; [k: string]: unknown } | null;
}

export interface OaChunk {
  id?: string;
  object?: string;
  model?: string;
  choices?: OaChunkChoice[];
  usage?: OaUsage | null;
  error?: OaErrorObject;
}

export interface OaEmbeddingResponse {
  data: { index: number; embedding: number[] | string }[];
  usage?: { prompt_tokens?: number };
}

export interface OaModelList {
  data: { id: string }[];
}
