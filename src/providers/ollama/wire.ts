// Ollama native API wire types (/api/chat, /api/embed, /api/tags, /api/show): only the fields
// Switchyard sends or reads. See shared/provider-wire.md §4.

export interface OllamaToolCall {
  /** Newer servers send `call_<8 alnum>`; older ones none. */
  id?: string;
  function: { index?: number; name: string; arguments: Record<string, unknown> };
}

export interface OllamaMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  thinking?: string;
  /** base64, no data: prefix */
  images?: string[];
  tool_calls?: OllamaToolCall[];
  tool_name?: string;
  tool_call_id?: string;
}

export interface OllamaTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export interface OllamaOptions {
  temperature?: number;
  top_p?: number;
  top_k?: number;
  num_predict?: number;
  stop?: string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  [other: string]: unknown;
}

export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  stream: boolean;
  tools?: OllamaTool[];
  format?: 'json' | Record<string, unknown>;
  options?: OllamaOptions;
  think?: boolean | 'low' | 'medium' | 'high';
  [extra: string]: unknown;
}

/** One NDJSON line of a streamed /api/chat response. */
export interface OllamaChatChunk {
  model?: string;
  message?: { role?: string; content?: string; thinking?: string; tool_calls?: OllamaToolCall[] };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  /** In-band error: written as one more line, then the stream ends. */
  error?: string;
}

export interface OllamaEmbedResponse {
  embeddings?: number[][];
  prompt_eval_count?: number;
}

export interface OllamaTags {
  models?: { name?: string; model?: string }[];
}

export interface OllamaShowResponse {
  capabilities?: string[];
  details?: { family?: string; parameter_size?: string; quantization_level?: string; format?: string };
  model_info?: Record<string, unknown>;
}
