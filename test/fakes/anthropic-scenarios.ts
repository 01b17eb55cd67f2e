// What the Anthropic fake answers, scenario by scenario: the recorded streams of
// ../../../shared/fixtures/anthropic/ byte for byte, and generated streams and error responses
// in the real wire format (provider-wire.md §2.4–2.6). Shared with the tests so expectations
// are derived from the same bytes the fake sends.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/anthropic/', import.meta.url));

/**
 * A recorded stream byte for byte as stored. Its last event (`message_stop`) has no closing
 * blank line: a spec SSE parser, and the official SDKs' decoders, drop that event at EOF, and
 * the SDK still reads the stream as a complete message, since `message_delta` already carried
 * the stop reason and the output tokens. Replaying it unrepaired keeps that case under test.
 */
export function fixtureStream(name: 'basic_response' | 'tool_use_response'): string {
  return readFileSync(`${FIXTURES}${name}.txt`, 'utf8');
}

export const STREAM_ERROR_EVENT = (type: string, message: string): string =>
  sse('error', `{"type": "error", "error": {"type": ${JSON.stringify(type)}, "message": ${JSON.stringify(message)}}}`);

export const MALFORMED_EVENT = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_\n\n';

export function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

export const PING = sse('ping', '{"type": "ping"}');

function messageStart(model: string, usage: Record<string, number>): string {
  return sse('message_start', {
    type: 'message_start',
    message: {
      id: 'msg_01FakeFakeFakeFakeFakeFake',
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, service_tier: 'standard' },
    },
  });
}

const blockStart = (index: number, content_block: unknown): string =>
  sse('content_block_start', { type: 'content_block_start', index, content_block });
const delta = (index: number, d: unknown): string => sse('content_block_delta', { type: 'content_block_delta', index, delta: d });
const blockStop = (index: number): string => sse('content_block_stop', { type: 'content_block_stop', index });
const messageDelta = (stop_reason: string, output_tokens: number): string =>
  sse('message_delta', { type: 'message_delta', delta: { stop_reason, stop_sequence: null }, usage: { output_tokens } });
const MESSAGE_STOP = sse('message_stop', { type: 'message_stop' });

/** Multi-byte on purpose (2-, 3- and 4-byte UTF-8): splits land inside characters. */
export const TEXT_PIECES = ['Grüße, ', 'wörld — ', '日本語 ', '🌍✓'];
export const TEXT = TEXT_PIECES.join('');

/** A text stream: one text block, a ping inside it as the API sends, then stop and usage. */
export function textStream(
  model: string,
  stop = 'end_turn',
  pieces: string[] = TEXT_PIECES,
  usage = { input_tokens: 12, cache_creation_input_tokens: 5, cache_read_input_tokens: 3, output: 9 },
): string {
  const { output, ...input } = usage;
  return (
    messageStart(model, { ...input, output_tokens: 1 }) +
    blockStart(0, { type: 'text', text: '' }) +
    PING +
    pieces.map((t) => delta(0, { type: 'text_delta', text: t })).join('') +
    blockStop(0) +
    messageDelta(stop, output) +
    MESSAGE_STOP
  );
}

/** The part of a text stream before its block ends: what a cut-off stream has sent. */
export function textStreamHead(model: string, pieces: string[] = TEXT_PIECES): string {
  const s = textStream(model, 'end_turn', pieces);
  return s.slice(0, s.indexOf('event: content_block_stop'));
}

/** Splits text into pieces of `n` code points (never inside a character: the API doesn't). */
export function pieces(text: string, n = 4): string[] {
  const cps = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += n) out.push(cps.slice(i, i + n).join(''));
  return out;
}

export const PARALLEL_TOOLS = [
  { id: 'toolu_01AaaaAaaaAaaaAaaaAaaaAaaa', name: 'get_weather', pieces: ['', '{"city": ', '"Paris"}'] },
  { id: 'toolu_01BbbbBbbbBbbbBbbbBbbbBbbb', name: 'get_time', pieces: ['{"tz":"Eur', 'ope/Paris"}'] },
];

export function toolsStream(model: string, tools: { id: string; name: string; pieces: string[] }[] = PARALLEL_TOOLS): string {
  let s = messageStart(model, { input_tokens: 300, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 });
  tools.forEach((t, i) => {
    s += blockStart(i, { type: 'tool_use', id: t.id, name: t.name, input: {} });
    for (const p of t.pieces) s += delta(i, { type: 'input_json_delta', partial_json: p });
    s += blockStop(i);
  });
  return s + messageDelta('tool_use', 80) + MESSAGE_STOP;
}

export const THINKING = ['Let me think', ' about it.'];

function thinkingStream(model: string): string {
  return (
    messageStart(model, { input_tokens: 20, output_tokens: 1 }) +
    blockStart(0, { type: 'thinking', thinking: '' }) +
    THINKING.map((t) => delta(0, { type: 'thinking_delta', thinking: t })).join('') +
    delta(0, { type: 'signature_delta', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' }) +
    blockStop(0) +
    blockStart(1, { type: 'text', text: '' }) +
    delta(1, { type: 'text_delta', text: '42' }) +
    blockStop(1) +
    messageDelta('end_turn', 30) +
    MESSAGE_STOP
  );
}

/** A forced JSON tool (map.ts json_schema): its arguments are the answer. */
function jsonToolStream(model: string): string {
  return (
    messageStart(model, { input_tokens: 40, output_tokens: 1 }) +
    blockStart(0, { type: 'tool_use', id: 'toolu_01JsonJsonJsonJsonJsonJson', name: 'answer', input: {} }) +
    delta(0, { type: 'input_json_delta', partial_json: '{"answer":' }) +
    delta(0, { type: 'input_json_delta', partial_json: ' 42}' }) +
    blockStop(0) +
    messageDelta('tool_use', 12) +
    MESSAGE_STOP
  );
}

export interface ErrorScenario {
  status: number;
  type: string;
  message: string;
  headers?: Record<string, string>;
}

/** Rate-limit headers as recorded (§2.6), resets pushed into the future of `now`. */
export function rateLimitHeaders(nowMs: number, exhausted: boolean): Record<string, string> {
  const reset = new Date(nowMs + 30_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    'anthropic-ratelimit-requests-limit': '1000',
    'anthropic-ratelimit-requests-remaining': exhausted ? '0' : '999',
    'anthropic-ratelimit-requests-reset': reset,
    'anthropic-ratelimit-input-tokens-limit': '80000',
    'anthropic-ratelimit-input-tokens-remaining': '80000',
    'anthropic-ratelimit-input-tokens-reset': reset,
    'anthropic-ratelimit-output-tokens-limit': '16000',
    'anthropic-ratelimit-output-tokens-remaining': '16000',
    'anthropic-ratelimit-output-tokens-reset': reset,
  };
}

export const ERRORS: Record<string, ErrorScenario> = {
  error_400: { status: 400, type: 'invalid_request_error', message: 'messages: at least one message is required' },
  prompt_too_long: { status: 400, type: 'invalid_request_error', message: 'prompt is too long: 215023 tokens > 200000 maximum' },
  error_401: { status: 401, type: 'authentication_error', message: 'invalid x-api-key' },
  error_403: { status: 403, type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' },
  error_404: { status: 404, type: 'not_found_error', message: 'model: claude-does-not-exist' },
  error_413: { status: 413, type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  error_429: {
    status: 429,
    type: 'rate_limit_error',
    message: 'This request would exceed the rate limit for your organization of 1,000 requests per minute.',
    headers: { 'retry-after': '7' },
  },
  error_500: { status: 500, type: 'api_error', message: 'Internal server error' },
  error_529: { status: 529, type: 'overloaded_error', message: 'Overloaded' },
};

/** The error type the API sends with each status (§2.5). */
export function errorTypeFor(status: number): string {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    402: 'billing_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    504: 'timeout_error',
    529: 'overloaded_error',
  };
  return types[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export function errorBody(e: ErrorScenario): string {
  return JSON.stringify({ type: 'error', error: { type: e.type, message: e.message }, request_id: 'req_011CFakeFakeFakeFakeFake' });
}

/** Streams of the SSE scenarios. `cut` marks where the fake stops writing (reset / stall). */
export function streamFor(scenario: string, model: string): { body: string; cut?: 'reset' | 'stall' | 'end' } | undefined {
  const text = textStream(model);
  const firstHalf = textStreamHead(model);
  switch (scenario) {
    case 'basic_response':
    case 'tool_use_response':
      return { body: fixtureStream(scenario) };
    case 'text':
    case 'slow_first_byte':
      return { body: text };
    case 'max_tokens':
      return { body: textStream(model, 'max_tokens') };
    case 'refusal':
      return { body: textStream(model, 'refusal') };
    case 'parallel_tools':
      return { body: toolsStream(model) };
    case 'thinking':
      return { body: thinkingStream(model) };
    case 'json_tool':
      return { body: jsonToolStream(model) };
    case 'stream_error':
      // HTTP 200; the error event ends the stream with no message_stop (§2.4).
      return { body: firstHalf + STREAM_ERROR_EVENT('overloaded_error', 'Overloaded') };
    case 'linger':
      // Complete, but the connection stays open after message_stop.
      return { body: text, cut: 'stall' };
    case 'truncated':
      // Every block closed, but the body ends before message_delta: no stop reason, no usage.
      return { body: text.slice(0, text.indexOf('event: message_delta')), cut: 'end' };
    case 'no_message_stop':
      // The body ends right after message_delta (stop reason and output tokens are in).
      return { body: text.slice(0, text.indexOf('event: message_stop')), cut: 'end' };
    case 'reset_after_stop_reason':
      return { body: text.slice(0, text.indexOf('event: message_stop')), cut: 'reset' };
    case 'reset':
      return { body: firstHalf, cut: 'reset' };
    case 'stall':
      return { body: firstHalf, cut: 'stall' };
    case 'malformed':
      return { body: firstHalf + MALFORMED_EVENT };
    case 'empty':
      return { body: '', cut: 'end' };
    default:
      return undefined;
  }
}

export const MODELS = {
  data: [
    { type: 'model', id: 'claude-sonnet-4-20250514', display_name: 'Claude Sonnet 4', created_at: '2025-05-22T00:00:00Z' },
    { type: 'model', id: 'claude-3-5-haiku-20241022', display_name: 'Claude Haiku 3.5', created_at: '2024-10-22T00:00:00Z' },
  ],
  has_more: false,
  first_id: 'claude-sonnet-4-20250514',
  last_id: 'claude-3-5-haiku-20241022',
};
