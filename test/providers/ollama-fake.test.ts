// Proves the fake Ollama server faithful: the official `ollama` package is its client.
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ollamaLines, ollamaVector, startFakeOllama, streamPlan, type FakeOllama } from '../fakes/ollama.js';

describe('fake Ollama, seen by the ollama package', () => {
  let fake: FakeOllama;
  let client: Ollama;
  beforeAll(async () => {
    fake = await startFakeOllama();
    client = new Ollama({ host: fake.url });
  });
  afterAll(() => fake.close());

  it('streams chat split into single bytes', async () => {
    fake.enqueue({ ...streamPlan(ollamaLines.thinking('qwen3:8b')), chunkSizes: [1] });
    const parts = [];
    for await (const p of await client.chat({ model: 'qwen3:8b', messages: [{ role: 'user', content: 'hi' }], stream: true }))
      parts.push(p);
    expect(parts.map((p) => p.message.thinking ?? '').join('')).toBe('Hmm, the user says hi.');
    expect(parts.map((p) => p.message.content).join('')).toBe('Hello 👋');
    expect(parts.at(-1)).toMatchObject({ done: true, done_reason: 'stop', prompt_eval_count: 12, eval_count: 9 });
    expect(fake.last.path).toBe('/api/chat');
  });

  it('tool calls arrive whole with object arguments', async () => {
    fake.enqueue(streamPlan(ollamaLines.twoCalls('llama3.2')));
    const calls = [];
    for await (const p of await client.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }], stream: true }))
      calls.push(...(p.message.tool_calls ?? []));
    expect(calls.map((c) => c.function.arguments)).toEqual([{ city: 'Tokyo' }, { tz: 'Asia/Tokyo' }]);
  });

  it('a model that is not pulled is a ResponseError 404 with the server’s message', async () => {
    const err = await client.chat({ model: 'llama9', messages: [{ role: 'user', content: 'x' }], stream: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ResponseError', status_code: 404, error: "model 'llama9' not found" });
  });

  it('an in-stream error line is thrown by the client after the text before it', async () => {
    fake.enqueue(streamPlan([ollamaLines.content('llama3.2', 'I'), { error: 'an error was encountered while running the model' }]));
    const seen: string[] = [];
    const err = await (async () => {
      for await (const p of await client.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }], stream: true }))
        seen.push(p.message.content);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['I']);
    expect(String(err)).toContain('an error was encountered while running the model');
  });

  it('embed, list and show', async () => {
    const e = await client.embed({ model: 'all-minilm', input: ['a', 'b'] });
    expect(e.embeddings).toEqual([ollamaVector('a'), ollamaVector('b')]);
    const list = await client.list();
    expect(list.models.map((m) => m.name)).toContain('llama3.2:latest');
    const show = await client.show({ model: 'llama3.2' });
    expect(show.capabilities).toEqual(['completion', 'tools']);
    expect(fake.last.body).toEqual({ model: 'llama3.2' });
  });
});
