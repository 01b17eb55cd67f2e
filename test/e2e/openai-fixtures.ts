// One Switchyard in front of a fake OpenAI upstream, for the OpenAI-compatible API suites; the
// client is the official `openai` SDK pointed at Switchyard's HTTP port.
import OpenAI from 'openai';
import { OpenAiFake } from '../fakes/openai.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

export const KEY = 'sy_oai_e2e_tenant_key_0123456789';
/** A tenant whose budget cannot cover any call. */
export const POOR_KEY = 'sy_oai_e2e_poor_key_0123456789';
export const TEXT = 'Grüße aus Zürich — 你好, ok.';
export const CALLS = [
  { id: 'call_a', name: 'get_weather', argumentsJson: '{"city":"Paris"}' },
  { id: 'call_b', name: 'get_time', argumentsJson: '{"tz":"Europe/Paris"}' },
];
export const JSON_TEXT = '{"name":"Ada","age":36}';

export interface OpenAiEnv {
  server: TestServer;
  upstream: OpenAiFake;
  client: OpenAI;
  baseURL: string;
  stop(): Promise<void>;
}

export async function startOpenAiEnv(): Promise<OpenAiEnv> {
  // Odd write sizes: the upstream's frames arrive split at arbitrary byte boundaries.
  const upstream = new OpenAiFake({ chunkSizes: [1, 3, 7] });
  const url = await upstream.start();
  upstream.script('e2e-text', upstream.render({ type: 'text', text: TEXT, usage: { inputTokens: 12, outputTokens: 9 } }));
  upstream.script('e2e-tools', upstream.render({ type: 'tool_calls', calls: CALLS }));
  upstream.script('e2e-json', upstream.render({ type: 'text', text: JSON_TEXT, usage: { inputTokens: 20, outputTokens: 8 } }));
  upstream.script('e2e-broken', upstream.render({ type: 'stream_error', text: 'partial answer', message: 'upstream fell over' }));
  upstream.script('e2e-hang', upstream.render({ type: 'hang', text: 'thinking' }));
  upstream.script('e2e-down', upstream.render({ type: 'http_error', status: 500, message: 'upstream exploded' }));
  const model = (id: string, upstreamModel: string) =>
    `  - { id: ${id}, provider: oai, upstream_model: "${upstreamModel}", context_window: 100000, max_output_tokens: 1000, capabilities: [tools, streaming, json_output, vision], pricing: { input: 1000000, output: 2000000 } }`;
  const server = await startTestServer({
    yaml: `
providers:
  - { id: oai, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
models:
${model('oai/text', 'e2e-text')}
${model('oai/tools', 'e2e-tools')}
${model('oai/json', 'e2e-json')}
${model('oai/broken', 'e2e-broken')}
${model('oai/down', 'e2e-down')}
${model('oai/hang', 'e2e-hang')}
  - { id: oai/embed, provider: oai, upstream_model: text-embedding-3-small, kind: embedding, capabilities: [embeddings, embedding_dimensions], pricing: { input: 20000 } }
aliases:
  chatty: { strategy: priority, targets: [oai/text] }
tenants:
  - { id: acme, keys: [{ key_env: ACME_KEY }] }
  - { id: poor, keys: [{ key_env: POOR_KEY }] }
budgets:
  - { tenant: poor, scope: tenant, period: total, limit: 1 }
`,
    env: { OAI_KEY: 'sk-upstream-test', ACME_KEY: KEY, POOR_KEY },
  });
  const baseURL = `${server.httpUrl}/v1`;
  // No retries: a test must see the first answer, not a retried one.
  const client = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 0 });
  return {
    server,
    upstream,
    client,
    baseURL,
    async stop() {
      await server.stop();
      await upstream.stop();
    },
  };
}

/** The body Switchyard sent upstream for the last call to `upstreamModel`. */
export function lastUpstreamBody(upstream: OpenAiFake, upstreamModel: string): Record<string, unknown> {
  const req = [...upstream.requests].reverse().find((r) => (r.body as { model?: string } | undefined)?.model === upstreamModel);
  if (!req) throw new Error(`no upstream request for ${upstreamModel}`);
  return req.body as Record<string, unknown>;
}
