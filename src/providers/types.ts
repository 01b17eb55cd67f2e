// The one interface every provider adapter implements. Plain TypeScript: adapters never see
// protobuf, the store, the ledger or routing. They turn a domain call into upstream bytes and
// upstream bytes into domain events, and throw only UpstreamError (./errors.ts).
import type { Secret } from '../config/secret.js';

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export type ContentPart =
  | { type: 'text'; text: string }
  /** An image by URL (https: or data:) or by bytes with a MIME type. */
  | { type: 'image'; url?: string; data?: Uint8Array; mimeType?: string };

export interface ToolCall {
  id: string;
  name: string;
  /** JSON object text, exactly as the model produced it. */
  argumentsJson: string;
}

export interface ChatMessage {
  role: Role;
  /** Plain text; comes before `parts` when both are set. */
  content: string;
  parts: ContentPart[];
  /** role 'assistant': the calls it made. */
  toolCalls: ToolCall[];
  /** role 'tool': the call this result answers. */
  toolCallId?: string;
  name?: string;
}

export interface ToolDef {
  name: string;
  description: string;
  /** JSON schema object of the arguments (already parsed). */
  parameters: Record<string, unknown>;
}

export type ToolChoice = { mode: 'auto' } | { mode: 'none' } | { mode: 'required' } | { mode: 'function'; name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict: boolean };

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high';

/** Unset fields are not sent upstream. */
export interface ChatOptions {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  seed?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  responseFormat?: ResponseFormat;
  reasoningEffort?: ReasoningEffort;
}

export interface ChatCall {
  /** The model name sent upstream (ModelEntry.upstreamModel). */
  model: string;
  messages: ChatMessage[];
  options: ChatOptions;
  tools: ToolDef[];
  toolChoice?: ToolChoice;
  /** Merged into the upstream JSON body (options.ts): the caller's escape hatch, never over what Switchyard owns. */
  providerOptions?: Record<string, unknown>;
  /** Aborted when the caller cancels or its deadline passes: the upstream request must stop. */
  signal: AbortSignal;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  /** Cost the upstream itself reported (OpenRouter), pico-USD. */
  reportedCost?: bigint;
}

/**
 * The event stream of one upstream chat call, in order: any number of `delta` / `tool_call`,
 * then at most one `usage`, then exactly one `finish` (the last event). Errors are thrown as
 * UpstreamError, before or during the stream.
 */
export type ChatEvent =
  | { type: 'delta'; text: string; reasoning?: string }
  /**
   * A tool-call fragment: fragments of one call share `index` (0-based within the turn);
   * `id` and `name` come with the call's first fragment; `argumentsDelta` pieces concatenate.
   */
  | { type: 'tool_call'; index: number; id?: string; name?: string; argumentsDelta: string }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason };

export interface EmbedCall {
  model: string;
  inputs: string[];
  /** 0 / undefined: the model's default. */
  dimensions?: number;
  signal: AbortSignal;
}

export interface EmbedResult {
  /** One vector per input, in input order. */
  vectors: number[][];
  usage: { inputTokens: number };
}

/**
 * The body paths ("a.b") one wire format owns, always or when the request sets a feature
 * (the tables are in options.ts).
 */
export interface OwnedPaths {
  always: readonly string[];
  /** When the request has tools or a tool choice. */
  tools: readonly string[];
  /** When the request sets a response format. */
  responseFormat: readonly string[];
  /** When the request sets a reasoning effort. */
  reasoning: readonly string[];
}

export interface ProviderAdapter {
  /** What this adapter's wire format owns: provider options may not set it (options.ts). */
  readonly ownedOptions: OwnedPaths;
  /**
   * The chat stream (the ChatEvent order above), grouped: one array per upstream network read
   * (never empty), and the stream's first content event closes its array, so it is never held
   * behind the decoding of what arrived with it. Events decoded before a failure are yielded
   * before it is thrown. This is the only streaming method: the per-read grouping saves the
   * promise turns of an async-generator hop per token, and one method means no caller can pick
   * the slow path by accident. `chatEvents` (batches.ts) is its flattening, for tests and
   * simple callers.
   */
  chatBatches(call: ChatCall): AsyncIterable<ChatEvent[]>;
  embed(call: EmbedCall): Promise<EmbedResult>;
  /** Upstream model names (GET /v1/models, /api/tags...). */
  listModels(signal: AbortSignal): Promise<string[]>;
}

export interface Timeouts {
  /** TCP/TLS connect. */
  connectMs: number;
  /** Request sent → first response byte (headers). */
  firstByteMs: number;
  /** Longest silence between two body chunks of a stream. */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 5_000, firstByteMs: 60_000, idleMs: 60_000 };

/** What an adapter is built from. */
export interface ProviderEndpoint {
  id: string;
  kind: 'openai' | 'anthropic' | 'gemini' | 'openrouter' | 'ollama' | 'openai_compatible' | 'huggingface' | 'demo';
  /** Absolute base URL; each adapter documents its default and what path it appends. */
  baseUrl: string;
  apiKey?: Secret;
  /** openai_compatible quirks: 'vllm' | 'llamacpp' | 'lmstudio' | 'groq' | 'together' | 'mistral' | 'deepseek' | 'fireworks' | 'xai'. */
  preset?: string;
  timeouts: Timeouts;
}
