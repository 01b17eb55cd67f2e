// Chat and Embed end to end: a real server in front of fake OpenAI and Anthropic upstreams
// (real wire formats), called by grpc-js with the .proto loaded independently.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicConformanceFake } from '../fakes/anthropic.js';
import { OpenAiFake } from '../fakes/openai.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { bearer, call, grpcClients, userMessage, type Any, type Clients } from './fixtures.js';

const KEY = 'sy_chat_e2e_tenant_key_0123456789';
const CANARY = 'sk-canary-7f3a9c1e-never-in-logs';
const openai = new OpenAiFake({ chunkSizes: [1, 3, 7] });
const anthropic = anthropicConformanceFake();
let server: TestServer;
let c: Clients;

const auth = () => bearer(KEY);
const TEXT = 'Grüße aus Zürich — 你好, ok.';
let antModel = '';

function chat(req: object, md = auth()): { events: Promise<Any[]>; stream: grpc.ClientReadableStream<Any> } {
  const stream = c.router.Chat(req, md) as grpc.ClientReadableStream<Any>;
  const events = new Promise<Any[]>((resolve, reject) => {
    const out: Any[] = [];
    stream.on('data', (m: Any) => out.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
  return { events, stream };
}

const kinds = (evs: Any[]) => evs.map((e) => e.event);

beforeAll(async () => {
  const oaiUrl = await openai.start();
  const antUrl = await anthropic.start();
  openai.script('e2e-text', openai.render({ type: 'text', text: TEXT, usage: { inputTokens: 12, outputTokens: 9 } }));
  openai.script(
    'e2e-tools',
    openai.render({
      type: 'tool_calls',
      calls: [
        { id: 'call_a', name: 'get_weather', argumentsJson: '{"city":"Paris"}' },
        { id: 'call_b', name: 'get_time', argumentsJson: '{"tz":"Europe/Paris"}' },
      ],
    }),
  );
  openai.script('e2e-down', openai.render({ type: 'http_error', status: 500, message: 'upstream exploded' }));
  openai.script('e2e-hang', openai.render({ type: 'hang', text: 'thinking' }));
  openai.script('gpt-4o', openai.render({ type: 'text', text: 'catalog model', usage: { inputTokens: 5, outputTokens: 2 } }));
  antModel = anthropic.arrange({ type: 'text', text: 'from anthropic', usage: { inputTokens: 7, outputTokens: 3 } });

  const model = (id: string, upstream: string, provider: string) =>
    `  - { id: ${id}, provider: ${provider}, upstream_model: "${upstream}", context_window: 100000, max_output_tokens: 1000, capabilities: [tools, streaming], pricing: { input: 1000000, output: 2000000 } }`;
  server = await startTestServer({
    yaml: `
providers:
  - { id: oai, kind: openai, base_url: "${oaiUrl}/v1", api_key_env: OAI_KEY }
  - { id: ant, kind: anthropic, base_url: "${antUrl}", api_key_env: ANT_KEY }
models:
${model('oai/text', 'e2e-text', 'oai')}
${model('oai/tools', 'e2e-tools', 'oai')}
${model('oai/down', 'e2e-down', 'oai')}
${model('oai/hang', 'e2e-hang', 'oai')}
${model('ant/text', antModel, 'ant')}
  - { id: oai/embed, provider: oai, upstream_model: text-embedding-3-small, kind: embedding, capabilities: [embeddings, embedding_dimensions], pricing: { input: 20000 } }
aliases:
  resilient: { strategy: priority, targets: [oai/down, ant/text] }
tenants:
  - { id: acme, keys: [{ key_env: ACME_KEY }] }
`,
    env: { OAI_KEY: CANARY, ANT_KEY: 'sk-ant-test', ACME_KEY: KEY },
  });
  c = grpcClients(server.grpcAddress);
}, 60_000);

afterAll(async () => {
  c?.close();
  await server?.stop();
  await openai.stop();
  await anthropic.stop();
});

describe('Chat end to end', () => {
  it('streams route → deltas → usage → finish, decoding UTF-8 split anywhere', async () => {
    const evs = await chat({ model: 'oai/text', messages: [userMessage('hi')], request_id: 'r1' }).events;
    expect(kinds(evs)[0]).toBe('route');
    expect(kinds(evs).slice(-2)).toEqual(['usage', 'finish']);
    expect(evs[0].route).toMatchObject({ provider: 'oai', model: 'oai/text', upstream_model: 'e2e-text', attempt: 1 });
    expect(evs[0].route.decision_id).not.toBe('');
    expect(
      evs
        .filter((e) => e.event === 'delta')
        .map((e) => e.delta.text)
        .join(''),
    ).toBe(TEXT);
    // 12 × 1 µUSD + 9 × 2 µUSD = 30 µUSD = 30,000,000 pico-USD.
    expect(evs.at(-2).usage).toMatchObject({ input_tokens: '12', output_tokens: '9', cost: '30000000', estimated: false });
    expect(evs.at(-1).finish.reason).toBe('FINISH_REASON_STOP');
    expect(evs.filter((e) => e.event === 'finish')).toHaveLength(1);
  });

  it('answers GetDecision with the outcome as soon as the stream has ended', async () => {
    const evs = await chat({ model: 'oai/text', messages: [userMessage('hi')], request_id: 'r-dec' }).events;
    const id = evs[0].route.decision_id;
    const d = (await call(c.router, 'GetDecision', { decision_id: id }, auth())).decision;
    expect(d).toMatchObject({ id, tenant: 'acme', rpc: 'Chat' });
    const outcome = JSON.parse(d.outcome_json);
    expect(outcome.finish).toMatchObject({ reason: 'stop' });
    expect(outcome.attempts).toEqual([expect.objectContaining({ attempt: 1, provider: 'oai', model: 'oai/text' })]);
    expect(JSON.parse(d.inputs_json).context).toMatchObject({ requestId: 'r-dec' });
  });

  it('streams two parallel tool calls with index, id, name and ordered argument fragments', async () => {
    const evs = await chat({
      model: 'oai/tools',
      messages: [userMessage('weather and time?')],
      tools: [
        { name: 'get_weather', parameters_json_schema: '{"type":"object","properties":{"city":{"type":"string"}}}' },
        { name: 'get_time', parameters_json_schema: '{"type":"object"}' },
      ],
    }).events;
    const calls = new Map<number, { id: string; name: string; args: string }>();
    for (const e of evs.filter((x) => x.event === 'tool_call')) {
      const t = e.tool_call;
      const cur = calls.get(t.index) ?? { id: '', name: '', args: '' };
      calls.set(t.index, { id: cur.id || t.id, name: cur.name || t.name, args: cur.args + t.arguments_delta });
    }
    expect([...calls.values()]).toEqual([
      { id: 'call_a', name: 'get_weather', args: '{"city":"Paris"}' },
      { id: 'call_b', name: 'get_time', args: '{"tz":"Europe/Paris"}' },
    ]);
    expect(evs.at(-1).finish.reason).toBe('FINISH_REASON_TOOL_CALLS');
    const sent = openai.requests.find((r) => (r.body as Any)?.model === 'e2e-tools')!.body as Any;
    expect(sent.tools.map((t: Any) => t.function.name)).toEqual(['get_weather', 'get_time']);
  });

  it('falls back from a failing provider to a healthy one, with attempt_failed events', async () => {
    const evs = await chat({ model: 'resilient', messages: [userMessage('hi')] }).events;
    const failed = evs.filter((e) => e.event === 'attempt_failed').map((e) => e.attempt_failed);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed[0]).toMatchObject({ provider: 'oai', model: 'oai/down', code: 'UPSTREAM_ERROR_KIND_SERVER_ERROR', retrying: true });
    const routes = evs.filter((e) => e.event === 'route').map((e) => e.route.provider);
    expect(routes.at(-1)).toBe('ant');
    expect(
      evs
        .filter((e) => e.event === 'delta')
        .map((e) => e.delta.text)
        .join(''),
    ).toBe('from anthropic');
    expect(evs.at(-1).finish.reason).toBe('FINISH_REASON_STOP');
  });

  it('drops a parameter the model does not accept and reports it in the route event', async () => {
    const evs = await chat({ model: 'openai/gpt-4o', messages: [userMessage('hi')], options: { top_k: 5, temperature: 0.2 } }).events;
    expect(evs[0].route.dropped_parameters).toEqual(['top_k']);
    const sent = openai.requests.filter((r) => (r.body as Any)?.model === 'gpt-4o').at(-1)!.body as Any;
    expect(sent.top_k).toBeUndefined();
    expect(sent.temperature).toBe(0.2);
  });

  it('cancelling the call closes the upstream connection', async () => {
    const { stream, events } = chat({ model: 'oai/hang', messages: [userMessage('hi')] });
    const ended = events.then(
      () => expect.fail('a cancelled call cannot end normally'),
      (e: grpc.ServiceError) => e,
    );
    await new Promise<void>((resolve) => stream.on('data', (m: Any) => m.event === 'delta' && resolve()));
    const closed = openai.closed();
    stream.cancel();
    await closed; // resolves when the fake sees the upstream socket close
    expect((await ended).code).toBe(grpc.status.CANCELLED);
  });

  it('never writes the provider key to logs, and does send it upstream', async () => {
    const sentAuth = openai.requests.map((r) => r.headers.authorization);
    expect(sentAuth).toContain(`Bearer ${CANARY}`);
    expect(server.logs.join('\n')).not.toContain(CANARY);
  });

  it('bad input is INVALID_ARGUMENT naming the field, before any upstream call', async () => {
    const before = openai.requests.length;
    const err = await chat({ model: 'oai/text', messages: [userMessage('x')], options: { temperature: 7 } }).events.then(
      () => expect.fail('should fail'),
      (e: grpc.ServiceError) => e,
    );
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toContain('options.temperature');
    expect(openai.requests.length).toBe(before);
  });
});

describe('Embed end to end', () => {
  it('embeds a batch in order with usage and cost', async () => {
    const res = await call(c.router, 'Embed', { model: 'oai/embed', inputs: ['a', 'bb', 'ccc'], dimensions: 4 }, auth());
    expect(res.embeddings).toHaveLength(3);
    expect(res.embeddings.map((e: Any) => e.values.length)).toEqual([4, 4, 4]);
    // The fake encodes each text's length in the first component, and answers out of order.
    expect(res.embeddings.map((e: Any) => Math.round(e.values[0] * 100))).toEqual([1, 2, 3]);
    expect(res).toMatchObject({ provider: 'oai', model: 'oai/embed', usage: { input_tokens: '3', cost: '60000' } });
    const sent = openai.requests.find((r) => r.path.endsWith('/embeddings'))!.body as Any;
    expect(sent).toMatchObject({ model: 'text-embedding-3-small', input: ['a', 'bb', 'ccc'], dimensions: 4 });
  });
});
