// POST /v1/chat/completions end to end: the official `openai` SDK against a real server in
// front of a fake OpenAI upstream. The SDK must see exactly what the upstream sent.
import OpenAI, { type APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLS, JSON_TEXT, KEY, lastUpstreamBody, POOR_KEY, startOpenAiEnv, TEXT, type OpenAiEnv } from './openai-fixtures.js';

let env: OpenAiEnv;
beforeAll(async () => {
  env = await startOpenAiEnv();
}, 60_000);
afterAll(async () => {
  await env?.stop();
});

const user = (content: string) => [{ role: 'user' as const, content }];

describe('chat completions with the openai SDK', () => {
  it('streams text with a usage chunk, ids from the decision', async () => {
    const { data: stream, response } = await env.client.chat.completions
      .create({ model: 'oai/text', messages: user('hi'), stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let text = '';
    const finishes: (string | null)[] = [];
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      for (const c of chunk.choices) {
        text += c.delta.content ?? '';
        if (c.finish_reason) finishes.push(c.finish_reason);
      }
    }
    expect(text).toBe(TEXT);
    expect(finishes).toEqual(['stop']);
    const decisionId = response.headers.get('x-switchyard-decision-id');
    expect(decisionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set([`chatcmpl-${decisionId}`]));
    expect(new Set(chunks.map((c) => c.model))).toEqual(new Set(['oai/text']));
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 });
  });

  it('streams two parallel tool calls that accumulate to what the upstream sent', async () => {
    const runner = env.client.chat.completions.stream({
      model: 'oai/tools',
      messages: user('weather and time in Paris?'),
      tools: CALLS.map((c) => ({ type: 'function' as const, function: { name: c.name, parameters: { type: 'object', properties: {} } } })),
      tool_choice: 'auto',
      parallel_tool_calls: true,
    });
    const final = await runner.finalChatCompletion();
    const choice = final.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls?.map((c) => c.type === 'function' && [c.id, c.function.name, c.function.arguments])).toEqual(
      CALLS.map((c) => [c.id, c.name, c.argumentsJson]),
    );
    const sent = lastUpstreamBody(env.upstream, 'e2e-tools');
    expect((sent.tools as unknown[]).length).toBe(2);
    expect(sent.tool_choice).toBe('auto');
    expect(sent.parallel_tool_calls).toBe(true);
  });

  it('answers without streaming: one chat.completion with usage', async () => {
    const { data, response } = await env.client.chat.completions.create({ model: 'chatty', messages: user('hi') }).withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('oai/text');
    expect(data.id).toBe(`chatcmpl-${response.headers.get('x-switchyard-decision-id')}`);
    expect(data.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: TEXT } });
    expect(data.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 });
  });

  it('passes json_schema output and the sampling parameters upstream', async () => {
    const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'] };
    const r = await env.client.chat.completions.create({
      model: 'oai/json',
      messages: [
        { role: 'system', content: 'extract' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Ada, 36' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          ],
        },
      ],
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } },
      max_completion_tokens: 200,
      temperature: 0.5,
      top_p: 0.9,
      stop: ['\n\n'],
      seed: 7,
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
      user: 'end-user-1',
    });
    expect(JSON.parse(r.choices[0]!.message.content!)).toEqual(JSON.parse(JSON_TEXT));
    const sent = lastUpstreamBody(env.upstream, 'e2e-json');
    expect(sent.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'person', schema, strict: true } });
    expect(sent).toMatchObject({ temperature: 0.5, top_p: 0.9, stop: ['\n\n'], seed: 7, frequency_penalty: 0.1, presence_penalty: 0.2 });
    expect(sent.max_completion_tokens ?? sent.max_tokens).toBe(200);
    expect(sent.user).toBe('end-user-1');
    expect(JSON.stringify(sent.messages)).toContain('https://example.com/a.png');
  });

  it('ends a stream that already sent text with an error event, not a silent cut', async () => {
    const stream = await env.client.chat.completions.create({ model: 'oai/broken', messages: user('hi'), stream: true });
    let text = '';
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(text).toBe('partial answer');
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as APIError).message).toMatch(/upstream fell over/);
  });

  it('a client that stops reading cancels the upstream request', async () => {
    const stream = await env.client.chat.completions.create({ model: 'oai/hang', messages: user('hi'), stream: true });
    for await (const chunk of stream) {
      // The first token arrived: the upstream is mid-stream (it never ends by itself).
      if (chunk.choices[0]?.delta.content) break; // ends the SDK's request
    }
    const req = [...env.upstream.requests].reverse().find((r) => (r.body as { model?: string }).model === 'e2e-hang');
    // Resolves only when Switchyard closed its upstream connection; the test times out otherwise.
    await req!.closed;
    expect(req!.closedAt).toBeDefined();
  });
});

describe('chat completion errors in OpenAI shape', () => {
  const refused = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected a refusal');
      },
      (err: unknown) => err as APIError,
    );

  it('refuses n > 1, logprobs and audio with a 400 naming each field', async () => {
    const err = await refused(
      env.client.chat.completions.create({
        model: 'oai/text',
        messages: user('hi'),
        n: 2,
        logprobs: true,
        modalities: ['text', 'audio'],
        audio: { voice: 'alloy', format: 'mp3' },
      }),
    );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.code).toBe('INVALID_FIELD');
    expect(err.param).toBe('n');
    expect(err.message).toMatch(/n: .*logprobs: .*audio: .*modalities: /s);
  });

  it('401 without a key, and x-api-key is a key', async () => {
    const anonymous = new OpenAI({ apiKey: 'sy_not_a_key_0123456789', baseURL: env.baseURL, maxRetries: 0 });
    const err = await refused(anonymous.models.list());
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.code).toBe('INVALID_API_KEY');
    const res = await fetch(`${env.baseURL}/models`, { headers: { 'x-api-key': KEY } });
    expect(res.status).toBe(200);
  });

  it('404 for an unknown model, 429 naming the budget, 5xx for a failed upstream', async () => {
    const missing = await refused(env.client.chat.completions.create({ model: 'no-such-model', messages: user('hi') }));
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.code).toBe('MODEL_NOT_FOUND');

    const poor = new OpenAI({ apiKey: POOR_KEY, baseURL: env.baseURL, maxRetries: 0 });
    const broke = await refused(poor.chat.completions.create({ model: 'oai/text', messages: user('hi') }));
    expect(broke).toBeInstanceOf(OpenAI.RateLimitError);
    expect(broke.code).toBe('BUDGET_EXHAUSTED');
    expect((broke.error as { metadata?: Record<string, string> }).metadata?.budget_id).toMatch(/\S/);

    const down = await refused(env.client.chat.completions.create({ model: 'oai/down', messages: user('hi'), stream: true }));
    expect(down).toBeInstanceOf(OpenAI.InternalServerError);
    expect(down.code).toBe('UPSTREAM_SERVER_ERROR');
    expect(down.headers?.get('x-switchyard-decision-id')).toMatch(/\S/);
  });

  it('reads privacy labels from x-switchyard-labels (a remote model is refused for local-only data)', async () => {
    const err = await refused(
      env.client.chat.completions.create(
        { model: 'oai/text', messages: user('hi') },
        { headers: { 'x-switchyard-labels': 'local_required=true; findings=pii.email,secret.aws' } },
      ),
    );
    expect(err.status).toBe(400);
    expect(err.code).toBe('NO_CANDIDATE');
    const bad = await refused(
      env.client.chat.completions.create(
        { model: 'oai/text', messages: user('hi') },
        { headers: { 'x-switchyard-labels': 'local_required=maybe' } },
      ),
    );
    expect(bad.param).toBe('x-switchyard-labels[local_required]');
  });
});

describe('SSE framing on the wire', () => {
  it('is data: {...} frames and a final data: [DONE]', async () => {
    const res = await fetch(`${env.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'oai/text', messages: user('hi'), stream: true, stream_options: { include_usage: true } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = await res.text();
    expect(body).toMatch(/^(data: \{[^\n]*\}\n\n)+data: \[DONE\]\n\n$/);
    const frames = body
      .split('\n\n')
      .filter((f) => f !== '' && f !== 'data: [DONE]')
      .map((f) => JSON.parse(f.slice('data: '.length)));
    expect(frames.map((f) => f.choices[0]?.delta?.content ?? '').join('')).toBe(TEXT);
    expect(frames[0].choices[0].delta.role).toBe('assistant');
    expect(frames.every((f) => f.object === 'chat.completion.chunk')).toBe(true);
  });
});
