// A tenant policy applied to an executed Chat: the policy's max_output_tokens caps an uncapped
// call at the upstream, and its unsupported_parameters "error" excludes a model that cannot take
// a parameter the call sets. Fake OpenAI upstream (real wire format), grpc-js client.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiFake } from '../fakes/openai.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { bearer, grpcClients, userMessage, type Any, type Clients } from './fixtures.js';

const KEY = 'sy_chat_policy_tenant_key_0123456789';
const OTHER = 'sy_chat_policy_other_key_0123456789';
const openai = new OpenAiFake();
let server: TestServer;
let c: Clients;

function chat(req: object, key: string): Promise<Any[]> {
  const stream = c.router.Chat(req, bearer(key)) as grpc.ClientReadableStream<Any>;
  return new Promise<Any[]>((resolve, reject) => {
    const out: Any[] = [];
    stream.on('data', (m: Any) => out.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

beforeAll(async () => {
  const url = await openai.start();
  openai.script('e2e-capped', openai.render({ type: 'text', text: 'ok', usage: { inputTokens: 3, outputTokens: 1 } }));
  server = await startTestServer({
    yaml: `
providers:
  - { id: oai, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
models:
  - { id: oai/capped, provider: oai, upstream_model: e2e-capped, context_window: 100000, max_output_tokens: 1000, capabilities: [streaming], pricing: { input: 1000000, output: 2000000 } }
policy: { max_output_tokens: 4096 }
tenants:
  - { id: acme, keys: [{ key_env: ACME_KEY }], policy: { max_output_tokens: 64, unsupported_parameters: error } }
  - { id: other, keys: [{ key_env: OTHER_KEY }] }
`,
    env: { OAI_KEY: 'sk-test', ACME_KEY: KEY, OTHER_KEY: OTHER },
  });
  c = grpcClients(server.grpcAddress);
}, 60_000);

afterAll(async () => {
  c?.close();
  await server?.stop();
  await openai.stop();
});

const lastBody = () => openai.requests.at(-1)!.body as Record<string, unknown>;
const maxTokens = (b: Record<string, unknown>) => b.max_completion_tokens ?? b.max_tokens;

describe('Chat under a tenant policy', () => {
  it("the tenant's max_output_tokens caps an uncapped call at the upstream; another tenant gets the platform's", async () => {
    const evs = await chat({ model: 'oai/capped', messages: [userMessage('hi')] }, KEY);
    expect(evs.at(-1).finish.reason).toBe('FINISH_REASON_STOP');
    expect(maxTokens(lastBody())).toBe(64);
    await chat({ model: 'oai/capped', messages: [userMessage('hi')] }, OTHER);
    expect(maxTokens(lastBody())).toBe(1000);
  });

  it('a call asking for more than the ceiling is refused, naming the rule', async () => {
    const err = await chat({ model: 'oai/capped', messages: [userMessage('hi')], options: { max_output_tokens: '500' } }, KEY).catch(
      (e) => e,
    );
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.details).toMatch(/max_output_tokens of the tenant "acme" policy v1 is 64/);
  });
});
