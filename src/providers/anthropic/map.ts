// Pure mapping, domain ChatCall → Anthropic Messages request body. (The other direction, stream
// events → ChatEvents, is in ./stream.ts.) No I/O, no clock: tested against exact bodies.
//
// Choices made here, since the domain is OpenAI-shaped and Anthropic is not:
// - `max_tokens` is required upstream: options.maxOutputTokens, else DEFAULT_MAX_TOKENS (4096,
//   which every current Claude model accepts).
// - system messages (any position) are joined with a blank line into top-level `system`.
// - tool results become `tool_result` blocks of a user turn; consecutive results, and a user
//   message that directly follows them, share one user turn (the API wants results first in
//   the turn that follows the assistant's tool_use turn).
// - reasoning effort → extended thinking with a fixed budget (THINKING_BUDGET). The budget must
//   be ≥ 1024 and < max_tokens: without maxOutputTokens, max_tokens grows to budget + default
//   so the answer keeps its room; with an explicit cap the budget shrinks to half of it (the
//   caller's cap is a cost limit and is never raised), and below 1024 thinking is left off.
//   The API rejects temperature/top_k (and top_p < 0.95) with thinking, so they are dropped.
// - seed, frequency/presence penalties: no Anthropic equivalent, not sent.
// - response_format json_object → a system instruction. json_schema → a forced tool whose
//   input_schema is the schema (the model must produce input matching it; the decoder turns
//   that tool's arguments back into text), unless the caller also has tools or thinking is on
//   (forced tool use is rejected with thinking) or the schema is not an object: then a system
//   instruction carrying the schema.
import { UpstreamError } from '../errors.js';
import { ANTHROPIC_OWNED, mergeProviderOptions } from '../options.js';
import type { ChatCall, ChatMessage, ContentPart, ReasoningEffort } from '../types.js';
import type { ImageSource, MessagesRequest, RequestBlock, WireMessage, WireTool, WireToolChoice } from './wire.js';

export const DEFAULT_MAX_TOKENS = 4096;
export const MIN_THINKING_BUDGET = 1024;
export const THINKING_BUDGET: Record<Exclude<ReasoningEffort, 'none'>, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 24576,
};

export const JSON_OBJECT_INSTRUCTION = 'Respond with a single valid JSON object and nothing else: no prose, no markdown code fences.';

export interface MappedRequest {
  body: MessagesRequest;
  /** Set when JSON output is forced through a tool: the decoder maps its input back to text. */
  jsonToolName?: string;
}

export function toMessagesRequest(call: ChatCall, provider = 'anthropic'): MappedRequest {
  const o = call.options;
  const system: string[] = [];
  const messages = mapMessages(call.messages, system, provider);

  let maxTokens = o.maxOutputTokens ?? DEFAULT_MAX_TOKENS;
  let thinking: MessagesRequest['thinking'];
  const effort = o.reasoningEffort;
  if (effort !== undefined && effort !== 'none') {
    let budget = THINKING_BUDGET[effort];
    if (o.maxOutputTokens === undefined) maxTokens = budget + DEFAULT_MAX_TOKENS;
    else budget = Math.min(budget, Math.floor(o.maxOutputTokens / 2));
    if (budget >= MIN_THINKING_BUDGET) thinking = { type: 'enabled', budget_tokens: budget };
  }

  const tools: WireTool[] = call.tools.map((t) => ({
    name: t.name,
    ...(t.description ? { description: t.description } : {}),
    input_schema: t.parameters,
  }));
  let toolChoice: WireToolChoice | undefined = tools.length > 0 ? mapToolChoice(call.toolChoice) : undefined;

  let jsonToolName: string | undefined;
  const rf = o.responseFormat;
  if (rf?.type === 'json_object') {
    system.push(JSON_OBJECT_INSTRUCTION);
  } else if (rf?.type === 'json_schema') {
    if (tools.length === 0 && !thinking && rf.schema['type'] === 'object') {
      jsonToolName = toolName(rf.name);
      tools.push({
        name: jsonToolName,
        description: 'Give your response by calling this tool: its input is the response.',
        input_schema: rf.schema,
      });
      toolChoice = { type: 'tool', name: jsonToolName };
    } else {
      system.push(`${JSON_OBJECT_INSTRUCTION} It must conform to this JSON schema (${rf.name}):\n${JSON.stringify(rf.schema)}`);
    }
  }

  const body: MessagesRequest = { model: call.model, max_tokens: maxTokens, messages, stream: true };
  if (system.length > 0) body.system = system.join('\n\n');
  if (o.stop && o.stop.length > 0) body.stop_sequences = o.stop;
  if (!thinking) {
    if (o.temperature !== undefined) body.temperature = o.temperature;
    if (o.topP !== undefined) body.top_p = o.topP;
    if (o.topK !== undefined) body.top_k = o.topK;
  } else {
    body.thinking = thinking;
    if (o.topP !== undefined && o.topP >= 0.95) body.top_p = o.topP;
  }
  if (tools.length > 0) body.tools = tools;
  if (toolChoice) body.tool_choice = toolChoice;
  // The caller's escape hatch adds fields (metadata, top-level cache_control…), never what
  // Switchyard owns (../options.ts).
  const merged = mergeProviderOptions(body, call, ANTHROPIC_OWNED);
  return jsonToolName === undefined ? { body: merged } : { body: merged, jsonToolName };
}

function mapToolChoice(choice: ChatCall['toolChoice']): WireToolChoice | undefined {
  switch (choice?.mode) {
    case undefined:
      return undefined; // the API's default is auto
    case 'auto':
      return { type: 'auto' };
    case 'none':
      return { type: 'none' };
    case 'required':
      return { type: 'any' };
    case 'function':
      return { type: 'tool', name: choice.name };
  }
}

/** Anthropic tool names: ^[a-zA-Z0-9_-]{1,64}$. */
function toolName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return clean.length > 0 ? clean : 'json_response';
}

function mapMessages(input: ChatMessage[], system: string[], provider: string): WireMessage[] {
  const out: WireMessage[] = [];
  // The user turn holding tool results we are still appending to, if the last turn is one.
  let resultTurn: RequestBlock[] | undefined;
  input.forEach((m, i) => {
    switch (m.role) {
      case 'system': {
        const text = [m.content, ...m.parts.map((p) => (p.type === 'text' ? p.text : ''))].filter((s) => s).join('\n');
        if (text) system.push(text);
        return;
      }
      case 'tool': {
        if (!m.toolCallId) throw new UpstreamError('bad_request', 'a tool message needs toolCallId', { provider });
        const blocks = contentBlocks(m, provider);
        const onlyText = blocks.every((b) => b.type === 'text');
        const block: RequestBlock = {
          type: 'tool_result',
          tool_use_id: m.toolCallId,
          content: onlyText ? blocks.map((b) => (b.type === 'text' ? b.text : '')).join('') : blocks,
        };
        if (resultTurn) resultTurn.push(block);
        else {
          resultTurn = [block];
          out.push({ role: 'user', content: resultTurn });
        }
        return;
      }
      case 'user': {
        const blocks = contentBlocks(m, provider);
        if (resultTurn) resultTurn.push(...blocks);
        else out.push({ role: 'user', content: simplify(blocks) });
        resultTurn = undefined;
        return;
      }
      case 'assistant': {
        resultTurn = undefined;
        const blocks: RequestBlock[] = contentBlocks(m, provider);
        for (const tc of m.toolCalls) {
          blocks.push({ type: 'tool_use', id: tc.id, name: tc.name, input: parseArguments(tc.argumentsJson, provider) });
        }
        // The API rejects empty content except in a final (prefill) assistant turn.
        if (blocks.length === 0 && i !== input.length - 1) return;
        out.push({ role: 'assistant', content: simplify(blocks) });
        return;
      }
    }
  });
  return out;
}

/** A lone text block is sent as a plain string, the API's shortest form. */
function simplify(blocks: RequestBlock[]): string | RequestBlock[] {
  const only = blocks[0];
  if (blocks.length === 0) return '';
  return blocks.length === 1 && only?.type === 'text' ? only.text : blocks;
}

function contentBlocks(m: ChatMessage, provider: string): RequestBlock[] {
  const blocks: RequestBlock[] = [];
  if (m.content) blocks.push({ type: 'text', text: m.content });
  for (const p of m.parts) blocks.push(partBlock(p, provider));
  return blocks;
}

function partBlock(p: ContentPart, provider: string): RequestBlock {
  if (p.type === 'text') return { type: 'text', text: p.text };
  return { type: 'image', source: imageSource(p, provider) };
}

export function imageSource(p: Extract<ContentPart, { type: 'image' }>, provider = 'anthropic'): ImageSource {
  if (p.data) {
    if (!p.mimeType) throw new UpstreamError('bad_request', 'image bytes need a mimeType', { provider });
    return { type: 'base64', media_type: p.mimeType, data: Buffer.from(p.data).toString('base64') };
  }
  const url = p.url ?? '';
  if (url.startsWith('data:')) {
    const m = /^data:([^;,]*)((?:;[^;,]*)*?)(;base64)?,(.*)$/s.exec(url);
    if (!m || !m[1]) throw new UpstreamError('bad_request', 'malformed data: URL for an image', { provider });
    const payload = m[4] ?? '';
    const data = m[3] ? payload : Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64');
    return { type: 'base64', media_type: p.mimeType ?? m[1], data };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  throw new UpstreamError('bad_request', 'an image needs bytes, a data: URL or an http(s) URL', { provider });
}

function parseArguments(json: string, provider: string): unknown {
  if (json.trim() === '') return {};
  try {
    return JSON.parse(json) as unknown;
  } catch {
    throw new UpstreamError('bad_request', 'tool call arguments are not valid JSON', { provider });
  }
}
