// Pure mapping between the domain (../types.ts) and the OpenAI wire (./wire.ts): request
// bodies, usage, finish reasons and error bodies. No I/O, so it is tested against recorded
// cassettes directly.
import { convertUsdPerToken } from '../../catalog/price.js';
import { UpstreamError } from '../errors.js';
import { mergeProviderOptions } from '../options.js';
import type { ChatCall, ChatMessage, ContentPart, FinishReason, ToolChoice, Usage } from '../types.js';
import { usesMaxCompletionTokens, type OpenAiDialect } from './presets.js';
import type { OaChatRequest, OaContentPart, OaErrorObject, OaMessage, OaToolChoice, OaUsage } from './wire.js';

export function toOpenAiRequest(call: ChatCall, dialect: OpenAiDialect): OaChatRequest {
  const o = call.options;
  const reasoningModel = usesMaxCompletionTokens(call.model);
  const messages = call.messages.map(toOpenAiMessage);
  if (dialect.developerRole && reasoningModel) {
    for (const m of messages) if (m.role === 'system') m.role = 'developer';
  }
  const body: OaChatRequest = { model: call.model, messages };
  body.stream = true;
  if (dialect.streamUsage) body.stream_options = { include_usage: true };
  if (o.maxOutputTokens !== undefined) {
    const field =
      dialect.maxTokensField === 'by_model' ? (reasoningModel ? 'max_completion_tokens' : 'max_tokens') : dialect.maxTokensField;
    body[field] = o.maxOutputTokens;
  }
  if (o.temperature !== undefined) body.temperature = o.temperature;
  if (o.topP !== undefined) body.top_p = o.topP;
  if (o.topK !== undefined && dialect.topK) body.top_k = o.topK;
  if (o.stop !== undefined && o.stop.length > 0) body.stop = o.stop;
  if (o.seed !== undefined) body.seed = o.seed;
  if (o.frequencyPenalty !== undefined) body.frequency_penalty = o.frequencyPenalty;
  if (o.presencePenalty !== undefined) body.presence_penalty = o.presencePenalty;
  const rf = o.responseFormat;
  if (rf) {
    body.response_format =
      rf.type === 'json_schema'
        ? { type: 'json_schema', json_schema: { name: rf.name, schema: rf.schema, strict: rf.strict } }
        : { type: rf.type };
  }
  if (o.reasoningEffort !== undefined) {
    if (dialect.openRouter) body.reasoning = { effort: o.reasoningEffort };
    else body.reasoning_effort = o.reasoningEffort;
  }
  if (call.tools.length > 0) {
    body.tools = call.tools.map((t) => ({
      type: 'function' as const,
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters },
    }));
  }
  if (call.toolChoice) body.tool_choice = toToolChoice(call.toolChoice);
  for (const [from, to] of Object.entries(dialect.rename)) {
    if (from in body) {
      body[to] = body[from];
      delete body[from];
    }
  }
  for (const key of dialect.drop) delete body[key];
  // The caller's escape hatch is applied last, so it can also re-add anything dropped above
  // (never what Switchyard owns: ../options.ts).
  return mergeProviderOptions(body, call, dialect.owned);
}

function toToolChoice(c: ToolChoice): OaToolChoice {
  return c.mode === 'function' ? { type: 'function', function: { name: c.name } } : c.mode;
}

function imageUrl(p: Extract<ContentPart, { type: 'image' }>): string {
  if (p.url) return p.url;
  if (p.data) {
    if (!p.mimeType) throw new UpstreamError('bad_request', 'image bytes need a mimeType');
    return `data:${p.mimeType};base64,${Buffer.from(p.data).toString('base64')}`;
  }
  throw new UpstreamError('bad_request', 'image part has neither url nor data');
}

/** Text of a message whose wire form only takes a string (system, assistant, tool). */
function plainText(m: ChatMessage): string {
  const texts = m.parts.flatMap((p) => (p.type === 'text' ? [p.text] : []));
  if (m.parts.some((p) => p.type === 'image')) {
    throw new UpstreamError('bad_request', `images are only supported in user messages, not ${m.role}`);
  }
  return [m.content, ...texts].filter((t) => t !== '').join('\n');
}

export function toOpenAiMessage(m: ChatMessage): OaMessage {
  const name = m.name ? { name: m.name } : {};
  switch (m.role) {
    case 'system':
      return { role: 'system', content: plainText(m), ...name };
    case 'user': {
      if (m.parts.length === 0) return { role: 'user', content: m.content, ...name };
      const parts: OaContentPart[] = [];
      if (m.content !== '') parts.push({ type: 'text', text: m.content });
      for (const p of m.parts) {
        parts.push(p.type === 'text' ? { type: 'text', text: p.text } : { type: 'image_url', image_url: { url: imageUrl(p) } });
      }
      return { role: 'user', content: parts, ...name };
    }
    case 'assistant': {
      const text = plainText(m);
      if (m.toolCalls.length === 0) return { role: 'assistant', content: text, ...name };
      return {
        role: 'assistant',
        // OpenAI's own transcripts carry content null next to tool calls.
        content: text === '' ? null : text,
        tool_calls: m.toolCalls.map((c) => ({
          id: c.id,
          type: 'function' as const,
          function: { name: c.name, arguments: c.argumentsJson },
        })),
        ...name,
      };
    }
    case 'tool':
      if (!m.toolCallId) throw new UpstreamError('bad_request', 'tool message without toolCallId');
      return { role: 'tool', tool_call_id: m.toolCallId, content: plainText(m) };
  }
}

export function toFinishReason(raw: string): FinishReason {
  switch (raw) {
    case 'length':
    case 'max_tokens':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    default:
      // stop, eos, stop_sequence and server-specific spellings all mean "the model ended".
      return 'stop';
  }
}

export function toUsage(u: OaUsage): Usage {
  const usage: Usage = {
    inputTokens: u.prompt_tokens ?? 0,
    outputTokens: u.completion_tokens ?? 0,
    cachedInputTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
  };
  if (typeof u.cost === 'number' && Number.isFinite(u.cost) && u.cost >= 0) {
    // The float goes through its shortest decimal string, never through float multiplication:
    // 0.00036531 USD is exactly 365310000 pico-USD.
    usage.reportedCost = convertUsdPerToken(u.cost).pico;
  }
  return usage;
}

export interface ExtractedError {
  message: string;
  /** The provider's own code: string `code`, else OpenRouter metadata.error_type, else `type`. */
  code?: string;
  /** OpenRouter / vLLM / llama.cpp put the HTTP-like status in a numeric `code`. */
  status?: number;
  contentFiltered: boolean;
}

/** Reads any of the family's error shapes: {error:{…}}, vLLM's flat {object:"error",…}, {error:"text"}. */
export function extractError(body: unknown, fallback: string): ExtractedError {
  const root = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const raw = root.error;
  if (typeof raw === 'string') return { message: raw, contentFiltered: false };
  const e = (raw && typeof raw === 'object' ? raw : root) as OaErrorObject;
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : fallback;
  const strCode = typeof e.code === 'string' ? e.code : undefined;
  const code = strCode ?? e.metadata?.error_type ?? (typeof e.type === 'string' ? e.type : undefined);
  const out: ExtractedError = { message, contentFiltered: false };
  if (code !== undefined) out.code = code;
  if (typeof e.code === 'number') out.status = e.code;
  out.contentFiltered =
    code === 'content_filter' ||
    code === 'content_policy_violation' ||
    code === 'moderation' ||
    (e.metadata?.reasons !== undefined && e.metadata?.reasons !== null);
  return out;
}
