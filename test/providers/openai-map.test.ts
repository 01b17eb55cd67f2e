// The OpenAI mapping against recorded cassettes (envoyproxy/ai-gateway, shared/fixtures/openai):
// the bodies we build must have the shapes the real API was sent, and the recorded responses
// (streams, errors) must decode to the right domain values. No network here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sseMessages } from '../../src/providers/framing/sse.js';
import { classifyHttpError } from '../../src/providers/http.js';
import { extractError, toOpenAiRequest } from '../../src/providers/openai/map.js';
import { OPENAI, OPENROUTER, presetDialect, usesMaxCompletionTokens } from '../../src/providers/openai/presets.js';
import { OpenAiStreamDecoder } from '../../src/providers/openai/stream.js';
import type { OaChunk } from '../../src/providers/openai/wire.js';
import type { ChatCall, ChatEvent, ChatMessage, ToolDef } from '../../src/providers/types.js';
import { FIXTURES } from '../fakes/openai.js';
import { textOf } from './conformance.js';

interface Interaction {
  request: { body: string };
  response: { code: number; body: string; headers: Record<string, string[]> };
}
function cassette(name: string): Interaction {
  const doc = parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as { interactions: Interaction[] };
  return doc.interactions[0]!;
}
const recordedBody = (name: string): Record<string, unknown> => JSON.parse(cassette(name).request.body) as Record<string, unknown>;

const msg = (role: ChatMessage['role'], content: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  role,
  content,
  parts: [],
  toolCalls: [],
  ...extra,
});
const call = (model: string, messages: ChatMessage[], extra: Partial<ChatCall> = {}): ChatCall => ({
  model,
  messages,
  options: {},
  tools: [],
  signal: new AbortController().signal,
  ...extra,
});
/** We always stream; the non-streaming cassettes are compared without the stream fields. */
function withoutStream(b: Record<string, unknown>): Record<string, unknown> {
  const { stream: _s, stream_options: _o, ...rest } = b;
  return rest;
}

const WEATHER: ToolDef = {
  name: 'get_current_weather',
  description: 'Get the current weather in a given location',
  parameters: {
    properties: {
      location: { description: 'The city and state, e.g. San Francisco, CA', type: 'string' },
      unit: { enum: ['celsius', 'fahrenheit'], type: 'string' },
    },
    required: ['location'],
    type: 'object',
  },
};

describe('request mapping vs recorded bodies', () => {
  it('chat-basic / chat-unknown-model / chat-no-messages', () => {
    expect(withoutStream(toOpenAiRequest(call('gpt-5-nano', [msg('user', 'Hello!')]), OPENAI))).toEqual(recordedBody('chat-basic.yaml'));
    expect(withoutStream(toOpenAiRequest(call('gpt-4.1-nano-wrong', [msg('user', 'Hello!')]), OPENAI))).toEqual(
      recordedBody('chat-unknown-model.yaml'),
    );
    expect(withoutStream(toOpenAiRequest(call('gpt-5-nano', []), OPENAI))).toEqual(recordedBody('chat-no-messages.yaml'));
  });

  it('chat-streaming and chat-streaming-detailed-usage (developer role, max_completion_tokens)', () => {
    const streaming = toOpenAiRequest(call('gpt-5-nano', [msg('user', 'Hello!')]), OPENAI);
    expect({ ...streaming, stream_options: undefined }).toEqual({ ...recordedBody('chat-streaming.yaml'), stream_options: undefined });
    const detailed = toOpenAiRequest(
      call('gpt-5-nano', [msg('system', "Hello, I'm a developer!")], { options: { maxOutputTokens: 100, temperature: 1 } }),
      OPENAI,
    );
    expect(detailed).toEqual(recordedBody('chat-streaming-detailed-usage.yaml'));
  });

  it('chat-tools and chat-parallel-tools', () => {
    const tools = call('gpt-5-nano', [msg('user', 'What is the weather like in Boston today?')], {
      tools: [WEATHER],
      toolChoice: { mode: 'auto' },
    });
    expect(withoutStream(toOpenAiRequest(tools, OPENAI))).toEqual(recordedBody('chat-tools.yaml'));
    const parallel = call('gpt-5-nano', [msg('user', 'What is the weather like in San Francisco?')], {
      tools: [WEATHER],
      toolChoice: { mode: 'auto' },
      providerOptions: { parallel_tool_calls: true },
    });
    expect(withoutStream(toOpenAiRequest(parallel, OPENAI))).toEqual(recordedBody('chat-parallel-tools.yaml'));
  });

  it('chat-bad-request: gpt-5 gets max_completion_tokens, never the rejected max_tokens', () => {
    const body = toOpenAiRequest(call('gpt-5-nano', [msg('user', 'x')], { options: { maxOutputTokens: 10 } }), OPENAI);
    expect(body.max_completion_tokens).toBe(10);
    expect(body).not.toHaveProperty('max_tokens');
    const i = cassette('chat-bad-request.yaml');
    const e = extractError(JSON.parse(i.response.body), '');
    const err = classifyHttpError(i.response.code, {}, e.message, 'openai', e.code);
    expect(err).toMatchObject({ kind: 'bad_request', details: { status: 400, upstreamCode: 'unsupported_parameter' } });
  });

  it('recorded 404 and embeddings 400 classify', () => {
    for (const [name, kind, code] of [
      ['chat-unknown-model.yaml', 'not_found', 'model_not_found'],
      ['embeddings-unknown-model.yaml', 'not_found', 'model_not_found'],
      ['embeddings-bad-request.yaml', 'bad_request', 'invalid_request_error'],
    ] as const) {
      const i = cassette(name);
      const e = extractError(JSON.parse(i.response.body), '');
      expect(classifyHttpError(i.response.code, {}, e.message, 'openai', e.code)).toMatchObject({ kind, details: { upstreamCode: code } });
    }
  });

  it('assistant tool calls, tool results, images and options', () => {
    const body = toOpenAiRequest(
      call(
        'gpt-4o',
        [
          msg('system', 'Be brief.'),
          msg('user', 'What is this?', {
            parts: [
              { type: 'image', url: 'https://x/y.png' },
              { type: 'image', data: new Uint8Array([1, 2, 3]), mimeType: 'image/png' },
            ],
          }),
          msg('assistant', '', { toolCalls: [{ id: 'call_1', name: 'get_current_weather', argumentsJson: '{"location":"Boston, MA"}' }] }),
          msg('tool', '{"temp": 61}', { toolCallId: 'call_1' }),
        ],
        {
          options: {
            maxOutputTokens: 64,
            topP: 0.9,
            topK: 5,
            stop: ['\n\n'],
            seed: 1,
            frequencyPenalty: 0.5,
            presencePenalty: -0.5,
            reasoningEffort: 'low',
            responseFormat: { type: 'json_schema', name: 'w', schema: { type: 'object' }, strict: true },
          },
          toolChoice: { mode: 'function', name: 'get_current_weather' },
          tools: [WEATHER],
        },
      ),
      OPENAI,
    );
    expect(body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://x/y.png' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AQID' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp": 61}' },
    ]);
    expect(body).toMatchObject({
      max_tokens: 64,
      top_p: 0.9,
      stop: ['\n\n'],
      seed: 1,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      reasoning_effort: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' }, strict: true } },
      tool_choice: { type: 'function', function: { name: 'get_current_weather' } },
    });
    expect(body).not.toHaveProperty('top_k');
  });

  it('presets: max-token field, drops and renames; OpenRouter reasoning', () => {
    const c = call('mistral-large-latest', [msg('user', 'x')], {
      options: { maxOutputTokens: 9, seed: 3, reasoningEffort: 'high', topK: 2 },
    });
    const mistral = toOpenAiRequest(c, presetDialect('mistral'));
    expect(mistral).toMatchObject({ max_tokens: 9, random_seed: 3 });
    expect(mistral).not.toHaveProperty('seed');
    expect(mistral).not.toHaveProperty('stream_options');
    expect(mistral).not.toHaveProperty('reasoning_effort');
    expect(toOpenAiRequest(c, presetDialect('groq'))).toMatchObject({ max_completion_tokens: 9 });
    expect(toOpenAiRequest(c, presetDialect('vllm'))).toMatchObject({ max_tokens: 9, top_k: 2, reasoning_effort: 'high' });
    expect(toOpenAiRequest(c, presetDialect('nonsense'))).toMatchObject({ max_tokens: 9 });
    expect(toOpenAiRequest(c, OPENROUTER)).toMatchObject({ reasoning: { effort: 'high' }, top_k: 2 });
    // A caller can re-add what a preset drops.
    expect(toOpenAiRequest({ ...c, providerOptions: { seed: 4 } }, presetDialect('mistral'))).toMatchObject({ seed: 4 });
  });

  it('knows which models need max_completion_tokens', () => {
    for (const m of ['o1', 'o1-mini', 'o3-mini', 'o4-mini-2025-04-16', 'gpt-5', 'gpt-5-nano', 'gpt-6o', 'openai/gpt-5.1'])
      expect(usesMaxCompletionTokens(m)).toBe(true);
    for (const m of ['gpt-4o', 'gpt-4.1-nano', 'gpt-3.5-turbo', 'omni-moderation', 'llama-3'])
      expect(usesMaxCompletionTokens(m)).toBe(false);
  });
});

async function* split(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
async function decode(body: string | Uint8Array, size: number): Promise<ChatEvent[]> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const d = new OpenAiStreamDecoder('openai');
  const out: ChatEvent[] = [];
  for await (const m of sseMessages(split(bytes, size))) {
    if (m.data.startsWith('[DONE]')) break;
    out.push(...d.push(JSON.parse(m.data) as OaChunk));
  }
  return [...out, ...d.end()];
}

describe('stream decoding of recorded responses', () => {
  it('chat-streaming.yaml: same text at every split size', async () => {
    const body = cassette('chat-streaming.yaml').response.body;
    const whole = await decode(body, body.length);
    expect(textOf(whole).length).toBeGreaterThan(10);
    expect(whole.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    for (const size of [1, 2, 3, 5, 64]) expect(await decode(body, size)).toEqual(whole);
  });

  it('chat-streaming-detailed-usage.yaml: reasoning tokens, length', async () => {
    const events = await decode(cassette('chat-streaming-detailed-usage.yaml').response.body, 7);
    expect(events).toEqual([
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 100, cachedInputTokens: 0, reasoningTokens: 100 } },
      { type: 'finish', reason: 'length' },
    ]);
  });

  it('a tool-call stream that ends with "stop" still finishes as tool_calls', async () => {
    const d = new OpenAiStreamDecoder('x');
    d.push({
      choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] } }],
    });
    d.push({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    expect(d.end()).toEqual([{ type: 'finish', reason: 'tool_calls' }]);
  });

  it('reasoning deltas (vLLM reasoning / reasoning_content) and id/name only once', () => {
    const d = new OpenAiStreamDecoder('x');
    expect(d.push({ choices: [{ index: 0, delta: { reasoning_content: 'hmm' } }] })).toEqual([
      { type: 'delta', text: '', reasoning: 'hmm' },
    ]);
    expect(d.push({ choices: [{ index: 0, delta: { reasoning: 'so', content: 'A' } }] })).toEqual([
      { type: 'delta', text: 'A', reasoning: 'so' },
    ]);
    d.push({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c', function: { name: 'f', arguments: '{' } }] } }] });
    expect(
      d.push({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c', function: { name: 'f', arguments: '}' } }] } }] }),
    ).toEqual([{ type: 'tool_call', index: 0, argumentsDelta: '}' }]);
  });
});
