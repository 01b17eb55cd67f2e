// The Ollama adapter against a fake Ollama server: the shared conformance suite, then what is
// specific to Ollama (not-pulled models, embeddings, tags, show).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatEvents } from '../../src/providers/batches.js';
import { createOllamaAdapter, type OllamaAdapter } from '../../src/providers/ollama/adapter.js';
import { closeUpstreamPools } from '../../src/providers/http.js';
import type { Timeouts } from '../../src/providers/types.js';
import { PULLED, ollamaConformanceFake, ollamaLines, ollamaVector, startFakeOllama, streamPlan, type FakeOllama } from '../fakes/ollama.js';
import { chatCall, collect, expectWellOrdered, runConformance, settle, textOf, toolCallsOf } from './conformance.js';

const TIMEOUTS: Timeouts = { connectMs: 2_000, firstByteMs: 2_000, idleMs: 2_000 };

runConformance({
  name: 'ollama',
  makeAdapter: (baseUrl, timeouts) => createOllamaAdapter({ id: 'ollama', kind: 'ollama', baseUrl, timeouts }),
  fake: ollamaConformanceFake(),
});

describe('ollama adapter', () => {
  let fake: FakeOllama;
  let adapter: OllamaAdapter;
  const signal = (): AbortSignal => new AbortController().signal;
  beforeAll(async () => {
    fake = await startFakeOllama();
    adapter = createOllamaAdapter({ id: 'ollama', kind: 'ollama', baseUrl: fake.url, timeouts: TIMEOUTS });
  });
  afterAll(async () => {
    await closeUpstreamPools();
    await fake.close();
  });

  it('POSTs /api/chat with stream true and no auth header', async () => {
    const events = await collect(chatEvents(adapter, chatCall('llama3.2')));
    expect(textOf(events)).toBe('Hello, world!');
    expectWellOrdered(events);
    expect(fake.last.path).toBe('/api/chat');
    expect(fake.last.body).toEqual({ model: 'llama3.2', stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    expect(fake.last.headers['authorization']).toBeUndefined();
  });

  for (const chunkSizes of [[1], [2, 7], [5, 3, 11]]) {
    it(`decodes thinking + tool calls split into ${chunkSizes.join(',')}-byte writes (LF and CRLF)`, async () => {
      for (const crlf of [false, true]) {
        const plan = streamPlan([...ollamaLines.thinking('qwen3:8b').slice(0, 3), ...ollamaLines.twoCalls('qwen3:8b')]);
        fake.enqueue({ ...plan, body: crlf ? String(plan.body).replace(/\n/g, '\r\n') : plan.body, chunkSizes });
        const events = await collect(chatEvents(adapter, chatCall('qwen3:8b')));
        expectWellOrdered(events);
        expect(
          events
            .filter((e) => e.type === 'delta')
            .map((e) => (e as { reasoning?: string }).reasoning ?? '')
            .join(''),
        ).toBe('Hmm, the user says hi.');
        expect(textOf(events)).toBe('Hello 👋');
        expect(toolCallsOf(events).map((c) => [c.name, c.argumentsJson])).toEqual([
          ['get_weather', '{"city":"Tokyo"}'],
          ['get_time', '{"tz":"Asia/Tokyo"}'],
        ]);
        expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });
      }
    });
  }

  it('a model that is not pulled → not_found saying `ollama pull`, and nothing is pulled', async () => {
    const before = fake.requests.length;
    const { error } = await settle(chatEvents(adapter, chatCall('llama9')));
    expect(error).toMatchObject({ kind: 'not_found', details: { status: 404 } });
    expect((error as Error).message).toContain('ollama pull llama9');
    expect(fake.requests.slice(before).map((r) => r.path)).toEqual(['/api/chat']);
  });

  it('embeds a batch with /api/embed, dimensions, in order, with usage', async () => {
    const res = await adapter.embed({ model: 'all-minilm', inputs: ['a', 'bé', 'c'], dimensions: 3, signal: signal() });
    expect(fake.last.path).toBe('/api/embed');
    expect(fake.last.body).toEqual({ model: 'all-minilm', input: ['a', 'bé', 'c'], dimensions: 3 });
    expect(res).toEqual({ vectors: ['a', 'bé', 'c'].map((t) => ollamaVector(t, 3)), usage: { inputTokens: 12 } });
    await expect(adapter.embed({ model: 'nomic', inputs: ['a'], signal: signal() })).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('lists pulled models from /api/tags', async () => {
    expect(await adapter.listModels(signal())).toEqual(PULLED);
    expect(fake.last.method).toBe('GET');
    expect(fake.last.path).toBe('/api/tags');
  });

  it('showModel reads capabilities and context length from /api/show', async () => {
    expect(await adapter.showModel('qwen3:8b')).toEqual({
      name: 'qwen3:8b',
      capabilities: ['completion', 'tools', 'thinking'],
      contextLength: 131072,
      family: 'llama',
    });
    expect(fake.last.body).toEqual({ model: 'qwen3:8b' });
    await expect(adapter.showModel('nope', signal())).rejects.toMatchObject({ kind: 'not_found' });
  });
});
