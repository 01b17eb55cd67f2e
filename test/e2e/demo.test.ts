// A first run without provider keys: `switchyard serve` in dev mode with no provider turns the
// demo provider on (the same as --demo), and every way in answers from it: gRPC (grpc-js with
// the .proto loaded independently), Connect JSON, the OpenAI- and Anthropic-compatible HTTP APIs.
import * as grpc from '@grpc/grpc-js';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../gen/switchyard/v1/common_pb.js';
import { RouterService } from '../../gen/switchyard/v1/router_pb.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { type Any, call, grpcClients, type Clients, userMessage } from './fixtures.js';

let server: TestServer;
let c: Clients;

beforeAll(async () => {
  // No config file, no key: dev mode, and `auto` is what `switchyard serve` passes.
  server = await startTestServer({ demo: 'auto' });
  c = grpcClients(server.grpcAddress);
}, 60_000);

afterAll(async () => {
  c?.close();
  await server?.stop();
});

const PROMPT = 'Hello, Switchyard demo!';
// 3 (reply) + 4 (one message) + ceil(23 / 4): the planner's heuristic (routing/estimate.ts).
const INPUT_TOKENS = 13;
const OUTPUT_TOKENS = 6;

function grpcChat(req: object): Promise<Any[]> {
  const stream = c.router.Chat(req, new grpc.Metadata()) as grpc.ClientReadableStream<Any>;
  return new Promise((resolve, reject) => {
    const out: Any[] = [];
    stream.on('data', (m: Any) => out.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

const connect = () => createClient(RouterService, createConnectTransport({ baseUrl: server.httpUrl, httpVersion: '1.1' }));

async function openAi(body: object): Promise<{ status: number; json: Any }> {
  const res = await fetch(`${server.httpUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('demo provider, on in dev mode without providers', () => {
  it('says so at start-up', () => {
    expect(server.logs.some((l) => l.includes('DEMO provider on') && l.includes('dev_mode_without_providers'))).toBe(true);
  });

  it('gRPC Chat: route to provider demo, the echoed text, usage at cost 0', async () => {
    const evs = await grpcChat({ model: 'demo/echo', messages: [userMessage(PROMPT)] });
    expect(evs[0].route).toMatchObject({ provider: 'demo', model: 'demo/echo', upstream_model: 'echo' });
    const text = evs
      .filter((e) => e.event === 'delta')
      .map((e) => e.delta.text)
      .join('');
    expect(text).toBe(PROMPT);
    expect(evs.at(-2).usage).toMatchObject({ input_tokens: String(INPUT_TOKENS), output_tokens: String(OUTPUT_TOKENS), cost: '0' });
    expect(evs.at(-1).finish.reason).toBe('FINISH_REASON_STOP');
  });

  it('gRPC Route and Embed answer from demo models', async () => {
    const route = await call(c.router, 'Route', { model: 'demo/echo', messages: [userMessage(PROMPT)] });
    expect(route.candidates[0]).toMatchObject({ provider: 'demo', model: 'demo/echo' });
    const embed = await call(c.router, 'Embed', { model: 'demo/embed', inputs: ['a', 'b'] });
    expect(embed.embeddings).toHaveLength(2);
    expect(embed.embeddings[0].values).toHaveLength(64);
  });

  it('Connect JSON Chat: the same text and usage, a tool call from demo/tools', async () => {
    const client = connect();
    let text = '';
    const usage: Any[] = [];
    let provider = '';
    for await (const m of client.chat({ model: 'demo/echo', messages: [{ role: Role.USER, content: PROMPT }] })) {
      if (m.event.case === 'route') provider = m.event.value.provider;
      if (m.event.case === 'delta') text += m.event.value.text;
      if (m.event.case === 'usage') usage.push(m.event.value);
    }
    expect(provider).toBe('demo');
    expect(text).toBe(PROMPT);
    expect(usage).toEqual([expect.objectContaining({ inputTokens: BigInt(INPUT_TOKENS), outputTokens: BigInt(OUTPUT_TOKENS), cost: 0n })]);

    const calls: Any[] = [];
    const tools = [
      {
        name: 'get_weather',
        description: '',
        parametersJsonSchema: '{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}',
      },
    ];
    for await (const m of client.chat({ model: 'demo/tools', messages: [{ role: Role.USER, content: 'Paris' }], tools })) {
      if (m.event.case === 'toolCall') calls.push(m.event.value);
    }
    expect(calls).toEqual([expect.objectContaining({ name: 'get_weather', argumentsDelta: '{"city":"Paris"}' })]);
  });

  it('OpenAI-compatible /v1/chat/completions: the echoed text, a reply set by the demo option, usage', async () => {
    const plain = await openAi({ model: 'demo/echo', messages: [{ role: 'user', content: PROMPT }] });
    expect(plain.status).toBe(200);
    expect(plain.json.choices[0].message.content).toBe(PROMPT);
    expect(plain.json.usage).toMatchObject({ prompt_tokens: INPUT_TOKENS, completion_tokens: OUTPUT_TOKENS });
    const scripted = await openAi({ model: 'demo/echo', messages: [{ role: 'user', content: 'x' }], demo: { reply: 'canned answer' } });
    expect(scripted.json.choices[0].message.content).toBe('canned answer');
  });

  it('Anthropic-compatible /v1/messages: the echoed text and usage', async () => {
    const res = await fetch(`${server.httpUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'demo/echo', max_tokens: 100, messages: [{ role: 'user', content: PROMPT }] }),
    });
    const json: Any = await res.json();
    expect(res.status).toBe(200);
    expect(json.content).toEqual([expect.objectContaining({ type: 'text', text: PROMPT })]);
    expect(json.usage).toMatchObject({ input_tokens: INPUT_TOKENS, output_tokens: OUTPUT_TOKENS });
  });

  // Failures last: they count against the demo endpoint's health.
  it('a failure on request is the typed error on every way in', async () => {
    const fail = JSON.stringify({ demo: { fail: 'rate_limited' } });
    const evs = await grpcChat({ model: 'demo/echo', messages: [userMessage('x')], provider_options_json: fail });
    expect(evs[0].route).toMatchObject({ provider: 'demo' });
    expect(evs.at(-1).finish).toMatchObject({
      reason: 'FINISH_REASON_ERROR',
      error: { kind: 'UPSTREAM_ERROR_KIND_RATE_LIMITED', code: 'RESOURCE_EXHAUSTED' },
    });

    let finish: Any;
    for await (const m of connect().chat({
      model: 'demo/echo',
      messages: [{ role: Role.USER, content: 'x' }],
      providerOptionsJson: fail,
    })) {
      if (m.event.case === 'finish') finish = m.event.value;
    }
    expect(finish.error).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });

    const http = await openAi({ model: 'demo/echo', messages: [{ role: 'user', content: 'x' }], demo: { fail: 'rate_limited' } });
    expect(http.status).toBe(429);
    expect(http.json.error.message).toContain('demo');
  });
  it('AdminService speaks the kind: a stored provider of kind PROVIDER_KIND_DEMO round-trips', async () => {
    const created = await call(c.admin, 'CreateProvider', { provider: { id: 'ci-demo', kind: 'PROVIDER_KIND_DEMO' } });
    expect(created.provider).toMatchObject({ id: 'ci-demo', kind: 'PROVIDER_KIND_DEMO' });
    const listed = await call(c.admin, 'ListProviders', {});
    expect(listed.providers.map((p: Any) => [p.id, p.kind])).toEqual([['ci-demo', 'PROVIDER_KIND_DEMO']]);
  });
});
