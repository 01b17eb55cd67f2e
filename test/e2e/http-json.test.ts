// End to end with plain fetch: what `curl -H 'content-type: application/json'` sees on the HTTP
// port (the Connect protocol's unary JSON over HTTP/1.1), plus the /healthz probe.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { ACME_KEY, ADMIN_KEY, CONFIG_YAML, serverEnv } from './fixtures.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ yaml: CONFIG_YAML, env: serverEnv() });
});

afterAll(async () => {
  await server?.stop();
});

async function post(path: string, body: unknown, key: string | null = ACME_KEY) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${server.httpUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), json: text ? JSON.parse(text) : undefined };
}

const ROUTE = '/switchyard.v1.RouterService/Route';

describe('Connect JSON over HTTP/1.1 with fetch', () => {
  it('Route answers 200 JSON with int64 as strings and enums as names', async () => {
    const { status, contentType, json } = await post(ROUTE, {
      model: 'smart',
      messages: [{ role: 'ROLE_USER', content: 'Hello, router' }],
      maxOutputTokens: '100',
    });
    expect(status).toBe(200);
    expect(contentType).toMatch(/^application\/json/);
    expect(json.decisionId).toMatch(/\S/);
    expect(json.strategy).toBe('STRATEGY_PRIORITY');
    expect(json.candidates.map((c: { model: string }) => c.model)).toEqual(['openai/gpt-4o', 'openai/gpt-4o-mini']);
    expect(json.estimate.maxOutputTokens).toBe('100');
    expect(json.estimate.maxCost).toMatch(/^\d+$/);
    expect(json.estimate.inputTokens).toMatch(/^\d+$/);
    expect(json.excluded).toEqual([expect.objectContaining({ provider: 'anthropic', reason: 'EXCLUSION_REASON_NO_CREDENTIALS' })]);
  });

  it('accepts proto field names and numeric int64 too', async () => {
    const { status, json } = await post(ROUTE, {
      model: 'thrifty',
      messages: [{ role: 'ROLE_USER', content: 'x' }],
      max_output_tokens: 50,
      requirements: { capabilities: ['CAPABILITY_VISION'] },
    });
    expect(status).toBe(200);
    expect(json.candidates[0].model).toBe('openai/gpt-4o-mini');
    expect(json.candidates[0].estimate.maxOutputTokens).toBe('50');
  });

  it('ModelMetadata and ListModels answer JSON', async () => {
    const meta = await post('/switchyard.v1.RouterService/ModelMetadata', { model: 'gpt-4o' });
    expect(meta.status).toBe(200);
    expect(meta.json.model).toMatchObject({ id: 'openai/gpt-4o', kind: 'MODEL_KIND_CHAT', contextWindow: '128000' });
    expect(meta.json.model.parameters.top_k).toEqual({ unsupported: expect.any(Object) });

    const list = await post('/switchyard.v1.RouterService/ListModels', { localOnly: true, pageSize: 500 });
    expect(list.status).toBe(200);
    expect(list.json.models.map((m: { id: string }) => m.id)).toContain('local-llm/llama3-8b');
    expect(list.json.totalSize).toBe(list.json.models.length);
  });

  it('bad input → 400 invalid_argument with details', async () => {
    const { status, json } = await post(ROUTE, { model: '', messages: [{ role: 'ROLE_UNSPECIFIED', content: 'x' }] });
    expect(status).toBe(400);
    expect(json.code).toBe('invalid_argument');
    expect(json.message).toMatch(/model: must not be empty/);
    const types = json.details.map((d: { type: string }) => d.type);
    expect(types).toEqual(expect.arrayContaining(['google.rpc.ErrorInfo', 'google.rpc.BadRequest']));
    // connect-node adds the decoded message as `debug` next to the base64 `value`.
    const bad = json.details.find((d: { type: string }) => d.type === 'google.rpc.BadRequest');
    expect(bad.value).toMatch(/^[A-Za-z0-9+/_-]+=*$/);
    expect(bad.debug.fieldViolations.map((v: { field: string }) => v.field).sort()).toEqual(['messages[0].role', 'model']);
  });

  it('an unknown model → 404 not_found', async () => {
    const { status, json } = await post(ROUTE, { model: 'nope/x' });
    expect(status).toBe(404);
    expect(json.code).toBe('not_found');
  });

  it('no key → 401 unauthenticated; a tenant key on AdminService → 403', async () => {
    const anon = await post(ROUTE, { model: 'smart' }, null);
    expect(anon.status).toBe(401);
    expect(anon.json.code).toBe('unauthenticated');

    const denied = await post('/switchyard.v1.AdminService/ListTenants', {});
    expect(denied.status).toBe(403);
    expect(denied.json.code).toBe('permission_denied');

    const ok = await post('/switchyard.v1.AdminService/ListTenants', {}, ADMIN_KEY);
    expect(ok.status).toBe(200);
    expect(ok.json.tenants.map((t: { id: string }) => t.id)).toContain('acme');
  });

  it('unparseable JSON → 400, not a crash', async () => {
    const res = await fetch(`${server.httpUrl}${ROUTE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ACME_KEY}` },
      body: '{"model": ',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('invalid_argument');
  });

  it('an unknown method → 404', async () => {
    const res = await post('/switchyard.v1.RouterService/Nope', {});
    expect(res.status).toBe(404);
  });

  it('GET /healthz → 200 ok', async () => {
    const res = await fetch(`${server.httpUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok\n');
  });
});
