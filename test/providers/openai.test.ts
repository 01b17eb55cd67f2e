// The OpenAI family through the shared conformance suite (OpenAI, an OpenAI-compatible preset,
// OpenRouter), plus what only this family does: recorded streams, usage details, cost, request
// shapes on the wire, embeddings and models.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Secret } from '../../src/config/secret.js';
import { chatEvents } from '../../src/providers/batches.js';
import { UpstreamError } from '../../src/providers/errors.js';
import { closeUpstreamPools } from '../../src/providers/http.js';
import { createAdapter } from '../../src/providers/index.js';
import { createOpenAiAdapter, createOpenAiCompatibleAdapter } from '../../src/providers/openai/adapter.js';
import { createOpenRouterAdapter } from '../../src/providers/openrouter/adapter.js';
import type { ProviderEndpoint, Timeouts } from '../../src/providers/types.js';
import { FIXTURES, OpenAiFake } from '../fakes/openai.js';
import { chatCall, collect, expectWellOrdered, runConformance, settle, textOf, toolCallsOf } from './conformance.js';

const KEY = 'sk-test-SECRET-123';
const endpoint = (kind: ProviderEndpoint['kind'], baseUrl: string, timeouts: Timeouts, preset?: string): ProviderEndpoint => ({
  id: `${kind}-fake`,
  kind,
  baseUrl,
  apiKey: new Secret(KEY),
  timeouts,
  ...(preset ? { preset } : {}),
});

runConformance({
  name: 'openai',
  fake: new OpenAiFake(),
  makeAdapter: (base, t) => createOpenAiAdapter(endpoint('openai', `${base}/v1`, t)),
});

runConformance({
  name: 'openai_compatible (vllm, CRLF framing)',
  fake: new OpenAiFake({ crlf: true }),
  makeAdapter: (base, t) => createOpenAiCompatibleAdapter(endpoint('openai_compatible', `${base}/v1`, t, 'vllm')),
});

runConformance({
  name: 'openrouter',
  fake: new OpenAiFake({ flavor: 'openrouter' }),
  makeAdapter: (base, t) => createOpenRouterAdapter(endpoint('openrouter', `${base}/api/v1`, t)),
});

const T: Timeouts = { connectMs: 2_000, firstByteMs: 5_000, idleMs: 5_000 };

describe('openai adapter specifics', () => {
  const fake = new OpenAiFake({ chunkSizes: [1, 2, 5, 3] });
  let base = '';
  beforeAll(async () => {
    base = await fake.start();
  });
  afterAll(async () => {
    await closeUpstreamPools();
    await fake.stop();
  });
  const openai = () => createOpenAiAdapter(endpoint('openai', `${base}/v1`, T));

  it('reads a long text stream exactly, through the text-delta template and around it', async () => {
    // Chunks like OpenAI's, most differing only in their text (read without JSON.parse), with
    // escapes, non-ASCII, a per-chunk obfuscation field, a refusal and a role chunk in between.
    const head =
      '{"id":"chatcmpl-t","object":"chat.completion.chunk","created":1,"model":"gpt-4o","system_fingerprint":"fp_1","choices":[{"index":0,"delta":';
    const tail = ',"logprobs":null,"finish_reason":null}]}';
    // Each as written on the wire, inside the JSON string literal.
    const texts = [' plain', ' \\"quoted\\"', ' back\\\\slash', ' é\\u00e9', ' \\ud83d\\ude00', ' new\\nline', '', ' end'];
    const data: string[] = [head + '{"role":"assistant","content":""}' + tail];
    const expected: string[] = [];
    for (let i = 0; i < 60; i++) {
      const t = texts[i % texts.length]!;
      if (i === 20) data.push(head + '{"content":" odd","refusal":"no"}' + tail);
      else if (i === 30) data.push(head.replace('"model":"gpt-4o",', '"model":"gpt-4o","obfuscation":"xy",') + '{"content":" obf"}' + tail);
      else data.push(head + '{"content":"' + t + '"}' + tail);
      expected.push(i === 20 ? ' odd' + 'no' : i === 30 ? ' obf' : (JSON.parse('"' + t + '"') as string));
    }
    data.push(head + '{},"logprobs":null,"finish_reason":"stop"}]}');
    data.push(
      '{"id":"chatcmpl-t","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":60,"total_tokens":63}}',
    );
    const body = data.map((d) => `data: ${d}\n\n`).join('') + 'data: [DONE]\n\n';
    const model = fake.script('template-stream', {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body,
      chunkSizes: [700, 333, 4096],
    });
    const events = await collect(chatEvents(openai(), chatCall(model)));
    expectWellOrdered(events);
    expect(textOf(events)).toBe(expected.join(''));
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('replays the recorded text stream with usage (038a5c69)', async () => {
    const events = await collect(
      chatEvents(openai(), chatCall('recorded:038a5c69c34c9513021b52aa61661f4f5bea321c0aac9e164f2ed3e409aebc48.bin')),
    );
    expectWellOrdered(events);
    expect(textOf(events).length).toBeGreaterThan(20);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    expect(events.find((e) => e.type === 'usage')).toBeTruthy();
  });

  it('replays the recorded parallel tool calls (453df473)', async () => {
    const events = await collect(
      chatEvents(openai(), chatCall('recorded:453df473e96274dd8ab61ab4d13dfcc25dc2f57a5e05eb5cc46c70b51d8845c2.bin')),
    );
    expectWellOrdered(events);
    const calls = toolCallsOf(events);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.id).toBe('call_2xjOUgaCdiwAcl9ZBL9LyMUU');
    expect(calls[1]?.name).toBe('get_stock_price');
    for (const c of calls) expect(() => JSON.parse(c.argumentsJson)).not.toThrow();
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });
  });

  it('replays the recorded single tool call and length finish', async () => {
    const one = await collect(
      chatEvents(openai(), chatCall('recorded:dae1b261f19722801adc82a13181772c3010c10b37e8af3996fbdbbecb3c32a2.bin')),
    );
    expect(toolCallsOf(one)).toEqual([
      { id: 'call_5uxEBMFySqqQGu02I5QHA8k6', name: 'get_weather', argumentsJson: '{"city":"New York City"}' },
    ]);
    expect(one.filter((e) => e.type === 'usage')).toEqual([
      { type: 'usage', usage: { inputTokens: 44, outputTokens: 16, cachedInputTokens: 0, reasoningTokens: 0 } },
    ]);
    const cut = await collect(
      chatEvents(openai(), chatCall('recorded:69363a555f8ea9b6eee0bb022af0afcd22d4f0e85418ab38ee24d2a570a84ff0.bin')),
    );
    expect(cut.at(-1)).toEqual({ type: 'finish', reason: 'length' });
  });

  it('reads cached and reasoning tokens; holds finish until after usage', async () => {
    const model = fake.script('detailed-usage', {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: fake.sse([
        fake.chunk({ delta: { role: 'assistant', content: '' } }),
        fake.chunk({ delta: {}, finish_reason: 'length' }),
        fake.usageChunk({
          prompt_tokens: 12,
          completion_tokens: 100,
          total_tokens: 112,
          prompt_tokens_details: { cached_tokens: 8, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 100, audio_tokens: 0 },
        }),
      ]),
    });
    const events = await collect(chatEvents(openai(), chatCall(model)));
    expect(events).toEqual([
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 100, cachedInputTokens: 8, reasoningTokens: 100 } },
      { type: 'finish', reason: 'length' },
    ]);
  });

  it('a stream with content but no finish_reason is interrupted, even with [DONE]', async () => {
    const model = fake.script('no-finish', {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: fake.sse([fake.chunk({ delta: { content: 'hi' } })]),
    });
    const { events, error } = await settle(chatEvents(openai(), chatCall(model)));
    expect(textOf(events)).toBe('hi');
    expect((error as UpstreamError).kind).toBe('stream_interrupted');
  });

  it('sends the mapped body, stream options and bearer auth', async () => {
    const model = fake.arrange({ type: 'text', text: 'ok', usage: { inputTokens: 1, outputTokens: 1 } });
    const call = { ...chatCall(model), options: { maxOutputTokens: 50, temperature: 0.2, seed: 7 }, providerOptions: { user: 'u-1' } };
    await collect(chatEvents(openai(), call));
    const req = fake.requests.at(-1)!;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body).toMatchObject({
      model,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 50,
      temperature: 0.2,
      seed: 7,
      user: 'u-1',
    });
  });

  it('classifies context_length_exceeded and never echoes the key', async () => {
    const model = fake.script('ctx', {
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: {
          message: `This model's maximum context length is 8192 tokens (key ${KEY})`,
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      }),
    });
    const { error } = await settle(chatEvents(openai(), chatCall(model)));
    expect((error as UpstreamError).kind).toBe('context_length_exceeded');
    expect((error as UpstreamError).details.upstreamCode).toBe('context_length_exceeded');
    expect(JSON.stringify({ m: (error as Error).message, d: (error as UpstreamError).details })).not.toContain(KEY);
  });

  it('content filter errors → content_filtered', async () => {
    const model = fake.script('filtered', {
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: {
          message: 'Your request was rejected by the safety system.',
          type: 'invalid_request_error',
          param: null,
          code: 'content_policy_violation',
        },
      }),
    });
    const { error } = await settle(chatEvents(openai(), chatCall(model)));
    expect((error as UpstreamError).kind).toBe('content_filtered');
  });

  it('embeds a batch in input order, with dimensions', async () => {
    const res = await openai().embed({
      model: 'text-embedding-3-small',
      inputs: ['a', 'bbb', 'cc'],
      dimensions: 2,
      signal: new AbortController().signal,
    });
    expect(res.vectors).toEqual([
      [0.01, 0.02],
      [0.03, 0.04],
      [0.02, 0.03],
    ]);
    expect(res.usage.inputTokens).toBe(3);
    expect(fake.requests.at(-1)!.body).toEqual({
      model: 'text-embedding-3-small',
      input: ['a', 'bbb', 'cc'],
      encoding_format: 'float',
      dimensions: 2,
    });
  });

  it('decodes recorded embeddings responses: float and base64 (1536 and 256 dims)', async () => {
    for (const [file, dims] of [
      ['embeddings-basic.yaml', 1536],
      ['embeddings-base64.yaml', 1536],
      ['embeddings-dimensions.yaml', 256],
    ] as const) {
      const doc = parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as { interactions: { response: { body: string } }[] };
      const model = fake.script(`emb-${file}`, {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: doc.interactions[0]!.response.body,
      });
      const res = await openai().embed({ model, inputs: ['x'], signal: new AbortController().signal });
      expect(res.vectors[0]).toHaveLength(dims);
      expect(res.vectors[0]!.every((v) => Number.isFinite(v) && Math.abs(v) < 1)).toBe(true);
    }
  });

  it('reuses the keep-alive connection after a complete stream', async () => {
    await closeUpstreamPools();
    const before = fake.http.connections;
    for (let i = 0; i < 3; i++) {
      const model = fake.arrange({ type: 'text', text: `run ${i}`, usage: { inputTokens: 1, outputTokens: 2 } });
      expect(textOf(await collect(chatEvents(openai(), chatCall(model))))).toBe(`run ${i}`);
      // The rest of the body (after [DONE]) is read in the background; give it a moment.
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(fake.http.connections - before).toBe(1);
  });

  it('silence longer than the idle timeout mid-stream → timeout', async () => {
    const model = fake.arrange({ type: 'hang', text: 'and then nothing' });
    const quick = createOpenAiAdapter(endpoint('openai', `${base}/v1`, { ...T, idleMs: 300 }));
    const { events, error } = await settle(chatEvents(quick, chatCall(model)));
    expect(textOf(events)).toBe('and then nothing');
    expect(error).toMatchObject({ kind: 'timeout' });
  });

  it('lists models', async () => {
    expect(await openai().listModels(new AbortController().signal)).toEqual(['gpt-4o', 'text-embedding-3-small']);
  });

  it('the factory builds the family adapters; no key for a hosted API → auth', async () => {
    const a = createAdapter(endpoint('openai', `${base}/v1`, T));
    expect(await a.listModels(new AbortController().signal)).toContain('gpt-4o');
    const noKey = createAdapter({ id: 'x', kind: 'openai', baseUrl: `${base}/v1`, timeouts: T });
    await expect(noKey.listModels(new AbortController().signal)).rejects.toMatchObject({ kind: 'auth' });
  });
});

describe('openai_compatible presets on the wire', () => {
  const fake = new OpenAiFake();
  let base = '';
  beforeAll(async () => {
    base = await fake.start();
  });
  afterAll(async () => {
    await closeUpstreamPools();
    await fake.stop();
  });

  it('a keyless local server gets no Authorization header; vLLM flat error bodies classify', async () => {
    const vllm = createAdapter({ id: 'local', kind: 'openai_compatible', preset: 'vllm', baseUrl: `${base}/v1`, timeouts: T });
    const model = fake.arrange({ type: 'text', text: 'ok', usage: { inputTokens: 1, outputTokens: 1 } });
    await collect(chatEvents(vllm, { ...chatCall(model), options: { maxOutputTokens: 5, topK: 3 } }));
    expect(fake.requests.at(-1)!.headers.authorization).toBeUndefined();
    expect(fake.requests.at(-1)!.body).toMatchObject({ max_tokens: 5, top_k: 3 });
    const flat = fake.script('flat', {
      status: 404,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ object: 'error', message: 'The model `x` does not exist.', type: 'NotFoundError', param: null, code: 404 }),
    });
    const { error } = await settle(chatEvents(vllm, chatCall(flat)));
    expect(error).toMatchObject({
      kind: 'not_found',
      message: 'The model `x` does not exist.',
      details: { upstreamCode: 'NotFoundError' },
    });
  });

  it('the factory loads other kinds lazily (ollama against this fake: a classified 404)', async () => {
    const ollama = createAdapter({ id: 'o', kind: 'ollama', baseUrl: base, timeouts: T });
    await expect(ollama.listModels(new AbortController().signal)).rejects.toBeInstanceOf(UpstreamError);
  });
});

describe('openrouter specifics', () => {
  const fake = new OpenAiFake({ flavor: 'openrouter', chunkSizes: [3, 8] });
  let base = '';
  beforeAll(async () => {
    base = await fake.start();
  });
  afterAll(async () => {
    await closeUpstreamPools();
    await fake.stop();
  });
  const or = () => createOpenRouterAdapter(endpoint('openrouter', `${base}/api/v1`, T));

  it('reports cost in exact pico-USD and passes provider preferences through', async () => {
    const model = fake.script('cost', {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: fake.sse([
        fake.chunk({ delta: { role: 'assistant', content: 'Salut' } }),
        fake.chunk({ delta: { role: 'assistant', content: '' }, finish_reason: 'stop' }),
        fake.usageChunk({
          prompt_tokens: 8,
          completion_tokens: 174,
          total_tokens: 182,
          cost: 0.00036531,
          prompt_tokens_details: { cached_tokens: 2 },
          completion_tokens_details: { reasoning_tokens: 173 },
        }),
      ]),
    });
    const provider = { order: ['anthropic', 'openai'], allow_fallbacks: false };
    const events = await collect(
      chatEvents(or(), { ...chatCall(model), options: { reasoningEffort: 'high', topK: 40 }, providerOptions: { provider } }),
    );
    expect(textOf(events)).toBe('Salut');
    expect(events.slice(-2)).toEqual([
      {
        type: 'usage',
        usage: { inputTokens: 8, outputTokens: 174, cachedInputTokens: 2, reasoningTokens: 173, reportedCost: 365_310_000n },
      },
      { type: 'finish', reason: 'stop' },
    ]);
    const req = fake.requests.at(-1)!;
    expect(req.path).toBe('/api/v1/chat/completions');
    expect(req.body).toMatchObject({ provider, reasoning: { effort: 'high' }, top_k: 40 });
    expect(req.body).not.toHaveProperty('stream_options');
  });

  it('an in-stream 429 error chunk → rate_limited', async () => {
    const model = fake.script('or-429', {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: fake.sse(
        [
          fake.chunk(
            { delta: { content: '' }, finish_reason: 'error' },
            { error: { code: 429, message: 'Rate limit exceeded', metadata: { error_type: 'rate_limit_exceeded' } } },
          ),
        ],
        { done: false },
      ),
    });
    const { error } = await settle(chatEvents(or(), chatCall(model)));
    expect(error).toMatchObject({ kind: 'rate_limited', details: { status: 429, upstreamCode: 'rate_limit_exceeded' } });
  });
});
