// The Anthropic-compatible API's edges: keys (x-api-key and Bearer), errors in Anthropic's
// shape and status with the Switchyard reason, a budget refusal as 429, the failover point
// (an upstream failure after the first token is an `event: error` frame), and the SSE framing
// itself read with raw fetch.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY, POOR_KEY, startOpenAiEnv, TEXT, type OpenAiEnv } from './openai-fixtures.js';

let env: OpenAiEnv;
let client: Anthropic;
let url: string;
beforeAll(async () => {
  env = await startOpenAiEnv();
  url = `${env.server.httpUrl}/v1/messages`;
  client = new Anthropic({ apiKey: KEY, baseURL: env.server.httpUrl, maxRetries: 0 });
}, 60_000);
afterAll(async () => {
  await env?.stop();
});

const body = (model: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...extra });
const post = (payload: string, headers: Record<string, string> = { 'x-api-key': KEY }, path = url) =>
  fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });

/** The frames of an SSE body: each `event:` name with its parsed data. */
function frames(text: string): { event: string; data: Record<string, unknown> }[] {
  return text
    .split('\n\n')
    .filter((f) => f.trim() !== '')
    .map((f) => {
      const event = /^event: (.*)$/m.exec(f)?.[1] ?? '';
      const data = JSON.parse(/^data: (.*)$/m.exec(f)?.[1] ?? 'null') as Record<string, unknown>;
      return { event, data };
    });
}

describe('Anthropic API framing and errors', () => {
  it('frames every event as `event: <type>` with the same type in its data', async () => {
    const res = await post(body('oai/text', { stream: true }), { authorization: `Bearer ${KEY}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-switchyard-decision-id')).toMatch(/^[0-9a-f-]{36}$/);
    const fs = frames(await res.text());
    for (const f of fs) expect(f.data.type).toBe(f.event);
    expect(fs.map((f) => f.event).filter((e, i, all) => e !== all[i - 1])).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const text = fs.map((f) => (f.data.delta as { text?: string } | undefined)?.text ?? '').join('');
    expect(text).toBe(TEXT);
    expect(fs.at(-2)?.data).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 12, output_tokens: 9 } });
  });

  it('ends a stream that already sent text with an error event, not a silent cut', async () => {
    const res = await post(body('oai/broken', { stream: true }));
    expect(res.status).toBe(200);
    const fs = frames(await res.text());
    expect(fs.at(-1)).toMatchObject({
      event: 'error',
      data: {
        type: 'error',
        error: { type: 'api_error', message: expect.stringMatching(/upstream fell over/), reason: 'UPSTREAM_SERVER_ERROR' },
      },
    });
    expect(fs.some((f) => f.event === 'message_stop')).toBe(false);

    const stream = client.messages.stream({ model: 'oai/broken', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const failure = await stream.finalMessage().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(text).toBe('partial answer');
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect(String((failure as Error).message)).toMatch(/upstream fell over/);
  });

  it('an upstream failure before the first token is an HTTP error with its status', async () => {
    const res = await post(body('oai/down', { stream: true }));
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.headers.get('x-switchyard-decision-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'api_error', reason: expect.stringMatching(/^UPSTREAM_/) } });
  });

  it('refuses a bad key with 401 and a missing one naming both headers', async () => {
    const bad = client.withOptions({ apiKey: 'sy_not_a_real_key_000000000000' });
    const err = await bad.messages
      .create({ model: 'oai/text', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });
    const missing = await post(body('oai/text'), {});
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/x-api-key/);
  });

  it('refuses a call over budget with 429 naming the budget', async () => {
    const poor = client.withOptions({ apiKey: POOR_KEY });
    const err = await poor.messages
      .create({ model: 'oai/text', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const e = err as InstanceType<typeof Anthropic.APIError>;
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', reason: 'BUDGET_EXHAUSTED' } });
    expect(JSON.stringify(e.error)).toMatch(/poor/);
    // The refusal was recorded as a decision, and the answer names it.
    expect(e.headers?.get('x-switchyard-decision-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('names the bad fields in a 400, in Anthropic field names', async () => {
    const res = await post(
      JSON.stringify({
        model: 'oai/text',
        messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }],
        tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      }),
    );
    expect(res.status).toBe(400);
    const e = ((await res.json()) as { error: { type: string; message: string; reason: string } }).error;
    expect(e.type).toBe('invalid_request_error');
    expect(e.reason).toBe('INVALID_FIELD');
    for (const field of ['max_tokens', 'messages.0.content.0', 'tools.0']) expect(e.message).toContain(field);
    const junk = await post('{not json');
    expect(junk.status).toBe(400);
    expect(await junk.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', reason: 'INVALID_JSON' } });
    const header = await post(body('oai/text'), { 'x-api-key': KEY, 'x-switchyard-strategy': 'fastest-please' });
    expect(((await header.json()) as { error: { message: string } }).error.message).toContain('x-switchyard-strategy');
  });

  it('owns /v1/messages and below only; the OpenAI API keeps the rest of /v1/', async () => {
    const get = await fetch(url, { headers: { 'x-api-key': KEY } });
    expect(get.status).toBe(405);
    expect(await get.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const unknown = await post(body('oai/text'), { 'x-api-key': KEY }, `${url}/batches`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    const openAi = await fetch(`${env.server.httpUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'oai/text', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(((await openAi.json()) as { object: string }).object).toBe('chat.completion');
  });
});
