// GET /metrics end to end: a real server in front of a fake OpenAI upstream, called over gRPC and
// the OpenAI-compatible HTTP API. The exposition passes `promtool check metrics` (Debian's
// prometheus package; .ci/run installs it) and the counters move as calls are made, whichever
// way in the call came through.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiFake } from '../fakes/openai.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { bearer, call, grpcClients, userMessage, type Clients } from '../e2e/fixtures.js';
import { scrape, sampleValue } from './scrape.js';

const KEY = 'sy_metrics_tenant_key_0123456789';
const POOR_KEY = 'sy_metrics_poor_tenant_key_0123456789';
const openai = new OpenAiFake();
let server: TestServer;
let c: Clients;

beforeAll(async () => {
  const url = await openai.start();
  openai.script('m-text', openai.render({ type: 'text', text: 'hello there', usage: { inputTokens: 12, outputTokens: 9 } }));
  openai.script('m-down', openai.render({ type: 'http_error', status: 500, message: 'upstream exploded' }));
  const model = (id: string, upstream: string) =>
    `  - { id: ${id}, provider: oai, upstream_model: "${upstream}", context_window: 100000, max_output_tokens: 1000, capabilities: [streaming], pricing: { input: 1000000, output: 2000000 } }`;
  server = await startTestServer({
    yaml: `
providers:
  - { id: oai, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
models:
${model('oai/text', 'm-text')}
${model('oai/down', 'm-down')}
aliases:
  resilient: { strategy: priority, targets: [oai/down, oai/text] }
tenants:
  - { id: acme, keys: [{ key_env: ACME_KEY }] }
  - { id: poor, keys: [{ key_env: POOR_KEY }] }
budgets:
  - { tenant: poor, scope: tenant, period: month, limit: 1 }
`,
    env: { OAI_KEY: 'sk-metrics-test', ACME_KEY: KEY, POOR_KEY },
  });
  c = grpcClients(server.grpcAddress);
}, 60_000);

afterAll(async () => {
  c?.close();
  await server?.stop();
  await openai.stop();
});

const chat = (model: string, key = KEY) =>
  new Promise<void>((resolve, reject) => {
    const s = c.router.Chat({ model, messages: [userMessage('hi')] }, bearer(key));
    s.on('data', () => undefined);
    s.on('error', reject);
    s.on('end', resolve);
  });

const OK_CHAT = { rpc: 'Chat', provider: 'oai', model: 'oai/text', outcome: 'ok' };

describe('GET /metrics', () => {
  it('passes promtool check metrics, with every metric family the issue names', async () => {
    await chat('oai/text');
    const text = await scrape(server.httpUrl);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error, 'promtool is installed (.ci/run: Debian package prometheus)').toBeUndefined();
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
    for (const family of [
      'switchyard_requests_total',
      'switchyard_request_duration_seconds',
      'switchyard_time_to_first_token_seconds',
      'switchyard_overhead_seconds',
      'switchyard_tokens_total',
      'switchyard_cost_picousd_total',
      'switchyard_calls_in_flight',
      'switchyard_upstream_attempts_total',
      'switchyard_upstream_retries_total',
      'switchyard_fallbacks_total',
      'switchyard_circuit_state',
      'switchyard_budget_limit_picousd',
      'switchyard_budget_refusals_total',
      'switchyard_queue_depth',
      'switchyard_decisions_spooled',
      'switchyard_decisions_dropped_total',
      'switchyard_ledger_spooled_batches',
      'switchyard_catalog_info',
      'process_cpu_seconds_total',
    ]) {
      expect(text).toContain(`# TYPE ${family} `);
    }
  });

  it('counts a Chat over gRPC and one over the OpenAI-compatible API alike, with tokens and cost', async () => {
    const before = await scrape(server.httpUrl);
    await chat('oai/text');
    const res = await fetch(`${server.httpUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'oai/text', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    await res.text();
    const after = await scrape(server.httpUrl);
    const delta = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta('switchyard_requests_total', OK_CHAT)).toBe(2);
    expect(delta('switchyard_tokens_total', { rpc: 'Chat', provider: 'oai', model: 'oai/text', direction: 'input' })).toBe(24);
    expect(delta('switchyard_tokens_total', { rpc: 'Chat', provider: 'oai', model: 'oai/text', direction: 'output' })).toBe(18);
    // 12 input tokens at 1e6 pico/token + 9 output at 2e6, twice.
    expect(delta('switchyard_cost_picousd_total', { provider: 'oai', model: 'oai/text' })).toBe(2 * (12 * 1e6 + 9 * 2e6));
    expect(delta('switchyard_request_duration_seconds_count', { rpc: 'Chat', outcome: 'ok' })).toBe(2);
    expect(delta('switchyard_time_to_first_token_seconds_count', { provider: 'oai', model: 'oai/text' })).toBe(2);
    expect(sampleValue(after, 'switchyard_calls_in_flight', { rpc: 'Chat' })).toBe(0);
    expect(sampleValue(after, 'switchyard_circuit_state', { provider: 'oai', model: 'oai/text', state: 'closed' })).toBe(1);
  });

  it('counts retries and a fallback, and the failed attempts by kind', async () => {
    const before = await scrape(server.httpUrl);
    await chat('resilient');
    const after = await scrape(server.httpUrl);
    const delta = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta('switchyard_upstream_attempts_total', { provider: 'oai', model: 'oai/down' })).toBeGreaterThanOrEqual(1);
    expect(delta('switchyard_upstream_retries_total', { provider: 'oai', model: 'oai/down' })).toBeGreaterThanOrEqual(1);
    expect(delta('switchyard_fallbacks_total', { provider: 'oai', model: 'oai/text' })).toBe(1);
    expect(delta('switchyard_requests_total', OK_CHAT)).toBe(1);
  });

  it('counts refusals: an exhausted budget by budget id, an unknown model as refused', async () => {
    const before = await scrape(server.httpUrl);
    await expect(chat('oai/text', POOR_KEY)).rejects.toThrow(/budget/i);
    await expect(chat('no-such-model')).rejects.toThrow();
    const after = await scrape(server.httpUrl);
    const refusals = [...after.matchAll(/^switchyard_budget_refusals_total\{budget="([^"]+)"\} (\d+)/gm)];
    expect(refusals.length).toBe(1);
    expect(Number(refusals[0]![2]) - sampleValue(before, 'switchyard_budget_refusals_total', { budget: refusals[0]![1]! })).toBe(1);
    expect(
      sampleValue(after, 'switchyard_requests_total', { rpc: 'Chat', provider: '', model: '', outcome: 'refused' }) -
        sampleValue(before, 'switchyard_requests_total', { rpc: 'Chat', provider: '', model: '', outcome: 'refused' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, 'switchyard_budget_limit_picousd', { budget: refusals[0]![1]! })).toBe(1);
  });

  it('counts Route calls', async () => {
    const before = await scrape(server.httpUrl);
    await call(c.router, 'Route', { model: 'oai/text', messages: [userMessage('hi')] }, bearer(KEY));
    const after = await scrape(server.httpUrl);
    const labels = { rpc: 'Route', provider: 'oai', model: 'oai/text', outcome: 'ok' };
    expect(sampleValue(after, 'switchyard_requests_total', labels) - sampleValue(before, 'switchyard_requests_total', labels)).toBe(1);
  });
});
