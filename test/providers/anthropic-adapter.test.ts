// Anthropic adapter specifics beyond the shared conformance suite: what goes on the wire,
// Anthropic's rate-limit headers, non-JSON error bodies, forced-JSON output, models, embed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { createAnthropicAdapter } from '../../src/providers/anthropic/adapter.js';
import { chatEvents } from '../../src/providers/batches.js';
import { toMessagesRequest } from '../../src/providers/anthropic/map.js';
import { UpstreamError } from '../../src/providers/errors.js';
import { closeUpstreamPools } from '../../src/providers/http.js';
import { DEFAULT_TIMEOUTS, type ChatCall, type ProviderAdapter } from '../../src/providers/types.js';
import { errorPlan, startAnthropicFake, type AnthropicFake } from '../fakes/anthropic.js';
import { MODELS, TEXT } from '../fakes/anthropic-scenarios.js';
import { chatCall, collect, settle, textOf } from './conformance.js';

const KEY = 'sk-ant-api03-secret-value';
let fake: AnthropicFake;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await startAnthropicFake({ chunk: 3 });
  adapter = createAnthropicAdapter({
    id: 'anthropic',
    kind: 'anthropic',
    baseUrl: fake.url,
    apiKey: new Secret(KEY),
    timeouts: DEFAULT_TIMEOUTS,
  });
});
afterAll(async () => {
  await closeUpstreamPools();
  await fake.close();
});

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  expect(String((err as Error).message)).not.toContain(KEY);
  return err as UpstreamError;
}

describe('anthropic adapter over HTTP', () => {
  it('POSTs /v1/messages with x-api-key, anthropic-version and the mapped body', async () => {
    const call: ChatCall = {
      ...chatCall('text'),
      messages: [
        { role: 'system', content: 'Be brief.', parts: [], toolCalls: [] },
        { role: 'user', content: 'Hi', parts: [], toolCalls: [] },
      ],
      options: { maxOutputTokens: 64, temperature: 0.1 },
    };
    const events = await collect(chatEvents(adapter, call));
    expect(textOf(events)).toBe(TEXT);
    const req = fake.requests.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/messages');
    expect(req.headers['x-api-key']).toBe(KEY);
    expect(req.headers['anthropic-version']).toBe('2023-06-01');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['authorization']).toBeUndefined();
    expect(req.body).toEqual(JSON.parse(JSON.stringify(toMessagesRequest(call).body)));
    expect(req.body).toMatchObject({ stream: true, system: 'Be brief.', max_tokens: 64 });
  });

  it('replays both recorded streams with CRLF framing and 1-byte writes', async () => {
    fake.framing = { ...fake.framing, chunk: 1, crlf: true };
    try {
      expect(textOf(await collect(chatEvents(adapter, chatCall('basic_response'))))).toBe('Hello there!');
      const events = await collect(chatEvents(adapter, chatCall('tool_use_response')));
      expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });
    } finally {
      fake.framing = { ...fake.framing, chunk: 3, crlf: false };
    }
  });

  it('429 without retry-after: the wait comes from the exhausted anthropic-ratelimit-*-reset', async () => {
    const model = fake.arrange(
      errorPlan({ status: 429, type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' }),
    );
    const err = await failure(collect(chatEvents(adapter, chatCall(model))));
    expect(err.kind).toBe('rate_limited');
    expect(err.details.upstreamCode).toBe('rate_limit_error');
    // The fake resets 30 s ahead, at whole-second precision (RFC 3339 without fractions).
    expect(err.details.retryAfterMs).toBeGreaterThan(28_000);
    expect(err.details.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('non-JSON error bodies (Cloudflare 413, empty 502) are still classified by status', async () => {
    const html = fake.arrange({ status: 413, headers: { 'content-type': 'text/html' }, body: '<html>413 Request Entity Too Large</html>' });
    const e413 = await failure(collect(chatEvents(adapter, chatCall(html))));
    expect(e413.kind).toBe('context_length_exceeded');
    expect(e413.message).toContain('413 Request Entity Too Large');
    const empty = fake.arrange({ status: 502, body: '' });
    const e502 = await failure(collect(chatEvents(adapter, chatCall(empty))));
    expect(e502).toMatchObject({ kind: 'server_error', message: 'HTTP 502' });
  });

  it('an overloaded_error body under another 5xx status still reads as overloaded', async () => {
    const model = fake.arrange(errorPlan({ status: 500, type: 'overloaded_error', message: 'Overloaded' }));
    expect((await failure(collect(chatEvents(adapter, chatCall(model))))).kind).toBe('overloaded');
  });

  it('a stream cut before message_delta is interrupted, not finished', async () => {
    const { events, error } = await settle(chatEvents(adapter, chatCall('truncated')));
    expect((error as UpstreamError).kind).toBe('stream_interrupted');
    expect(events.some((e) => e.type === 'finish' || e.type === 'usage')).toBe(false);
    expect((await failure(collect(chatEvents(adapter, chatCall('reset'))))).kind).toBe('stream_interrupted');
  });

  it('a stream cut after message_delta (no message_stop: EOF or reset) finishes with its stop reason and usage', async () => {
    for (const scenario of ['no_message_stop', 'reset_after_stop_reason']) {
      const { events, error } = await settle(chatEvents(adapter, chatCall(scenario)));
      expect(error).toBeUndefined();
      expect(events.slice(-2)).toEqual([
        { type: 'usage', usage: { inputTokens: 20, outputTokens: 9, cachedInputTokens: 3, reasoningTokens: 0 } },
        { type: 'finish', reason: 'stop' },
      ]);
    }
  });

  it('reads the body to its end before finish, so the socket is reused even if the caller stops at finish', async () => {
    await collect(chatEvents(adapter, chatCall('text')));
    // The pool may open a second socket while the first call's is being handed back; from
    // then on, calls that stop at finish must not add any.
    for await (const e of chatEvents(adapter, chatCall('text'))) if (e.type === 'finish') break;
    const before = fake.connections;
    for (let i = 0; i < 3; i++) {
      for await (const e of chatEvents(adapter, chatCall('text'))) if (e.type === 'finish') break;
    }
    expect(fake.connections).toBe(before);
  });

  it('a server that keeps the connection open after message_stop still finishes promptly', async () => {
    const started = Date.now();
    const events = await collect(chatEvents(adapter, chatCall('linger')));
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a slow first byte within firstByteMs is fine', async () => {
    expect(textOf(await collect(chatEvents(adapter, chatCall('slow_first_byte'))))).toBe(TEXT);
  });

  it('json_schema output via the forced tool comes back as text', async () => {
    const call: ChatCall = {
      ...chatCall('json_tool'),
      options: {
        responseFormat: {
          type: 'json_schema',
          name: 'answer',
          schema: { type: 'object', properties: { answer: { type: 'number' } } },
          strict: true,
        },
      },
    };
    const events = await collect(chatEvents(adapter, call));
    expect(textOf(events)).toBe('{"answer": 42}');
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    expect(fake.requests.at(-1)!.body.tool_choice).toEqual({ type: 'tool', name: 'answer' });
  });

  it('an already aborted signal throws its reason before any request', async () => {
    const ac = new AbortController();
    const reason = new Error('gone');
    ac.abort(reason);
    const before = fake.requests.length;
    await expect(collect(chatEvents(adapter, chatCall('text', ac.signal)))).rejects.toBe(reason);
    expect(fake.requests.length).toBe(before);
  });

  it('listModels: GET /v1/models → data[].id', async () => {
    expect(await adapter.listModels(new AbortController().signal)).toEqual(MODELS.data.map((m) => m.id));
    const req = fake.requests.at(-1)!;
    expect(req.method).toBe('GET');
    expect(req.path).toBe('/v1/models?limit=1000');
    expect(req.headers['x-api-key']).toBe(KEY);
  });

  it('embed: Anthropic has no embeddings endpoint', async () => {
    const err = await failure(adapter.embed({ model: 'x', inputs: ['a'], signal: new AbortController().signal }));
    expect(err.kind).toBe('bad_request');
    expect(err.message).toBe('anthropic has no embeddings endpoint');
  });

  it('without an API key the request goes out keyless (and the API says auth)', async () => {
    const keyless = createAnthropicAdapter({ id: 'anthropic', kind: 'anthropic', baseUrl: fake.url, timeouts: DEFAULT_TIMEOUTS });
    expect((await failure(collect(chatEvents(keyless, chatCall('text'))))).kind).toBe('auth');
    expect(fake.requests.at(-1)!.headers['x-api-key']).toBeUndefined();
  });
});
