// Issue 12 §2–3 end to end: a hung primary (never sends its headers) and a healthy fallback.
// Under a short and a long caller deadline the call must end STOP from the fallback, before
// its deadline; and JSON too deep or too large for Switchyard to handle is INVALID_ARGUMENT
// naming the field, never sent upstream. Real server, fake OpenAI upstream, grpc-js client.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiFake } from '../fakes/openai.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { bearer, grpcClients, userMessage, violatedFields, type Any, type Clients } from './fixtures.js';

const KEY = 'sy_failover_acme_key_0123456789';
const openai = new OpenAiFake();
let server: TestServer;
let c: Clients;

/** Longer than any deadline here: the hung upstream only ends when its client goes away. */
const FOREVER_MS = 600_000;

function chat(req: object, deadlineMs: number): Promise<Any[]> {
  const stream = c.router.Chat(req, bearer(KEY), { deadline: Date.now() + deadlineMs }) as grpc.ClientReadableStream<Any>;
  return new Promise<Any[]>((resolve, reject) => {
    const out: Any[] = [];
    stream.on('data', (m: Any) => out.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}
const chatError = (req: object) =>
  chat(req, 30_000).then(
    () => {
      throw new Error('expected the call to be refused');
    },
    (err: grpc.ServiceError) => err,
  );
const ask = (extra: object = {}) => ({ model: 'failover', messages: [userMessage('hi')], ...extra });
const providersRouted = (evs: Any[]) => evs.filter((e) => e.route).map((e) => e.route.provider);

beforeAll(async () => {
  const url = await openai.start();
  const ok = openai.render({ type: 'text', text: 'ok', usage: { inputTokens: 3, outputTokens: 1 } });
  let primaryCalls = 0;
  // The primary answers once (the router observes its time to first token), then hangs.
  openai.script('e2e-primary', () => (primaryCalls++ === 0 ? ok : { ...ok, firstByteDelayMs: FOREVER_MS }));
  openai.script('e2e-fallback', ok);
  server = await startTestServer({
    yaml: `
providers:
  - { id: primary, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
  - { id: fallback, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
models:
  - { id: primary/m, provider: primary, upstream_model: e2e-primary, context_window: 100000, max_output_tokens: 1000, capabilities: [streaming, tools], pricing: { input: 1, output: 1 } }
  - { id: fallback/m, provider: fallback, upstream_model: e2e-fallback, context_window: 100000, max_output_tokens: 1000, capabilities: [streaming, tools], pricing: { input: 1, output: 1 } }
aliases:
  failover: { strategy: priority, targets: [primary/m, fallback/m] }
tenants:
  - { id: acme, keys: [{ key_env: ACME_KEY }] }
`,
    env: { OAI_KEY: 'sk-test', ACME_KEY: KEY },
  });
  c = grpcClients(server.grpcAddress);
}, 60_000);

afterAll(async () => {
  c?.close();
  await server?.stop();
  await openai.stop();
});

describe('a hung primary fails over within the caller deadline', () => {
  it('the primary answers while healthy', async () => {
    const evs = await chat(ask(), 30_000);
    expect(providersRouted(evs)).toEqual(['primary']);
    expect(evs.at(-1).finish.reason).toBe('FINISH_REASON_STOP');
  });

  // Ending normally at all is "within the deadline": past it, grpc-js fails the call with
  // DEADLINE_EXCEEDED instead of delivering the stream's end.
  it.each([2_000, 90_000])(
    'deadline %i ms: STOP from the fallback',
    async (deadlineMs) => {
      const evs = await chat(ask(), deadlineMs);
      expect(providersRouted(evs)).toEqual(['primary', 'fallback']);
      const failed = evs.find((e) => e.attempt_failed)?.attempt_failed;
      expect(failed).toMatchObject({ provider: 'primary', code: 'UPSTREAM_ERROR_KIND_TIMEOUT', retrying: true });
      expect(evs.at(-1).finish.reason).toBe('FINISH_REASON_STOP');
      expect(
        evs
          .filter((e) => e.delta)
          .map((e) => e.delta.text)
          .join(''),
      ).toBe('ok');
    },
    100_000,
  );
});

describe('JSON Switchyard cannot handle is the caller’s error, named', () => {
  const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

  it.each([
    ['provider_options_json', { provider_options_json: deep(50_000) }],
    ['tools[0].parameters_json_schema', { tools: [{ name: 'f', parameters_json_schema: deep(1_000) }] }],
    [
      'options.response_format.json_schema',
      { options: { response_format: { type: 'TYPE_JSON_SCHEMA', name: 'r', json_schema: deep(1_000) } } },
    ],
    ['provider_options_json', { provider_options_json: JSON.stringify({ user: 'x'.repeat(300_000) }) }],
  ])('%s out of bounds → INVALID_ARGUMENT', async (field, extra) => {
    const before = openai.requests.length;
    const err = await chatError(ask(extra));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(err)).toEqual([field]);
    expect(openai.requests.length).toBe(before);
  });

  it('more tools than the providers accept → INVALID_ARGUMENT on tools', async () => {
    const tools = Array.from({ length: 129 }, (_, i) => ({ name: `f${i}` }));
    const err = await chatError(ask({ tools }));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(err)).toEqual(['tools']);
  });
});
