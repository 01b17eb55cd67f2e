// Anthropic Messages API wire types (POST /v1/messages, stream: true), only the fields this
// adapter sends or reads. Source: provider-wire.md §2 (anthropic-sdk-python types, recorded
// streams). Unknown fields and event types from newer API versions are tolerated, not modelled.

export const ANTHROPIC_VERSION = '2023-06-01';
export const DEFAULT_BASE_URL = 'https://api.anthropic.com';

// ---- request ----

export type ImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };

export type RequestBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: ImageSource }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content: string | RequestBlock[]; is_error?: boolean };

export interface WireMessage {
  role: 'user' | 'assistant';
  content: string | RequestBlock[];
}

export interface WireTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

export type WireToolChoice = { type: 'auto' } | { type: 'any' } | { type: 'none' } | { type: 'tool'; name: string };

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  messages: WireMessage[];
  system?: string;
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stream: true;
  tools?: WireTool[];
  tool_choice?: WireToolChoice;
  thinking?: { type: 'enabled'; budget_tokens: number } | { type: 'disabled' };
  [extra: string]: unknown;
}

// ---- stream events (event name === data.type) ----

export interface WireUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export type ResponseBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input?: unknown }
  | { type: 'thinking'; thinking: string; signature?: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: string; [k: string]: unknown };

export type BlockDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'input_json_delta'; partial_json: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string }
  | { type: string; [k: string]: unknown };

export type StopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded';

export interface WireError {
  type: string;
  message: string;
}

export type StreamEvent =
  | { type: 'message_start'; message: { id: string; model: string; usage?: WireUsage } }
  | { type: 'content_block_start'; index: number; content_block: ResponseBlock }
  | { type: 'content_block_delta'; index: number; delta: BlockDelta }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason?: StopReason | null; stop_sequence?: string | null }; usage?: WireUsage }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | { type: 'error'; error: WireError };

/** Error body of every non-2xx response, and the payload of an in-stream `error` event. */
export interface ErrorBody {
  type: 'error';
  error: WireError;
  request_id?: string;
}

export interface ModelsPage {
  data: Array<{ id: string; type?: string; display_name?: string; created_at?: string }>;
  has_more?: boolean;
  first_id?: string | null;
  last_id?: string | null;
}
