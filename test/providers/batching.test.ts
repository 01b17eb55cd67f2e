// Every adapter the factory builds streams in batches (ProviderAdapter.chatBatches): given a
// response its fake writes in ONE write, an adapter must hand over several events per batch,
// not one event per batch, and the batches must flatten to exactly what the per-event helper
// gives. This runs through createAdapter on purpose: the lazily loaded providers (Anthropic,
// Gemini, Ollama, Hugging Face) once reached production through a wrapper that forwarded only a
// per-event stream, silently losing their batching.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { chatEvents, isContent } from '../../src/providers/batches.js';
import { closeUpstreamPools } from '../../src/providers/http.js';
import { createAdapter } from '../../src/providers/index.js';
import type { ChatEvent, ProviderAdapter, ProviderEndpoint, Timeouts } from '../../src/providers/types.js';
import { anthropicConformanceFake } from '../fakes/anthropic.js';
import { geminiConformanceFake } from '../fakes/gemini.js';
import { ollamaConformanceFake } from '../fakes/ollama.js';
import { OpenAiFake } from '../fakes/openai.js';
import {
  chatCall,
  collect,
  expectWellOrdered,
  textOf,
  toolCallsOf,
  type ConformanceFake,
  type ConformanceScenario,
} from './conformance.js';

const TIMEOUTS: Timeouts = { connectMs: 2_000, firstByteMs: 5_000, idleMs: 5_000 };

interface Target {
  kind: ProviderEndpoint['kind'];
  fake: ConformanceFake;
  /** The endpoint's base URL from the fake's. */
  base: (url: string) => string;
  preset?: string;
}

const TARGETS: Target[] = [
  { kind: 'openai', fake: new OpenAiFake(), base: (u) => `${u}/v1` },
  { kind: 'openai_compatible', fake: new OpenAiFake({ crlf: true }), base: (u) => `${u}/v1`, preset: 'vllm' },
  { kind: 'openrouter', fake: new OpenAiFake({ flavor: 'openrouter' }), base: (u) => `${u}/api/v1` },
  { kind: 'anthropic', fake: anthropicConformanceFake(), base: (u) => u },
  { kind: 'gemini', fake: geminiConformanceFake(), base: (u) => u },
  { kind: 'ollama', fake: ollamaConformanceFake(), base: (u) => u },
  { kind: 'huggingface', fake: new OpenAiFake(), base: (u) => u },
];

const TEXT = 'Batched by network read — not one token at a time: 世界 👋🏽, several events per read.';
const SCENARIOS: ConformanceScenario[] = [
  { type: 'text', text: TEXT, usage: { inputTokens: 12, outputTokens: 9 } },
  {
    type: 'tool_calls',
    calls: [
      { id: 'call_a1', name: 'get_weather', argumentsJson: '{"city":"Paris, FR"}' },
      { id: 'call_b2', name: 'get_time', argumentsJson: '{"tz":"Europe/Paris"}' },
    ],
  },
];

async function batchesOf(stream: AsyncIterable<ChatEvent[]>): Promise<ChatEvent[][]> {
  const out: ChatEvent[][] = [];
  // Copied: the contract does not promise an adapter never reuses an array it handed over.
  for await (const batch of stream) out.push([...batch]);
  return out;
}

for (const target of TARGETS) {
  describe(`${target.kind} streams in batches (through createAdapter)`, () => {
    let adapter: ProviderAdapter;
    beforeAll(async () => {
      const url = await target.fake.start();
      adapter = createAdapter({
        id: `${target.kind}-batching`,
        kind: target.kind,
        baseUrl: target.base(url),
        apiKey: new Secret('test-key'),
        timeouts: TIMEOUTS,
        ...(target.preset ? { preset: target.preset } : {}),
      });
    });
    afterAll(async () => {
      await closeUpstreamPools();
      await target.fake.stop();
    });

    for (const scenario of SCENARIOS) {
      it(`${scenario.type}: a response written at once comes as fewer batches than events`, async () => {
        // No chunkSizes: each fake writes the whole body in one write.
        const batches = await batchesOf(adapter.chatBatches(chatCall(target.fake.arrange(scenario))));
        const events = batches.flat();

        expect(batches.every((b) => b.length > 0)).toBe(true);
        expect(batches.length).toBeLessThan(events.length);
        expect(batches.some((b) => b.length > 1)).toBe(true);
        // The first content event closes its batch: it is never held behind what came with it.
        const first = batches.findIndex((b) => b.some(isContent));
        expect(first).toBeGreaterThanOrEqual(0);
        expect(isContent(batches[first]!.at(-1)!)).toBe(true);

        expectWellOrdered(events);
        if (scenario.type === 'text') expect(textOf(events)).toBe(TEXT);
        if (scenario.type === 'tool_calls') expect(toolCallsOf(events)).toEqual(scenario.calls);

        // The per-event helper is exactly the flattening, event for event.
        const one = await collect(chatEvents(adapter, chatCall(target.fake.arrange(scenario))));
        expect(one).toEqual(events);
      });
    }
  });
}
