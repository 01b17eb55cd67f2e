// The canary: a server whose provider key, tenant key and admin key are unique marker strings,
// called with message content that is a marker too, over gRPC and the OpenAI-compatible API,
// with successes and failures (an upstream error, a fallback, a wrong key, a refused admin
// call). No log line and no /metrics output may contain any marker; and the call logs carry
// what an operator needs instead (request id, decision id, tenant), one access line per call.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiFake } from '../fakes/openai.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { bearer, call, callError, grpcClients, userMessage, type Clients } from '../e2e/fixtures.js';
import { scrape } from './scrape.js';

const tag = randomUUID().slice(0, 8);
const PROVIDER_KEY = `sk-canary-provider-${tag}`;
const TENANT_KEY = `sy_canary_tenant_${tag}_0123456789`;
const ADMIN_KEY = `sy_canary_admin_${tag}_0123456789`;
const WRONG_KEY = `sy_canary_wrong_${tag}_0123456789`;
const CONTENT = `canary-content-${tag}`;
const ANSWER = `canary-answer-${tag}`;
const MARKERS = [PROVIDER_KEY, TENANT_KEY, ADMIN_KEY, WRONG_KEY, CONTENT, ANSWER, tag];

const openai = new OpenAiFake();
let server: TestServer;
let c: Clients;

beforeAll(async () => {
  const url = await openai.start();
  openai.script('c-text', openai.render({ type: 'text', text: `${ANSWER} to you`, usage: { inputTokens: 4, outputTokens: 3 } }));
  // An upstream whose error message quotes the request, as real upstreams sometimes do.
  openai.script('c-down', openai.render({ type: 'http_error', status: 400, message: `bad request near "${CONTENT}"` }));
  const model = (id: string, upstream: string) =>
    `  - { id: ${id}, provider: oai, upstream_model: "${upstream}", context_window: 100000, max_output_tokens: 1000, capabilities: [streaming], pricing: { input: 1000000, output: 2000000 } }`;
  server = await startTestServer({
    yaml: `
providers:
  - { id: oai, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
models:
${model('oai/text', 'c-text')}
${model('oai/down', 'c-down')}
  - { id: oai/embed, provider: oai, upstream_model: text-embedding-3-small, kind: embedding, capabilities: [embeddings, embedding_dimensions], pricing: { input: 20000 } }
aliases:
  resilient: { strategy: priority, targets: [oai/down, oai/text] }
tenants:
  - { id: acme, keys: [{ key_env: ACME_KEY }] }
`,
    env: { OAI_KEY: PROVIDER_KEY, ACME_KEY: TENANT_KEY, SWITCHYARD_ADMIN_KEY: ADMIN_KEY },
  });
  c = grpcClients(server.grpcAddress);
}, 60_000);

afterAll(async () => {
  c?.close();
  await server?.stop();
  await openai.stop();
});

const chat = (model: string, key = TENANT_KEY, requestId = '') =>
  new Promise<void>((resolve, reject) => {
    const s = c.router.Chat({ model, messages: [userMessage(`${CONTENT} please`)], request_id: requestId }, bearer(key));
    s.on('data', () => undefined);
    s.on('error', reject);
    s.on('end', resolve);
  });

describe('secrets and message content never reach logs or metrics', () => {
  it('holds for successful, failed, fallen-back, refused and unauthenticated calls on every way in', async () => {
    await chat('oai/text', TENANT_KEY, `req-ok-${Date.now()}`);
    await chat('oai/down').catch(() => undefined);
    await chat('resilient');
    await expect(chat('oai/text', WRONG_KEY)).rejects.toThrow();
    await call(c.router, 'Embed', { model: 'oai/embed', inputs: [CONTENT, `${CONTENT}!`] }, bearer(TENANT_KEY));
    await call(c.router, 'Route', { model: 'oai/text', messages: [userMessage(CONTENT)] }, bearer(TENANT_KEY));
    for (const stream of [false, true]) {
      const res = await fetch(`${server.httpUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TENANT_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'oai/down', stream, messages: [{ role: 'user', content: CONTENT }] }),
      });
      await res.text();
    }
    await call(c.admin, 'ListTenants', {}, bearer(ADMIN_KEY));
    // A tenant key on an admin method: refused, and the refusal is logged without the key.
    await callError(c.admin, 'ListTenants', {}, bearer(TENANT_KEY));
    // The upstream did receive the key and the content: the markers are live, not absent.
    expect(JSON.stringify(openai.requests.map((r) => [r.headers, r.body]))).toContain(PROVIDER_KEY);
    expect(JSON.stringify(openai.requests.map((r) => r.body))).toContain(CONTENT);

    const metrics = await scrape(server.httpUrl);
    const logs = server.logs;
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) {
      expect(() => JSON.parse(line), line).not.toThrow();
      for (const marker of MARKERS) expect(line, `log line carries ${marker}`).not.toContain(marker);
    }
    for (const marker of MARKERS) expect(metrics, `/metrics carries ${marker}`).not.toContain(marker);
  });

  it('logs one access line per call, from a child logger carrying request id, decision id and tenant', () => {
    const access = server.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'call');
    const ok = access.find((l) => typeof l.requestId === 'string' && l.requestId.startsWith('req-ok-'));
    expect(ok).toMatchObject({ level: 'info', rpc: 'Chat', tenant: 'acme', provider: 'oai', model: 'oai/text', outcome: 'ok' });
    expect(ok?.decisionId).toEqual(expect.any(String));
    expect(ok).toMatchObject({ inputTokens: 4, outputTokens: 3 });
    const rpcs = access.map((l) => l.rpc);
    expect(rpcs.filter((r) => r === 'Embed')).toHaveLength(1);
    expect(rpcs.filter((r) => r === 'Route')).toHaveLength(1);
    // gRPC: ok, down, resilient (the wrong key never reached a use case); HTTP: two.
    expect(rpcs.filter((r) => r === 'Chat')).toHaveLength(5);
    expect(access.filter((l) => l.outcome === 'error')).not.toHaveLength(0);
  });
});
