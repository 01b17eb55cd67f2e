// Streaming text and parallel tool calls from EVERY provider kind, end to end: one real server
// whose providers are fakes speaking each wire format (Gemini SSE, Ollama NDJSON, OpenRouter,
// an OpenAI-compatible vLLM preset, the Hugging Face router), called by grpc-js. The caller
// gets one stream shape whatever answered.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geminiConformanceFake } from '../fakes/gemini.js';
import { ollamaConformanceFake } from '../fakes/ollama.js';
import { OpenAiFake } from '../fakes/openai.js';
import type { ConformanceFake, ConformanceScenario } from '../providers/conformance.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { bearer, grpcClients, userMessage, type Any, type Clients } from './fixtures.js';

const KEY = 'sy_providers_e2e_key_0123456789';

interface Target {
  kind: string;
  extra?: string;
  fake: ConformanceFake;
  /** base_url for the provider, from the fake's URL. */
  base: (url: string) => string;
  /** Arranges the next response; returns the upstream model name it answers to. */
  arrange: (s: ConformanceScenario) => string;
}

function openAiTarget(kind: string, flavor: 'openai' | 'openrouter', base: (u: string) => string, extra?: string): Target {
  const fake = new OpenAiFake({ flavor, chunkSizes: [5, 2, 11] });
  return { kind, extra, fake, base, arrange: (s) => fake.script('e2e-model', fake.render(s)) };
}

function queuedTarget(kind: string, fake: ConformanceFake): Target {
  return { kind, fake, base: (u) => u, arrange: (s) => fake.arrange(s, { chunkSizes: [3, 1, 8] }) };
}

const targets: Target[] = [
  queuedTarget('gemini', geminiConformanceFake()),
  queuedTarget('ollama', ollamaConformanceFake()),
  openAiTarget('openrouter', 'openrouter', (u) => `${u}/v1`),
  openAiTarget('openai_compatible', 'openai', (u) => `${u}/v1`, 'preset: vllm'),
  openAiTarget('huggingface', 'openai', (u) => u),
];

const TEXT = 'Ünïcode ✓ across every wire format — 日本語.';
const textScenario: ConformanceScenario = { type: 'text', text: TEXT, usage: { inputTokens: 11, outputTokens: 7 } };
const toolScenario: ConformanceScenario = {
  type: 'tool_calls',
  calls: [
    { id: 'call_w', name: 'get_weather', argumentsJson: '{"city":"Paris"}' },
    { id: 'call_t', name: 'get_time', argumentsJson: '{"tz":"UTC"}' },
  ],
};
const TOOLS = [
  { name: 'get_weather', parameters_json_schema: '{"type":"object","properties":{"city":{"type":"string"}}}' },
  { name: 'get_time', parameters_json_schema: '{"type":"object","properties":{"tz":{"type":"string"}}}' },
];

let server: TestServer;
let c: Clients;
const upstream = new Map<string, string>();

beforeAll(async () => {
  const providers: string[] = [];
  const models: string[] = [];
  for (const t of targets) {
    const url = await t.fake.start();
    // The first response each fake will give is the text scenario; its answer names the model.
    upstream.set(t.kind, t.arrange(textScenario));
    const id = `p-${t.kind.replace('_', '-')}`;
    providers.push(
      `  - { id: ${id}, kind: ${t.kind}, base_url: "${t.base(url)}", api_key_env: UPSTREAM_KEY${t.extra ? `, ${t.extra}` : ''} }`,
    );
    models.push(
      `  - { id: ${id}/m, provider: ${id}, upstream_model: "${upstream.get(t.kind)}", context_window: 100000, max_output_tokens: 1000, capabilities: [tools, streaming] }`,
    );
  }
  server = await startTestServer({
    yaml: `providers:\n${providers.join('\n')}\nmodels:\n${models.join('\n')}\ntenants:\n  - { id: acme, keys: [{ key_env: ACME_KEY }] }\n`,
    env: { UPSTREAM_KEY: 'sk-upstream-test', ACME_KEY: KEY },
  });
  c = grpcClients(server.grpcAddress);
}, 60_000);

afterAll(async () => {
  c?.close();
  await server?.stop();
  for (const t of targets) await t.fake.stop();
});

function chat(req: object): Promise<Any[]> {
  const stream = c.router.Chat(req, bearer(KEY)) as grpc.ClientReadableStream<Any>;
  return new Promise((resolve, reject) => {
    const out: Any[] = [];
    stream.on('data', (m: Any) => out.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

describe.each(targets.map((t) => [t.kind, t] as const))('%s through the server', (kind, t) => {
  const model = `p-${kind.replace('_', '-')}/m`;

  it('streams text with usage and one finish', async () => {
    const evs = await chat({ model, messages: [userMessage('hi')] });
    expect(evs[0].event).toBe('route');
    expect(evs[0].route.provider).toBe(`p-${kind.replace('_', '-')}`);
    expect(
      evs
        .filter((e) => e.event === 'delta')
        .map((e) => e.delta.text)
        .join(''),
    ).toBe(TEXT);
    const usage = evs.find((e) => e.event === 'usage')?.usage;
    expect(usage).toMatchObject({ input_tokens: '11', output_tokens: '7', estimated: false });
    expect(evs.at(-1).finish.reason).toBe('FINISH_REASON_STOP');
    expect(evs.filter((e) => e.event === 'finish')).toHaveLength(1);
  });

  it('streams two parallel tool calls', async () => {
    t.arrange(toolScenario);
    const evs = await chat({ model, messages: [userMessage('weather and time?')], tools: TOOLS });
    const calls = new Map<number, { id: string; name: string; args: string }>();
    for (const e of evs.filter((x) => x.event === 'tool_call')) {
      const f = e.tool_call;
      const cur = calls.get(f.index) ?? { id: '', name: '', args: '' };
      calls.set(f.index, { id: cur.id || f.id, name: cur.name || f.name, args: cur.args + f.arguments_delta });
    }
    const got = [...calls.entries()].sort(([a], [b]) => a - b).map(([, v]) => v);
    expect(got.map((g) => [g.name, JSON.parse(g.args)])).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_time', { tz: 'UTC' }],
    ]);
    for (const g of got) expect(g.id).not.toBe('');
    expect(evs.at(-1).finish.reason).toBe('FINISH_REASON_TOOL_CALLS');
  });
});
