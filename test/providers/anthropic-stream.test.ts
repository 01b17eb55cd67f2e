// Stream decoding (bytes → SSE → ChatEvents) of the recorded and generated Anthropic streams,
// split at every byte boundary and with CRLF framing, without any network.
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/providers/errors.js';
import { sseMessages } from '../../src/providers/framing/sse.js';
import { AnthropicStreamDecoder, errorKind, finishReason } from '../../src/providers/anthropic/stream.js';
import type { ChatEvent } from '../../src/providers/types.js';
import { splitBody } from '../fakes/anthropic.js';
import { PARALLEL_TOOLS, TEXT, THINKING, fixtureStream, streamFor } from '../fakes/anthropic-scenarios.js';

async function* iterate(chunks: Buffer[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

async function decode(text: string, opts: { chunk?: number; seed?: number; crlf?: boolean; jsonTool?: string } = {}) {
  const decoder = new AnthropicStreamDecoder('anthropic', opts.jsonTool);
  const events: ChatEvent[] = [];
  const chunks = splitBody(text, { chunk: opts.chunk ?? 0, seed: opts.seed ?? 1, crlf: opts.crlf ?? false });
  for await (const m of sseMessages(iterate(chunks))) events.push(...decoder.push(m));
  events.push(...decoder.end());
  return events;
}

async function failure(text: string): Promise<UpstreamError> {
  const err = await decode(text).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

const BASIC: ChatEvent[] = [
  { type: 'delta', text: 'Hello' },
  { type: 'delta', text: ' there' },
  { type: 'delta', text: '!' },
  { type: 'usage', usage: { inputTokens: 11, outputTokens: 6, cachedInputTokens: 0, reasoningTokens: 0 } },
  { type: 'finish', reason: 'stop' },
];

const TOOL_USE: ChatEvent[] = [
  { type: 'delta', text: 'I' },
  { type: 'delta', text: "'ll check the current weather in Paris for you." },
  { type: 'tool_call', index: 0, id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather', argumentsDelta: '' },
  { type: 'tool_call', index: 0, argumentsDelta: '{"locati' },
  { type: 'tool_call', index: 0, argumentsDelta: 'on": "P' },
  { type: 'tool_call', index: 0, argumentsDelta: 'ar' },
  { type: 'tool_call', index: 0, argumentsDelta: 'is"}' },
  { type: 'usage', usage: { inputTokens: 377, outputTokens: 65, cachedInputTokens: 0, reasoningTokens: 0 } },
  { type: 'finish', reason: 'tool_calls' },
];

const text = (events: ChatEvent[]) => events.map((e) => (e.type === 'delta' ? e.text : '')).join('');

describe('anthropic stream decoding: recorded fixtures', () => {
  it('basic_response.txt → exact events', async () => {
    expect(await decode(fixtureStream('basic_response'))).toEqual(BASIC);
  });

  it('tool_use_response.txt → exact events', async () => {
    expect(await decode(fixtureStream('tool_use_response'))).toEqual(TOOL_USE);
  });

  it('same events at every chunk size 1..64, random splits, and CRLF framing', async () => {
    for (const [name, want] of [
      ['basic_response', BASIC],
      ['tool_use_response', TOOL_USE],
    ] as const) {
      for (let chunk = 1; chunk <= 64; chunk++) {
        expect(await decode(fixtureStream(name), { chunk, seed: chunk })).toEqual(want);
        expect(await decode(fixtureStream(name), { chunk, seed: chunk * 7, crlf: true })).toEqual(want);
      }
    }
  });

  it('the fixture as stored: message_stop lacks its blank line, so it is dropped, and message_delta finishes', async () => {
    const stored = fixtureStream('basic_response');
    expect(stored.endsWith('{"type":"message_stop"}')).toBe(true);
    const events: string[] = [];
    for await (const m of sseMessages(iterate([Buffer.from(stored)]))) events.push(m.event ?? '');
    expect(events.at(-1)).toBe('message_delta');
    expect(await decode(stored)).toEqual(BASIC);
    // With the blank line restored, message_stop itself finishes: the same events.
    expect(await decode(`${stored}\n\n`)).toEqual(BASIC);
  });

  it('message_delta with a stop reason is the terminal information; without it the stream was cut', async () => {
    const full = fixtureStream('basic_response');
    const afterDelta = full.slice(0, full.indexOf('event: message_stop'));
    expect(await decode(afterDelta)).toEqual(BASIC);
    expect((await failure(full.slice(0, full.indexOf('event: message_delta')))).kind).toBe('stream_interrupted');
    // A message_delta without a stop reason (usage only) is not terminal.
    const noStop = afterDelta.replace('"stop_reason":"end_turn"', '"stop_reason":null');
    expect((await failure(noStop)).kind).toBe('stream_interrupted');
  });
});

describe('anthropic stream decoding: generated streams', () => {
  it('multi-byte text split inside characters; usage counts cache reads and writes as input', async () => {
    const body = streamFor('text', 'm')!.body;
    for (let chunk = 1; chunk <= 9; chunk++) {
      const events = await decode(body, { chunk, seed: 3 * chunk, crlf: chunk % 2 === 0 });
      expect(text(events)).toBe(TEXT);
      expect(events.at(-2)).toEqual({
        type: 'usage',
        usage: { inputTokens: 12 + 5 + 3, outputTokens: 9, cachedInputTokens: 3, reasoningTokens: 0 },
      });
      expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    }
  });

  it('two parallel tool_use blocks → tool-call indexes 0 and 1; an empty input reads as {}', async () => {
    const events = await decode(streamFor('parallel_tools', 'm')!.body, { chunk: 5 });
    const calls = new Map<number, { id?: string; name?: string; args: string }>();
    for (const e of events) {
      if (e.type !== 'tool_call') continue;
      const c = calls.get(e.index) ?? { args: '' };
      if (e.id) c.id = e.id;
      if (e.name) c.name = e.name;
      c.args += e.argumentsDelta;
      calls.set(e.index, c);
    }
    expect([...calls.entries()]).toEqual(PARALLEL_TOOLS.map((t, i) => [i, { id: t.id, name: t.name, args: t.pieces.join('') }]));
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });

    const empty =
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"x","usage":{"input_tokens":1}}}\n\n' +
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"now","input":{}}}\n\n' +
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":3}}\n\n' +
      'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    const ev = await decode(empty);
    expect(
      ev
        .filter((e) => e.type === 'tool_call')
        .map((e) => (e as { argumentsDelta: string }).argumentsDelta)
        .join(''),
    ).toBe('{}');
  });

  it('thinking deltas → delta.reasoning; the signature is not surfaced', async () => {
    const events = await decode(streamFor('thinking', 'm')!.body, { chunk: 3 });
    expect(events.filter((e) => e.type === 'delta')).toEqual([
      ...THINKING.map((t) => ({ type: 'delta', text: '', reasoning: t })),
      { type: 'delta', text: '42' },
    ]);
  });

  it('the forced JSON tool streams as text and finishes with stop', async () => {
    const events = await decode(streamFor('json_tool', 'm')!.body, { jsonTool: 'answer' });
    expect(text(events)).toBe('{"answer": 42}');
    expect(events.some((e) => e.type === 'tool_call')).toBe(false);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('an in-stream error event → classified UpstreamError with the upstream type', async () => {
    const err = await failure(streamFor('stream_error', 'm')!.body);
    expect(err.kind).toBe('overloaded');
    expect(err.details.upstreamCode).toBe('overloaded_error');
    expect(err.message).toBe('Overloaded');
  });

  it('malformed JSON, EOF before message_delta and an empty body → stream_interrupted', async () => {
    for (const s of ['malformed', 'truncated', 'empty']) {
      expect((await failure(streamFor(s, 'm')!.body)).kind).toBe('stream_interrupted');
    }
  });

  it('ignores pings, unnamed and unknown events', async () => {
    const noisy = fixtureStream('basic_response').replace(
      'event: content_block_stop',
      'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"NO"}}\n\n' +
        'event: future_event\ndata: {not json}\n\n: a comment\n\nevent: content_block_stop',
    );
    expect(await decode(noisy)).toEqual(BASIC);
  });
});

describe('anthropic error and stop-reason tables', () => {
  it.each([
    ['overloaded_error', 'Overloaded', 'overloaded'],
    ['rate_limit_error', 'slow down', 'rate_limited'],
    ['api_error', 'boom', 'server_error'],
    ['timeout_error', 'late', 'timeout'],
    ['authentication_error', 'bad key', 'auth'],
    ['permission_error', 'no', 'auth'],
    ['billing_error', 'pay', 'auth'],
    ['not_found_error', 'model: x', 'not_found'],
    ['request_too_large', 'too big', 'context_length_exceeded'],
    ['invalid_request_error', 'prompt is too long: 300000 tokens > 200000 maximum', 'context_length_exceeded'],
    ['invalid_request_error', 'max_tokens: Field required', 'bad_request'],
    ['brand_new_error', '?', 'server_error'],
  ])('%s (%s) → %s', (type, message, kind) => {
    expect(errorKind(type, message)).toBe(kind);
  });

  it('stop reasons', () => {
    expect(finishReason('end_turn')).toBe('stop');
    expect(finishReason('stop_sequence')).toBe('stop');
    expect(finishReason('max_tokens')).toBe('length');
    expect(finishReason('tool_use')).toBe('tool_calls');
    expect(finishReason('refusal')).toBe('content_filter');
    expect(finishReason(null)).toBe('stop');
  });
});
