// End to end over the gRPC port: a real replica (Postgres, config file, env keys) called by
// @grpc/grpc-js with the .proto files loaded independently through proto-loader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import {
  ACME_KEY,
  ADMIN_KEY,
  bearer,
  call,
  callError,
  CONFIG_YAML,
  details,
  grpcClients,
  serverEnv,
  userMessage,
  violatedFields,
  type Any,
  type Clients,
} from './fixtures.js';

let server: TestServer;
let c: Clients;
const acme = () => bearer(ACME_KEY);
const admin = () => bearer(ADMIN_KEY);
const route = (req: object) => call(c.router, 'Route', req, acme());
const routeError = (req: object) => callError(c.router, 'Route', req, acme());

beforeAll(async () => {
  server = await startTestServer({ yaml: CONFIG_YAML, env: serverEnv() });
  c = grpcClients(server.grpcAddress);
});

afterAll(async () => {
  c?.close();
  await server?.stop();
});

const ids = (list: Array<{ model: string }>) => list.map((x) => x.model);

describe('Route', () => {
  it('plans an alias in priority order and reports the provider without credentials', async () => {
    const res = await route({ model: 'smart', messages: [userMessage('Hello there')], max_output_tokens: '100' });
    expect(res.decision_id).not.toBe('');
    expect(res.resolved).toBe('smart');
    expect(res.strategy).toBe('STRATEGY_PRIORITY');
    expect(ids(res.candidates)).toEqual(['openai/gpt-4o', 'openai/gpt-4o-mini']);
    expect(res.candidates.map((x: Any) => x.rank)).toEqual([0, 1]);
    expect(res.candidates[0]).toMatchObject({ provider: 'openai', upstream_model: 'gpt-4o' });
    const est = res.candidates[0].estimate;
    for (const f of ['input_tokens', 'max_output_tokens', 'input_cost', 'max_cost']) expect(est[f]).toMatch(/^\d+$/);
    expect(est.max_output_tokens).toBe('100');
    expect(BigInt(est.max_cost)).toBeGreaterThan(BigInt(est.input_cost));
    expect(res.estimate).toEqual(est);
    expect(res.catalog_version).not.toBe('');
    expect(res.excluded).toHaveLength(1);
    expect(res.excluded[0]).toMatchObject({
      provider: 'anthropic',
      model: 'anthropic/claude-sonnet-4-5',
      reason: 'EXCLUSION_REASON_NO_CREDENTIALS',
    });
    expect(res.excluded[0].detail).not.toBe('');
  });

  it('orders by cost with the cheapest strategy (alias default and request override)', async () => {
    const res = await route({ model: 'thrifty', messages: [userMessage('Hi')] });
    expect(res.strategy).toBe('STRATEGY_CHEAPEST');
    expect(ids(res.candidates)).toEqual(['local-llm/llama3-8b', 'openai/gpt-4o-mini', 'openai/gpt-4o']);
    const costs = res.candidates.map((x: Any) => BigInt(x.estimate.max_cost));
    expect([...costs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(costs);

    const overridden = await route({ model: 'smart', messages: [userMessage('Hi')], strategy: 'STRATEGY_CHEAPEST' });
    expect(ids(overridden.candidates)).toEqual(['openai/gpt-4o-mini', 'openai/gpt-4o']);
  });

  it('routes an explicit model id and a bare name', async () => {
    const explicit = await route({ model: 'openai/gpt-4o', messages: [userMessage('x')] });
    expect(explicit.resolved).toBe('openai/gpt-4o');
    expect(ids(explicit.candidates)).toEqual(['openai/gpt-4o']);
    const bare = await route({ model: 'gpt-4o-mini', messages: [userMessage('x')] });
    expect(bare.resolved).toBe('openai/gpt-4o-mini');
    expect(bare.candidates[0]).toMatchObject({ provider: 'openai', model: 'openai/gpt-4o-mini' });
    const local = await route({ model: 'local-llm/llama3-8b', messages: [userMessage('x')] });
    expect(local.candidates[0]).toMatchObject({ provider: 'local-llm', upstream_model: 'llama3:8b' });
  });

  it('excludes candidates by requirements with typed reasons', async () => {
    const base = { model: 'thrifty', messages: [userMessage('Describe it')], max_output_tokens: '100' };
    const vision = await route({ ...base, requirements: { capabilities: ['CAPABILITY_VISION'] } });
    expect(ids(vision.candidates)).toEqual(['openai/gpt-4o-mini', 'openai/gpt-4o']);
    expect(vision.excluded).toEqual([
      expect.objectContaining({ model: 'local-llm/llama3-8b', reason: 'EXCLUSION_REASON_MISSING_CAPABILITY' }),
    ]);

    const allowed = await route({ ...base, requirements: { allowed_providers: ['local-llm'] } });
    expect(ids(allowed.candidates)).toEqual(['local-llm/llama3-8b']);
    expect(allowed.excluded.map((e: Any) => e.reason)).toEqual([
      'EXCLUSION_REASON_PROVIDER_NOT_ALLOWED',
      'EXCLUSION_REASON_PROVIDER_NOT_ALLOWED',
    ]);

    // gpt-4o blends to ~10 micro-USD per token here; gpt-4o-mini to ~0.6.
    const price = await route({ ...base, requirements: { max_price_per_million_tokens: '1000000' } });
    expect(ids(price.candidates)).toEqual(['local-llm/llama3-8b', 'openai/gpt-4o-mini']);
    expect(price.excluded).toEqual([expect.objectContaining({ model: 'openai/gpt-4o', reason: 'EXCLUSION_REASON_PRICE' })]);
    expect(price.excluded[0].detail).toMatch(/exceeds the ceiling 1000000/);
  });

  it('budgets an uncapped request within the context window', async () => {
    // ollama/llama3: max output = window = 8192 in the catalog.
    const res = await route({ model: 'ollama/llama3', messages: [userMessage('hi')] });
    const est = res.estimate;
    expect(res.candidates[0]).toMatchObject({ provider: 'local-llm', model: 'ollama/llama3' });
    expect(Number(est.input_tokens) + Number(est.max_output_tokens)).toBe(8192);
    const err = await routeError({ model: 'ollama/llama3', messages: [userMessage('hi')], max_output_tokens: '8192' });
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(details(err).errorInfo?.metadata.reasons).toBe('context_window');
  });

  it('answers NOT_FOUND with ErrorInfo MODEL_NOT_FOUND for an unknown model', async () => {
    const err = await routeError({ model: 'nope/not-a-model', messages: [userMessage('x')] });
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    const info = details(err).errorInfo;
    expect(info).toMatchObject({ reason: 'MODEL_NOT_FOUND', domain: 'switchyard.dev' });
    expect(info?.metadata).toEqual({ model: 'nope/not-a-model' });
  });

  it('answers FAILED_PRECONDITION carrying the reasons when nothing qualifies', async () => {
    const err = await routeError({ model: 'anthropic/claude-sonnet-4-5', messages: [userMessage('x')] });
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.details).toMatch(/no_credentials/);
    expect(details(err).errorInfo).toMatchObject({ reason: 'NO_CANDIDATE', metadata: { reasons: 'no_credentials' } });

    const mixed = await routeError({ model: 'smart', messages: [userMessage('x')], requirements: { allowed_providers: ['nobody'] } });
    expect(mixed.code).toBe(grpc.status.FAILED_PRECONDITION);
    const reasons = details(mixed).errorInfo?.metadata.reasons?.split(',').sort();
    expect(reasons).toEqual(['no_credentials', 'provider_not_allowed']);
  });
});

describe('ModelMetadata', () => {
  const meta = async (model: string) => (await call(c.router, 'ModelMetadata', { model }, acme())).model;

  it('describes a catalog model with integer prices and its parameter surface', async () => {
    const m = await meta('openai/gpt-4o');
    expect(m).toMatchObject({ id: 'openai/gpt-4o', provider: 'openai', kind: 'MODEL_KIND_CHAT', upstream_model: 'gpt-4o' });
    expect(m.context_window).toBe('128000');
    expect(m.max_output_tokens).toMatch(/^[1-9]\d*$/);
    expect(m.pricing.input).toMatch(/^[1-9]\d*$/);
    expect(m.pricing.output).toMatch(/^[1-9]\d*$/);
    expect(m.capabilities).toEqual(expect.arrayContaining(['CAPABILITY_VISION', 'CAPABILITY_TOOLS']));
    expect(m.parameters.temperature.availability).toBe('mutable');
    expect(m.parameters.top_k.availability).toBe('unsupported');
  });

  it('shows every oneof case of ParameterAvailability across models', async () => {
    const cases = new Set<string>();
    for (const id of ['openai/gpt-4o', 'openai/o3-mini', 'local-llm/llama3-8b']) {
      for (const p of Object.values((await meta(id)).parameters) as Any[]) cases.add(p.availability);
    }
    expect([...cases].sort()).toEqual(['mutable', 'opaque', 'read_only', 'unsupported']);
    const o3 = await meta('openai/o3-mini');
    expect(o3.parameters.temperature.read_only.value_json).not.toBe('');
  });

  it('describes the config model and answers an alias with its first target', async () => {
    const local = await meta('local-llm/llama3-8b');
    expect(local).toMatchObject({ provider: 'local-llm', local: true, context_window: '8192', source: 'config' });
    expect(local.pricing).toMatchObject({ input: '0', output: '0' });
    expect((await meta('smart')).id).toBe('openai/gpt-4o');
  });

  it('answers NOT_FOUND for an unknown model', async () => {
    const err = await callError(c.router, 'ModelMetadata', { model: 'nope/x' }, acme());
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(details(err).errorInfo?.reason).toBe('MODEL_NOT_FOUND');
  });
});

describe('ListModels', () => {
  const list = (req: object) => call(c.router, 'ListModels', req, acme());

  it('walks every page in id order, without duplicates', async () => {
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    let total = -1;
    do {
      const res = await list({ provider: 'openai', page_size: 7, page_token: token });
      pages++;
      if (total < 0) total = res.total_size;
      expect(res.total_size).toBe(total);
      expect(res.models.length).toBeLessThanOrEqual(7);
      for (const m of res.models) expect(m.provider).toBe('openai');
      seen.push(...res.models.map((m: Any) => m.id));
      token = res.next_page_token;
      if (token) expect(res.models).toHaveLength(7);
    } while (token && pages < 1000);
    expect(token).toBe('');
    expect(total).toBeGreaterThan(14);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort());
    expect(pages).toBe(Math.ceil(total / 7));
  });

  it('refuses a page token reused with a different filter', async () => {
    const first = await list({ provider: 'openai', page_size: 7 });
    const err = await callError(c.router, 'ListModels', { provider: 'anthropic', page_size: 7, page_token: first.next_page_token }, acme());
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(violatedFields(err)).toEqual(['page_token']);
  });

  it('filters by kind, capabilities, context, locality and query', async () => {
    const all = { page_size: 1000 };
    const emb = await list({ ...all, provider: 'openai', kind: 'MODEL_KIND_EMBEDDING' });
    expect(emb.models.length).toBeGreaterThan(0);
    for (const m of emb.models) expect(m.kind).toBe('MODEL_KIND_EMBEDDING');

    const vision = await list({ ...all, capabilities: ['CAPABILITY_VISION', 'CAPABILITY_TOOLS'] });
    expect(vision.models.length).toBeGreaterThan(0);
    for (const m of vision.models) expect(m.capabilities).toEqual(expect.arrayContaining(['CAPABILITY_VISION', 'CAPABILITY_TOOLS']));

    const big = await list({ ...all, min_context_tokens: '1000000' });
    expect(big.models.length).toBeGreaterThan(0);
    for (const m of big.models) expect(BigInt(m.context_window)).toBeGreaterThanOrEqual(1_000_000n);

    const local = await list({ ...all, local_only: true });
    for (const m of local.models) expect(m.local).toBe(true);
    expect(local.models.map((m: Any) => m.id)).toContain('local-llm/llama3-8b');

    const q = await list({ ...all, query: 'GPT-4O-MINI' });
    expect(q.models.length).toBeGreaterThan(0);
    for (const m of q.models) expect(m.id.toLowerCase()).toContain('gpt-4o-mini');
    expect(q.total_size).toBe(q.models.length);
  });
});

describe('authentication and authorization', () => {
  const req = { model: 'smart', messages: [userMessage('x')] };
  const raw = (value: string) => {
    const md = new grpc.Metadata();
    md.set('authorization', value);
    return md;
  };

  it('refuses a missing, malformed or wrong key with UNAUTHENTICATED', async () => {
    for (const [md, reason] of [
      [new grpc.Metadata(), 'MISSING_API_KEY'],
      [raw('Basic dXNlcjpwYXNz'), 'MALFORMED_AUTHORIZATION'],
      [bearer('sy_wrong_key'), 'INVALID_API_KEY'],
    ] as const) {
      const err = await callError(c.router, 'Route', req, md);
      expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(details(err).errorInfo?.reason).toBe(reason);
    }
  });

  it('lets a tenant key route but not administer', async () => {
    expect((await route(req)).candidates.length).toBeGreaterThan(0);
    const err = await callError(c.admin, 'ListTenants', {}, acme());
    expect(err.code).toBe(grpc.status.PERMISSION_DENIED);
    const res = await call(c.admin, 'ListTenants', {}, admin());
    expect(res.tenants.map((t: Any) => t.id)).toContain('acme');
  });

  it('accepts a key created through AdminService at once, and refuses it once revoked', async () => {
    const created = await call(c.admin, 'CreateApiKey', { api_key: { tenant: 'acme', name: 'temp' } }, admin());
    expect(created.secret).toMatch(/^sy_/);
    const res = await call(c.router, 'Route', req, bearer(created.secret));
    expect(res.candidates.length).toBeGreaterThan(0);

    await call(c.admin, 'UpdateApiKey', { api_key: { id: created.api_key.id, name: 'temp', revoked: true } }, admin());
    const err = await callError(c.router, 'Route', req, bearer(created.secret));
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
  });
});
