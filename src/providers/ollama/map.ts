// Pure mapping for Ollama's native /api/chat: ChatCall → request body, NDJSON lines → events,
// error bodies → UpstreamError. No I/O. See shared/provider-wire.md §4.
import { randomBytes } from 'node:crypto';
import { classifyHttpError, type UpstreamResponse } from '../http.js';
import { UpstreamError } from '../errors.js';
import { mergeProviderOptions, OLLAMA_OWNED } from '../options.js';
import type { ChatCall, ChatEvent, ChatMessage, FinishReason } from '../types.js';
import type { OllamaChatChunk, OllamaChatRequest, OllamaMessage, OllamaOptions, OllamaShowResponse } from './wire.js';

export function toOllamaRequest(call: ChatCall): OllamaChatRequest {
  const callNames = new Map<string, string>();
  const messages: OllamaMessage[] = call.messages.map((m) => {
    const msg: OllamaMessage = { role: m.role, content: textOf(m) };
    const images = imagesOf(m);
    if (images.length > 0) msg.images = images;
    if (m.role === 'assistant' && m.toolCalls.length > 0) {
      msg.tool_calls = m.toolCalls.map((tc) => {
        callNames.set(tc.id, tc.name);
        return { id: tc.id, function: { name: tc.name, arguments: parseArgs(tc.argumentsJson, tc.name) } };
      });
    }
    if (m.role === 'tool') {
      // Ollama matches results by tool_name (older servers) and tool_call_id (newer ones).
      const name = (m.toolCallId !== undefined ? callNames.get(m.toolCallId) : undefined) ?? m.name;
      if (name) msg.tool_name = name;
      if (m.toolCallId) msg.tool_call_id = m.toolCallId;
    }
    return msg;
  });
  const body: OllamaChatRequest = { model: call.model, messages, stream: true };

  // Ollama has no tool_choice. 'none' is honoured by not offering tools; a named function by
  // offering only that one; 'required' cannot be enforced and degrades to 'auto'.
  const choice = call.toolChoice;
  let tools = choice?.mode === 'none' ? [] : call.tools;
  if (choice?.mode === 'function') tools = tools.filter((t) => t.name === choice.name);
  if (tools.length > 0) {
    body.tools = tools.map((t) => ({
      type: 'function',
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters },
    }));
  }

  const o = call.options;
  const options: OllamaOptions = {};
  if (o.temperature !== undefined) options.temperature = o.temperature;
  if (o.topP !== undefined) options.top_p = o.topP;
  if (o.topK !== undefined) options.top_k = o.topK;
  if (o.maxOutputTokens !== undefined) options.num_predict = o.maxOutputTokens;
  if (o.stop !== undefined && o.stop.length > 0) options.stop = o.stop;
  if (o.seed !== undefined) options.seed = o.seed;
  if (o.presencePenalty !== undefined) options.presence_penalty = o.presencePenalty;
  if (o.frequencyPenalty !== undefined) options.frequency_penalty = o.frequencyPenalty;
  if (Object.keys(options).length > 0) body.options = options;

  const rf = o.responseFormat;
  if (rf?.type === 'json_object') body.format = 'json';
  else if (rf?.type === 'json_schema') body.format = rf.schema;

  const effort = o.reasoningEffort;
  if (effort !== undefined) {
    // Only gpt-oss takes effort levels; other thinking models take a boolean.
    if (effort === 'none') body.think = false;
    else if (/gpt-oss/i.test(call.model)) body.think = effort === 'minimal' ? 'low' : effort;
    else body.think = true;
  }
  return mergeProviderOptions(body, call, OLLAMA_OWNED);
}

function textOf(m: ChatMessage): string {
  return [m.content, ...m.parts.flatMap((p) => (p.type === 'text' ? [p.text] : []))].filter((s) => s !== '').join('\n');
}

function imagesOf(m: ChatMessage): string[] {
  const out: string[] = [];
  for (const p of m.parts) {
    if (p.type !== 'image') continue;
    if (p.data) {
      out.push(Buffer.from(p.data).toString('base64'));
      continue;
    }
    const data = /^data:[^,]*;base64,(.*)$/s.exec(p.url ?? '');
    // Ollama takes image bytes only; it does not fetch URLs, and neither do we on its behalf.
    if (!data) throw new UpstreamError('bad_request', 'Ollama accepts images as bytes or base64 data: URLs, not remote URLs');
    out.push(data[1] ?? '');
  }
  return out;
}

function parseArgs(json: string, name: string): Record<string, unknown> {
  if (json.trim() === '') return {};
  try {
    const v = JSON.parse(json) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new UpstreamError('bad_request', `arguments of tool call ${name} are not a JSON object`);
}

/** `call_` + 8 lowercase alphanumerics, the form current Ollama servers generate themselves. */
export function generateCallId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `call_${[...randomBytes(8)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** Turns NDJSON lines into events; `done` tells the adapter to stop reading. */
export class OllamaStreamDecoder {
  private toolCalls = 0;
  done = false;

  constructor(
    private readonly provider: string,
    private readonly newId: () => string = generateCallId,
  ) {}

  push(value: unknown): ChatEvent[] {
    const chunk = (value ?? {}) as OllamaChatChunk;
    if (typeof chunk.error === 'string') {
      throw new UpstreamError('server_error', `Ollama: ${chunk.error}`, { provider: this.provider });
    }
    const out: ChatEvent[] = [];
    const m = chunk.message;
    if (m?.thinking) out.push({ type: 'delta', text: '', reasoning: m.thinking });
    if (m?.content) out.push({ type: 'delta', text: m.content });
    for (const tc of m?.tool_calls ?? []) {
      // Calls arrive whole, with arguments as an object.
      out.push({
        type: 'tool_call',
        index: this.toolCalls++,
        id: tc.id || this.newId(),
        name: tc.function.name,
        argumentsDelta: JSON.stringify(tc.function.arguments ?? {}),
      });
    }
    if (chunk.done) {
      this.done = true;
      out.push({
        type: 'usage',
        usage: { inputTokens: chunk.prompt_eval_count ?? 0, outputTokens: chunk.eval_count ?? 0, cachedInputTokens: 0, reasoningTokens: 0 },
      });
      out.push({ type: 'finish', reason: finishReason(chunk.done_reason, this.toolCalls > 0) });
    }
    return out;
  }
}

/** Tool calls still end with done_reason "stop" on Ollama. */
export function finishReason(reason: string | undefined, sawToolCalls: boolean): FinishReason {
  if (reason === 'length') return 'length';
  return sawToolCalls ? 'tool_calls' : 'stop';
}

/** `{"error":"…"}` bodies; a model that is not pulled gets a message saying how to pull it. */
export function ollamaHttpError(
  status: number,
  headers: UpstreamResponse['headers'],
  text: string,
  provider: string,
  model?: string,
): UpstreamError {
  let message = text.slice(0, 500);
  try {
    const v = JSON.parse(text) as { error?: unknown };
    if (typeof v.error === 'string') message = v.error;
  } catch {
    // plain text body
  }
  if (status === 404 && model !== undefined && /not found/i.test(message)) {
    // Never pulled automatically: pulling gigabytes is an operator's decision.
    return new UpstreamError('not_found', `${message}: the model is not pulled on this Ollama server; run \`ollama pull ${model}\``, {
      status,
      provider,
    });
  }
  return classifyHttpError(status, headers, message || `HTTP ${status}`, provider);
}

export interface OllamaModelInfo {
  name: string;
  /** completion, tools, vision, embedding, thinking, insert… */
  capabilities: string[];
  /** From model_info["<architecture>.context_length"], when the server reports it. */
  contextLength?: number;
  family?: string;
}

export function toModelInfo(name: string, show: OllamaShowResponse): OllamaModelInfo {
  const info = show.model_info ?? {};
  const arch = info['general.architecture'];
  const ctx = typeof arch === 'string' ? info[`${arch}.context_length`] : undefined;
  return {
    name,
    capabilities: show.capabilities ?? [],
    ...(typeof ctx === 'number' ? { contextLength: ctx } : {}),
    ...(show.details?.family ? { family: show.details.family } : {}),
  };
}
