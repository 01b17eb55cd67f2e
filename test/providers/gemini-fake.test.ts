// Proves the fake Gemini API faithful: the official SDK (@google/genai) is its client.
import { ApiError, GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  geminiChunks,
  geminiErrors,
  geminiVector,
  loadGeminiRecordings,
  startFakeGemini,
  streamReply,
  type FakeGemini,
} from '../fakes/gemini.js';

describe('fake Gemini API, seen by @google/genai', () => {
  let fake: FakeGemini;
  let ai: GoogleGenAI;
  beforeAll(async () => {
    fake = await startFakeGemini();
    ai = new GoogleGenAI({ apiKey: 'sdk-key', httpOptions: { baseUrl: fake.url } });
  });
  afterAll(() => fake.close());

  it('streams text; the SDK sends the same path and header our adapter uses', async () => {
    let text = '';
    for await (const c of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Hi' })) text += c.text ?? '';
    expect(text).toBe('Hello, world!');
    expect(fake.last.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(fake.last.headers['x-goog-api-key']).toBe('sdk-key');
  });

  it('replays the recordings byte-split; the SDK sees the recorded responses', async () => {
    for (const rec of loadGeminiRecordings().filter((r) => r.url.includes('alt=sse'))) {
      fake.enqueue({ ...streamReply(rec.chunks), chunkSizes: [1, 2, 5] });
      const got: unknown[] = [];
      for await (const c of await ai.models.generateContentStream({ model: 'gemini-2.0-flash', contents: 'x' })) {
        got.push({ candidates: c.candidates, usageMetadata: c.usageMetadata });
      }
      expect(got).toEqual(rec.chunks.map((c) => ({ candidates: c['candidates'], usageMetadata: c['usageMetadata'] })));
    }
  });

  it('parallel function calls and thoughts', async () => {
    fake.enqueue({ ...streamReply(geminiChunks.twoCalls()), chunkSizes: [3] });
    const calls = [];
    for await (const c of await ai.models.generateContentStream({ model: 'm', contents: 'x' })) calls.push(...(c.functionCalls ?? []));
    expect(calls.map((f) => f.args)).toEqual([{ city: 'Paris' }, { city: 'Tōkyō' }]);
    fake.enqueue(streamReply(geminiChunks.thinking()));
    const parts = [];
    for await (const c of await ai.models.generateContentStream({ model: 'm', contents: 'x' }))
      parts.push(...(c.candidates?.[0]?.content?.parts ?? []));
    expect(parts[0]).toEqual({ text: 'Let me think…', thought: true });
  });

  it('HTTP errors surface as ApiError with the status and message', async () => {
    fake.enqueue(geminiErrors.rateLimited('13s'));
    const err = await ai.models.generateContentStream({ model: 'm', contents: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(429);
    expect((err as ApiError).message).toContain('RetryInfo');
  });

  it('a bare Status body in a 200 stream is the SDK’s in-stream error', async () => {
    // The SDK only recognizes the error when a network chunk is exactly the Status JSON, so the
    // stream here is that chunk alone (the adapter test covers it after some text).
    const plan = geminiErrors.inStream();
    const body = String(plan.body);
    fake.enqueue({ ...plan, body: body.slice(body.indexOf('{"error"')) });
    const err = await (async () => {
      for await (const _ of await ai.models.generateContentStream({ model: 'm', contents: 'x' })) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(500);
    expect((err as ApiError).message).toContain('got status: INTERNAL');
  });

  it('embedContent (the SDK uses :batchEmbedContents) and models.list', async () => {
    const res = await ai.models.embedContent({ model: 'text-embedding-004', contents: ['a', 'b'], config: { outputDimensionality: 3 } });
    expect(fake.last.path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(res.embeddings?.map((e) => e.values)).toEqual([geminiVector('a', 3), geminiVector('b', 3)]);
    const names: string[] = [];
    for await (const m of await ai.models.list()) names.push(m.name ?? '');
    expect(names).toEqual(['models/gemini-2.5-flash', 'models/text-embedding-004']);
  });
});
